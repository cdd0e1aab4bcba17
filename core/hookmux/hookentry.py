"""``hookmux run``: the command Claude Code runs for each hook event.

The contract with Claude Code, kept whatever happens:

* stdin is always read to the end (a writer never gets EPIPE);
* stdout carries one JSON object or nothing (WorktreeCreate: its path line);
* the exit code is 0, or 2 only when a plugin blocks an event Claude Code
  reads blocks from exit codes (TaskCompleted, TeammateIdle);
* bad input (empty, not JSON, not an object, not UTF-8, unknown event) costs
  one line on stderr and an empty answer.

When ``hookmux serve`` runs, the raw event goes straight to it (see
:mod:`hookmux.relay`): this process loads ``_socket`` and nothing of the
routing. Otherwise an event no handler matches touches only the standard
library modules Python already has loaded, marshal and a C JSON scanner: no
plugin, no pluggy, attrs, cattrs, filelock or importlib.metadata (a test holds
this with ``-X importtime``).
"""

from __future__ import annotations

import os
import sys

from hookmux.events import MATCHER_FIELD
from hookmux.paths import hookmux_home, project_dir, socket_path

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO, Any, ClassVar

#: Largest event accepted; bigger payloads are drained and not routed.
MAX_INPUT_BYTES = 64 * 1024 * 1024
#: Seconds to wait for Claude Code to close stdin.
STDIN_TIMEOUT = 10.0

USAGE = """\
usage: hookmux run [--deadline SECONDS] [--transport command|http] [--wiring DIGEST]

Reads one Claude Code hook event (JSON) on stdin, routes it to the plugins
whose matchers accept it and prints their merged answer (one JSON object, or
nothing). Wire it into Claude Code with `hookmux install`.
"""


class BadInput(Exception):
    """The event cannot be routed; the message is the stderr line."""


class _JSONContext:
    """The attributes ``_json.make_scanner`` reads (json.decoder would import re)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: ClassVar[dict[str, Any]] = {}

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """``json.loads`` without importing ``json`` (saves ~8 ms per event)."""
    try:
        import _json

        scan = _json.make_scanner(_JSONContext())  # type: ignore[arg-type]
    except (ImportError, AttributeError):  # pragma: no cover - non-CPython
        import json

        return json.loads(text)
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = scan(text, start)
    except StopIteration:
        raise BadInput("stdin is not JSON") from None
    except (ValueError, SystemError):
        # The C scanner builds its error from json.decoder, which the hot path never
        # imports (3.11 then raises SystemError): let json itself say what is wrong.
        import json

        try:
            json.loads(text)
        except ValueError as exc:
            raise BadInput(f"stdin is not valid JSON: {exc}") from None
        raise BadInput("stdin is not valid JSON") from None
    if text[end:].strip(" \t\n\r"):
        raise BadInput(f"stdin has extra data after the JSON value (at character {end})")
    return value


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


def decode_event(data: bytes) -> dict[str, Any]:
    if not data.strip():
        raise BadInput("stdin is empty: expected one hook event as JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"stdin is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    value = parse_json(text.lstrip("\ufeff"))
    if not isinstance(value, dict):
        raise BadInput(f"stdin holds a JSON {type(value).__name__}, expected an object")
    name = value.get("hook_event_name")
    if not isinstance(name, str):
        raise BadInput("event has no hook_event_name")
    if name not in MATCHER_FIELD:
        raise BadInput(
            f"unknown hook event {name!r}: no plugin handles it (hookmux knows {len(MATCHER_FIELD)} events)"
        )
    return value


def matching_handlers(
    raw: Mapping[str, Any], manifest: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> list[Mapping[str, Any]]:
    """The handlers (in priority order) whose static matchers accept ``raw``."""
    handlers = manifest.get("events", {}).get(raw["hook_event_name"])
    if not handlers:
        return []
    from hookmux.matching import handler_accepts

    disabled = environ.get("HOOKMUX_DISABLED", "")
    off = {p.strip() for p in disabled.split(",")} if disabled else set()
    only = environ.get("HOOKMUX_PLUGINS")  # a load filter, like LLM_LOAD_PLUGINS
    if only is not None:
        keep = {p.strip() for p in only.split(",") if p.strip()}
        handlers = [h for h in handlers if h["plugin"] in keep]
    field = MATCHER_FIELD[raw["hook_event_name"]]
    cwd = raw.get("cwd")
    roots = [project_dir(cwd, environ)]
    if isinstance(cwd, str) and cwd and cwd not in roots:
        roots.append(os.path.normpath(cwd))
    return [h for h in handlers if h["plugin"] not in off and handler_accepts(h, raw, field, roots)]


def _parse_args(argv: list[str], err: IO[str]) -> dict[str, Any] | None:
    opts: dict[str, Any] = {"deadline": None, "transport": "command", "wiring": None}
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            return None
        key, sep, value = arg.partition("=")
        if key in ("--deadline", "--transport", "--wiring"):
            value = value if sep else next(args, "")
            if key == "--wiring":
                opts["wiring"] = value
            elif key == "--deadline":
                try:
                    opts["deadline"] = float(value)
                    if opts["deadline"] <= 0:
                        raise ValueError
                except ValueError:
                    print(f"hookmux run: ignoring --deadline {value!r}: not a positive number", file=err)
                    opts["deadline"] = None
            elif value in ("command", "http"):
                opts["transport"] = value
            else:
                print(f"hookmux run: ignoring --transport {value!r}: expected command or http", file=err)
        else:
            print(f"hookmux run: ignoring unknown argument {arg!r}", file=err)
    return opts


def _normal_args(opts: Mapping[str, Any]) -> list[str]:
    """The parsed options as arguments again (the daemon need not repeat warnings)."""
    args = [f"--transport={opts['transport']}"]
    if opts["deadline"] is not None:
        args.append(f"--deadline={opts['deadline']!r}")
    if opts["wiring"] is not None:
        args.append(f"--wiring={opts['wiring']}")
    return args


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
        _drain(source)
        print(f"hookmux: {exc}", file=err)
    except BaseException as exc:  # noqa: BLE001 - Claude Code must get an answer, never exit 2 by accident
        _drain(source)
        print(f"hookmux: internal error, event not routed: {type(exc).__name__}: {exc}", file=err)
    else:
        code, outcome = answer(argv, data, out, err, relay=True)
    try:
        out.flush()
        err.flush()
    except Exception:  # noqa: BLE001, S110 - Claude Code may have gone away
        pass
    if outcome is not None:
        _after_answer(outcome, err)
        if outcome.hung:
            # A handler thread is still running: leave now rather than wait for it.
            os._exit(code)
    return code


class Outcome:
    """What routing an event in this process left to do once the answer is out."""

    __slots__ = ("environ", "hung", "jobs", "max_workers", "project", "start_daemon")

    def __init__(
        self,
        result: Any = None,
        start_daemon: bool = False,
        project: str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.hung = bool(result is not None and result.hung)
        self.jobs = result.jobs if result is not None else ()
        self.max_workers = result.max_workers if result is not None else 2
        #: no daemon answered: start one for the next events unless configured off
        self.start_daemon = start_daemon
        self.project = project
        self.environ = environ


def answer(
    argv: list[str],
    data: bytes,
    out: IO[bytes],
    err: IO[str],
    *,
    environ: Mapping[str, str] = os.environ,
    home: str | None = None,
    manifest: Mapping[str, Any] | None = None,
    plugin_manager: Any = None,
    relay: bool = False,
    deferred: list[Any] | None = None,
    settings_loader: Any = None,
) -> tuple[int, Outcome | None]:
    """Route the event ``data`` (the bytes ``hookmux run`` read) and write the answer.

    The one routing path of every transport: ``hookmux run`` in-process
    (``relay=True``: the event goes to a running ``hookmux serve`` first), and
    the daemon for relayed and http events. Never raises; returns the exit code
    and what is left to do after the answer (background jobs, hung handlers).
    """
    try:
        return _handle(
            argv,
            data,
            out,
            err,
            environ,
            home,
            manifest,
            plugin_manager,
            relay,
            deferred=deferred,
            settings_loader=settings_loader,
        )
    except BadInput as exc:
        print(f"hookmux: {exc}", file=err)
    except BaseException as exc:  # noqa: BLE001 - Claude Code must get an answer, never exit 2 by accident
        print(f"hookmux: internal error, event not routed: {type(exc).__name__}: {exc}", file=err)
    return 0, None


def _after_answer(outcome: Outcome, err: IO[str]) -> None:
    """Queue background work and start the daemon once the answer is out; never fails the hook."""
    home = hookmux_home()
    if outcome.start_daemon:
        try:
            from hookmux.config import load_settings
            from hookmux.serving import autostart

            if load_settings(outcome.project, outcome.environ).core.serve:
                autostart(home)
        except Exception as exc:  # noqa: BLE001
            print(f"hookmux: cannot start hookmux serve: {exc}", file=err)
    if not outcome.jobs:
        return
    try:
        from hookmux import background

        if background.queue(home, outcome.jobs):
            background.ensure_worker(home, outcome.max_workers)
    except Exception as exc:  # noqa: BLE001
        print(f"hookmux: background work not queued: {exc}", file=err)


def relay_timeout(event: str | None, deadline: float | None) -> float:
    """How long ``hookmux run`` waits for the daemon: the event's deadline plus a
    second, which leaves the in-process fallback Claude Code's margin (at least 20 %)."""
    from hookmux.events import CLAUDE_TIMEOUT, DEFAULT_CLAUDE_TIMEOUT

    timeout = CLAUDE_TIMEOUT.get(event, DEFAULT_CLAUDE_TIMEOUT) if event else DEFAULT_CLAUDE_TIMEOUT
    return (deadline or timeout * 0.8) + 1.0


def event_name_hint(data: bytes) -> str | None:
    """The event's name read off the raw bytes, without parsing them (the relay's
    wait depends on it; the daemon parses the event itself). None unless plainly there:
    inside a JSON string the key's quotes would be escaped, so it cannot match there."""
    at = data.find(b'"hook_event_name"')
    if at < 0:
        return None
    rest = data[at + 17 : at + 120].lstrip(b" \t\r\n")
    if rest[:1] != b":":
        return None
    rest = rest[1:].lstrip(b" \t\r\n")
    end = rest.find(b'"', 1)
    if rest[:1] != b'"' or end < 0:
        return None
    return rest[1:end].decode("utf-8", "replace")


def _relay(
    opts: Mapping[str, Any], data: bytes, home: str, environ: Mapping[str, str]
) -> tuple[int, bytes, bytes] | bool:
    """Hand the raw event to a running ``hookmux serve``: its (exit code, stdout,
    stderr), else whether no daemon runs (True: start one if a handler matches)."""
    try:
        os.stat(socket_path(home))
    except OSError:
        return True  # nothing to connect to: no _socket import, no relay module
    from hookmux import relay as relaying

    if not relaying.relay_enabled(environ):
        return False
    wait = relay_timeout(event_name_hint(data), opts["deadline"])
    relayed = relaying.forward(home, _normal_args(opts), data, environ, wait)
    if isinstance(relayed, str):
        return relayed == relaying.DOWN
    return relayed


def _handle(
    argv: list[str],
    data: bytes,
    out: IO[bytes],
    err: IO[str],
    environ: Mapping[str, str],
    home: str | None,
    manifest: Mapping[str, Any] | None,
    plugin_manager: Any,
    relay: bool,
    deferred: list[Any] | None = None,
    settings_loader: Any = None,
) -> tuple[int, Outcome | None]:
    opts = _parse_args(argv, err)
    if opts is None:
        err.write(USAGE)
        return 0, None
    if home is None:
        home = hookmux_home(environ)
    daemon_down = False
    if relay:
        relayed = _relay(opts, data, home, environ)
        if isinstance(relayed, tuple):
            code, stdout, stderr = relayed
            out.write(stdout)
            err.write(stderr.decode("utf-8", "replace"))
            return code, None
        daemon_down = relayed
    raw = decode_event(data)
    if manifest is None:
        from hookmux.manifest import load_manifest

        manifest = load_manifest(home)
    handlers = matching_handlers(raw, manifest, environ)
    resolver = None
    if (
        opts["wiring"] is not None
        and raw["hook_event_name"] == "SessionStart"
        and opts["wiring"] != manifest.get("wiring")  # the plugins changed since `hookmux install`
    ):
        from hookmux.stalewiring import with_notice

        handlers, resolver = with_notice(handlers, manifest)
    if not handlers:
        return 0, None
    start_daemon = False
    if daemon_down:
        from hookmux.relay import relay_enabled

        start_daemon = relay_enabled(environ)
    from hookmux.dispatch import dispatch

    result = dispatch(
        raw,
        handlers,
        manifest,
        home=home,
        resolver=resolver,
        deadline=opts["deadline"],
        transport=opts["transport"],
        environ=environ,
        plugin_manager=plugin_manager,
        deferred=deferred,
        settings_loader=settings_loader,
    )
    for message in result.messages:
        print(message, file=err)
    rendered = result.rendered
    code = 0
    if rendered is not None:
        if rendered.plain is not None:
            out.write(rendered.plain.encode("utf-8") + b"\n")
        elif rendered.payload is not None:
            import json

            out.write(json.dumps(rendered.payload, ensure_ascii=False).encode("utf-8"))
        if rendered.stderr:
            print(rendered.stderr, file=err)
        code = rendered.exit_code
    return code, Outcome(result, start_daemon, project_dir(raw.get("cwd"), environ), environ)


def _drain(stream: IO[bytes]) -> None:
    try:
        while stream.read(1 << 20):
            pass
    except Exception:  # noqa: BLE001, S110 - already failing; draining is best effort
        pass
