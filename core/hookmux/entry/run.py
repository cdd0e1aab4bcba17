"""``hookmux run``: the command Claude Code runs for each hook event.

The contract with Claude Code, kept whatever happens:

* stdin is always read to the end (a writer never gets EPIPE);
* stdout carries one JSON object or nothing (WorktreeCreate: its path line);
* the exit code is 0, or 2 only when a plugin blocks an event Claude Code
  reads blocks from exit codes (TaskCompleted, TeammateIdle);
* bad input (empty, not JSON, not an object, not UTF-8, unknown event) costs
  one line on stderr and an empty answer.

This module reads the event and the arguments and, when ``hookmux serve`` runs,
hands the raw event to it (:mod:`hookmux.entry.relay`) without parsing it: the process
then loads ``_socket`` and nothing of the routing. Otherwise, or when the daemon
cannot answer, :mod:`hookmux.entry.route` routes the event in-process.
"""

from __future__ import annotations

import os
import sys

from hookmux.entry.args import USAGE, BadInput, normal_args, parse_args
from hookmux.entry.sniff import event_name_hint
from hookmux.state.paths import hookmux_home, socket_path

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO, Any, NoReturn

    from hookmux.entry.route import Outcome

#: Largest event accepted; bigger payloads are drained and not routed.
MAX_INPUT_BYTES = 64 * 1024 * 1024
#: Seconds to wait for Claude Code to close stdin.
STDIN_TIMEOUT = 10.0


def read_stdin(stream: IO[bytes]) -> bytes:
    """Everything on stdin, bounded in time and size (the rest is drained)."""
    import _signal  # type: ignore[import-not-found]  # signal itself imports enum

    def give_up(_signum: int, _frame: Any) -> None:
        raise BadInput(f"stdin was not closed within {STDIN_TIMEOUT:.0f} s")

    previous: Any = None
    try:
        previous = _signal.signal(_signal.SIGALRM, give_up)
        _signal.setitimer(_signal.ITIMER_REAL, STDIN_TIMEOUT)
    except (AttributeError, ValueError):  # no SIGALRM here, or not the main thread
        previous = None
    try:
        chunks = []
        size = 0
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size <= MAX_INPUT_BYTES:
                chunks.append(chunk)
        if size > MAX_INPUT_BYTES:
            raise BadInput(f"event of {size} bytes is larger than {MAX_INPUT_BYTES}; not routed")
        return b"".join(chunks)
    finally:
        if previous is not None:
            _signal.setitimer(_signal.ITIMER_REAL, 0)
            _signal.signal(_signal.SIGALRM, previous)


def drain(stream: IO[bytes]) -> None:
    try:
        while stream.read(1 << 20):
            pass
    except Exception:  # noqa: BLE001, S110 - already failing; draining is best effort
        pass


def relay_timeout(event: str | None, deadline: float | None) -> float:
    """How long ``hookmux run`` waits for the daemon: the event's deadline plus a
    second, which leaves the in-process fallback Claude Code's margin (at least 20 %)."""
    from hookmux.protocol.events import CLAUDE_TIMEOUT, DEFAULT_CLAUDE_TIMEOUT

    timeout = CLAUDE_TIMEOUT.get(event, DEFAULT_CLAUDE_TIMEOUT) if event else DEFAULT_CLAUDE_TIMEOUT
    return (deadline or timeout * 0.8) + 1.0


def _relay(
    opts: Mapping[str, Any], data: bytes, home: str, environ: Mapping[str, str]
) -> tuple[int, bytes, bytes] | bool:
    """Hand the raw event to a running ``hookmux serve``: its (exit code, stdout,
    stderr), else whether no daemon runs (True: start one if a handler matches)."""
    if not opts["relay"]:
        return False  # the native launcher could not get an answer: do not wait again
    try:
        os.stat(socket_path(home))
    except OSError:
        return True  # nothing to connect to: no _socket import, no relay module
    from hookmux.entry import relay as relaying

    if not relaying.relay_enabled(environ):
        return False
    wait = relay_timeout(event_name_hint(data), opts["deadline"])
    relayed = relaying.forward(home, normal_args(opts), data, environ, wait)
    if isinstance(relayed, str):
        return relayed == relaying.DOWN
    return relayed


def _route(argv: list[str], data: bytes, out: IO[bytes], err: IO[str]) -> tuple[int, Outcome | None]:
    """The running daemon's answer, else the in-process one."""
    try:
        opts = parse_args(argv, err)
        if opts is None:
            err.write(USAGE)
            return 0, None
        home = hookmux_home()
    except BadInput as exc:
        print(f"hookmux: {exc}", file=err)
        return 0, None
    except BaseException as exc:  # noqa: BLE001 - Claude Code must get an answer, never exit 2 by accident
        print(f"hookmux: internal error, event not routed: {type(exc).__name__}: {exc}", file=err)
        return 0, None
    try:
        relayed = _relay(opts, data, home, os.environ)
    except Exception:  # noqa: BLE001 - whatever goes wrong with the relay, the event is routed here
        relayed = False
    if isinstance(relayed, tuple):
        code, stdout, stderr = relayed
        out.write(stdout)
        err.write(stderr.decode("utf-8", "replace"))
        return code, None
    from hookmux.entry.route import answer

    # The options as parsed: their warnings are out already.
    return answer(normal_args(opts), data, out, err, home=home, daemon_down=relayed)


def run(
    argv: list[str],
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Handle one event; returns the exit code. Never raises."""
    source = stdin or sys.stdin.buffer
    out = stdout or sys.stdout.buffer
    err = stderr or sys.stderr
    code, outcome = 0, None
    try:
        data = read_stdin(source)
    except BadInput as exc:
        drain(source)
        print(f"hookmux: {exc}", file=err)
    except BaseException as exc:  # noqa: BLE001 - Claude Code must get an answer, never exit 2 by accident
        drain(source)
        print(f"hookmux: internal error, event not routed: {type(exc).__name__}: {exc}", file=err)
    else:
        code, outcome = _route(argv, data, out, err)
    try:
        out.flush()
        err.flush()
    except Exception:  # noqa: BLE001, S110 - Claude Code may have gone away
        pass
    if outcome is not None:
        from hookmux.entry.route import after_answer

        after_answer(outcome, err)
        if outcome.hung:
            # A handler thread is still running: leave now rather than wait for it.
            os._exit(code)
    return code


def main(argv: list[str]) -> NoReturn:
    """The console script's ``hookmux run``: :func:`run`, then exit.

    When no plugin ran in this process (the daemon answered, or no handler
    matched), nothing here needs the interpreter's teardown, which costs about
    as much as its start-up: the answer is flushed and the process leaves at once.
    A process that ran plugins exits normally (their ``atexit`` work runs).
    """
    code = run(argv)
    if "hookmux.routing.dispatch" not in sys.modules:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001, S110 - Claude Code may have gone away
            pass
        os._exit(code)
    sys.exit(code)
