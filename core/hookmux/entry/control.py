"""Starting, finding and checking ``hookmux serve``: off the hot path.

``hookmux run`` reaches this only after answering an event in-process (to start
the daemon for the next events); ``hookmux serve ensure`` (the SessionStart hook
of the http transport) and the command line use it too. Stdlib only, no click:
``hookmux serve ensure`` runs it before the command line would load.
"""

from __future__ import annotations

import os

from hookmux.entry.relay import ANSWERED, PING, encode_request, exchange
from hookmux.state.paths import daemon_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Mapping, Sequence


def default_port(home: str | None = None) -> int:
    """``hookmux serve``'s http port unless configured: the home's own (recorded by
    ``hookmux install --transport http``, else derived from the user and the home), so the
    daemons of several homes on one machine do not collide (:mod:`hookmux.state.ports`)."""
    from hookmux.state.paths import hookmux_home
    from hookmux.state.ports import home_port

    return home_port(home or hookmux_home())


def ping(
    home: str, timeout: float = 2.0, session_pid: int | None = None, port: int | None = None
) -> dict[str, str] | None:
    """The daemon's ``key=value`` status lines, or None when none answers."""
    # a session to keep the daemon for; the port http hooks use (bound again if it failed)
    argv = [str(session_pid or 0)] + ([f"--port={port}"] if port else [])
    try:
        answer = exchange(home, encode_request(PING, argv, {}), timeout)
    except (OSError, ValueError):
        return None
    if answer is None or answer[0] != ANSWERED:
        return None
    info = {}
    for line in answer[2].decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            info[key] = value
    return info


#: ``hookmux run`` does not try to start a daemon again this soon after one failed.
RETRY_AFTER_FAILURE = 60.0
#: The daemon inherits its (already locked) single-instance lock under this descriptor.
LOCK_FD_ENV = "HOOKMUX_SERVE_LOCK_FD"
#: Variables of one Claude Code session that a daemon serving every session must not keep.
SESSION_PREFIXES = ("CLAUDE_", "TRACEPARENT", "TRACESTATE")


def lock_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "daemon.lock")


def failure_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "failed")


def log_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "daemon.log")


def recent_failure(home: str) -> str | None:
    """Why the last start failed, if it failed less than a minute ago."""
    import time

    try:
        with open(failure_file(home), encoding="utf-8") as fh:
            reason = fh.read().strip()
        if time.time() - os.stat(failure_file(home)).st_mtime < RETRY_AFTER_FAILURE:
            return reason or "unknown reason"
    except OSError:
        pass
    return None


def daemon_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without one session's variables (the daemon serves them all)."""
    return {k: v for k, v in environ.items() if not k.startswith(SESSION_PREFIXES)}


def spawn(
    home: str, args: Sequence[str] = (), *, respect_failure: bool = True
) -> subprocess.Popen[bytes] | None:
    """Start ``hookmux serve`` detached unless one runs or is starting: the process started.

    The single-instance lock is taken here and handed to the daemon, so racing
    callers start at most one daemon.
    """
    import fcntl

    if respect_failure and recent_failure(home) is not None:
        return None
    directory = daemon_dir(home)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(lock_file(home), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a daemon runs, or is starting
        import subprocess
        import sys

        if respect_failure:
            # Until the daemon answers (it removes this), `hookmux run` starts no other:
            # a daemon that cannot even start must not cost every event a process.
            import time

            marker = os.open(failure_file(home), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(marker, "w", encoding="utf-8") as fh:
                fh.write(f"started at {time.strftime('%H:%M:%S')} by hookmux run; it did not come up\n")

        env = daemon_environment(os.environ)
        env.update(HOOKMUX_HOME=home, **{LOCK_FD_ENV: str(fd)})
        log = os.open(log_file(home), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # New session, no inherited descriptors but the lock: nothing keeps
            # Claude Code's pipes open, and the daemon outlives this hook.
            return subprocess.Popen(
                [sys.executable, "-m", "hookmux.daemon.lifecycle", *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
                pass_fds=(fd,),
                cwd=directory,
                env=env,
            )
        finally:
            os.close(log)
    finally:
        os.close(fd)  # the daemon keeps its own copy, and with it the lock


def autostart(home: str) -> bool:
    """Start the daemon in the background for the next events (``hookmux run``)."""
    return spawn(home, ["--autostart"]) is not None


def wait_until_up(
    home: str,
    started: subprocess.Popen[bytes] | None,
    wait: float,
    session_pid: int | None = None,
    port: int | None = None,
) -> dict[str, str] | None:
    """Ping until the daemon answers: its status, or None once ``wait`` seconds
    have passed or the daemon ``started`` here has exited (it wrote why)."""
    import time

    ends = time.monotonic() + wait
    while time.monotonic() < ends:
        info = ping(home, session_pid=session_pid, port=port)
        if info is not None:
            return info
        if started is not None and started.poll() is not None:
            # one last look: another caller's daemon may have come up meanwhile
            return ping(home, session_pid=session_pid, port=port)
        time.sleep(0.02)
    return None


def ensure(
    home: str, port: int | None = None, session_pid: int | None = None, wait: float = 20.0
) -> tuple[dict[str, str] | None, str | None]:
    """Make sure the daemon runs (start it and wait for it): (its status, a problem)."""
    info = ping(home, session_pid=session_pid, port=port)
    if info is None:
        args = [f"--port={port}"] if port else []
        started = spawn(home, args, respect_failure=False)
        info = wait_until_up(home, started, wait, session_pid=session_pid, port=port)
        if info is None:
            reason = recent_failure(home) or f"it did not answer within {wait:g} s"
            return None, f"hookmux serve is not running: {reason} (log: {log_file(home)})"
    if port and info.get("http_port") != str(port):
        problem = info.get("http_error") or f"it listens on port {info.get('http_port') or 'none'}"
        return info, f"hookmux serve cannot take http hooks on port {port}: {problem}"
    return info, None


def ensure_main(argv: list[str]) -> int:
    """``hookmux serve ensure [--port N]``, the SessionStart/UserPromptSubmit hook of the
    http transport. Stdlib only (reached before click loads): when the daemon runs,
    this costs an interpreter start and one round trip on its socket.

    Drains stdin (the hook event), registers the Claude Code process (our parent)
    so the daemon does not exit idle under a live session, starts the daemon if
    it is down and waits until it answers. A problem is shown to the user as a
    ``systemMessage``; the exit code is always 0.
    """
    import sys

    from hookmux.state.paths import hookmux_home

    port = None
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--port=") else None
        if arg == "--port" and i + 1 < len(argv):
            value = argv[i + 1]
        if value is not None and value.isdigit():
            port = int(value)
    try:
        if not sys.stdin.isatty():
            while sys.stdin.buffer.read(1 << 20):
                pass
    except (OSError, ValueError):
        pass
    try:
        _, problem = ensure(hookmux_home(), port, session_pid=os.getppid())
    except Exception as exc:  # noqa: BLE001 - a hook never fails on this
        problem = f"hookmux serve cannot be started: {type(exc).__name__}: {exc}"
    if problem and port:
        # Our daemon does not hold the hooks' port: whoever does receives every event.
        problem = _squatted(port, problem)
    if problem:
        print(f"hookmux: {problem}", file=sys.stderr)
        import json

        sys.stdout.write(json.dumps({"systemMessage": f"hookmux: {problem}"}))
    return 0


def _squatted(port: int, problem: str) -> str:
    """``problem``, led by a loud warning when another user's process listens on ``port``."""
    from hookmux.state.portowner import squatter_warning

    try:
        warning = squatter_warning(port)
    except Exception:  # noqa: BLE001 - the check must not cost the hook its answer
        return problem
    return f"{warning} ({problem})" if warning else problem
