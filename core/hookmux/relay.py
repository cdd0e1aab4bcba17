"""The relay: ``hookmux run`` hands a matched event to a warm ``hookmux serve``.

Stdlib only, on the hot path: ``_socket`` (``socket`` imports enum, selectors...),
no ``json``, ``re``, ``struct`` or ``typing``. ``hookmux run`` calls
:func:`forward` only for an event some handler matched; any failure (no daemon,
refused, timeout, a malformed answer, a daemon asking the caller to route the
event itself) returns None and the event is routed in-process, so the relay can
never lose an event or add output.

Frames, over a Unix stream socket in a 0700 directory (the daemon also checks
the peer's uid with ``SO_PEERCRED``); integers are 4-byte big-endian::

    request: b"HMXQ" kind(1) u32 len + header, u32 len + payload
             header: NUL-separated: hookmux version, argc, argv..., KEY=VALUE...
             kind:   R (route the payload), P (ping: status; P also
                     registers the Claude Code process in argv[0]), S (stop)
    answer:  b"HMXA" status(1) u32 exit code, u32 len + stdout, u32 len + stderr
             status: 0 answered, 1 route it yourself (the daemon restarts or
                     cannot serve this caller)
"""

from __future__ import annotations

import os

from hookmux import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

REQUEST = b"HMXQ"
ANSWER = b"HMXA"
ROUTE, PING, STOP = b"R", b"P", b"S"
ANSWERED, YOURSELF = 0, 1
#: Longest Unix socket path (sun_path is 108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100
#: Largest stdout or stderr accepted in an answer.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def default_port() -> int:
    """``hookmux serve``'s http port unless configured: fixed per user, in the dynamic
    range and above Linux's ephemeral ports (which end at 60999)."""
    return 61000 + os.getuid() % 4500


def daemon_dir(home: str) -> str:
    return os.path.join(home, "daemon")


def socket_path(home: str) -> str:
    """``$HOOKMUX_HOME/daemon/relay.sock``, or, when that path is too long for a
    Unix socket, a socket in ``/tmp/hookmux-<uid>/`` (0700) named after the home."""
    path = os.path.join(daemon_dir(home), "relay.sock")
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path
    import zlib

    base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"  # noqa: S108 - a 0700 directory of our own
    key = zlib.crc32(os.fsencode(home))
    return os.path.join(base, f"hookmux-{os.getuid()}", f"{key:08x}.sock")


def relay_enabled(environ: Mapping[str, str]) -> bool:
    """False when ``HOOKMUX_SERVE`` turns the warm path off (0, false, no, off)."""
    return environ.get("HOOKMUX_SERVE", "").strip().lower() not in _FALSE_WORDS


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def encode_request(
    kind: bytes, argv: Sequence[str], environ: Mapping[str, str], payload: bytes = b""
) -> bytes:
    fields = [__version__, str(len(argv)), *argv, *(f"{k}={v}" for k, v in environ.items())]
    header = b"\0".join(os.fsencode(f) for f in fields)
    return b"".join((REQUEST, kind, _u32(len(header)), header, _u32(len(payload)), payload))


def decode_header(header: bytes) -> tuple[str, list[str], dict[str, str]]:
    """(caller's hookmux version, argv, environment); raises ValueError."""
    fields = [os.fsdecode(f) for f in header.split(b"\0")]
    if len(fields) < 2:
        raise ValueError("short header")
    argc = int(fields[1])
    if argc < 0 or len(fields) < 2 + argc:
        raise ValueError("bad argument count")
    argv = fields[2 : 2 + argc]
    environ = {}
    for entry in fields[2 + argc :]:
        key, sep, value = entry.partition("=")
        if not sep or not key:
            raise ValueError("bad environment entry")
        environ[key] = value
    return fields[0], argv, environ


def encode_answer(status: int, exit_code: int, stdout: bytes, stderr: bytes) -> bytes:
    return b"".join(
        (ANSWER, bytes((status,)), _u32(exit_code), _u32(len(stdout)), stdout, _u32(len(stderr)), stderr)
    )


def _recv_exactly(sock: object, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = sock.recv(min(size, 1 << 20))  # type: ignore[attr-defined]
        if not chunk:
            raise ConnectionError("the daemon closed the connection early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _u32_from(sock: object, limit: int) -> int:
    value = int.from_bytes(_recv_exactly(sock, 4), "big")
    if value > limit:
        raise ConnectionError("answer too large")
    return value


def exchange(home: str, frame: bytes, timeout: float) -> tuple[int, int, bytes, bytes] | None:
    """Send ``frame`` and read the answer: (status, exit code, stdout, stderr).

    None when no daemon listens (no socket, refused). Other failures (a
    timeout, a broken or malformed answer) raise OSError.
    """
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        try:
            sock.connect(socket_path(home))
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            return None
        sock.sendall(frame)
        head = _recv_exactly(sock, 9)
        if head[:4] != ANSWER:
            raise ConnectionError("not a hookmux answer")
        status, code = head[4], int.from_bytes(head[5:9], "big")
        out = _recv_exactly(sock, _u32_from(sock, MAX_ANSWER_BYTES))
        err = _recv_exactly(sock, _u32_from(sock, MAX_ANSWER_BYTES))
        return status, code, out, err
    finally:
        sock.close()


#: What :func:`forward` reports when it did not relay.
DOWN, FAILED = "down", "failed"


def forward(
    home: str, argv: Sequence[str], payload: bytes, environ: Mapping[str, str], timeout: float
) -> tuple[int, bytes, bytes] | str:
    """Route ``payload`` through the daemon: (exit code, stdout, stderr), or why not
    (:data:`DOWN`: no daemon; :data:`FAILED`: it did not answer usably)."""
    try:
        answer = exchange(home, encode_request(ROUTE, argv, environ, payload), timeout)
    except (OSError, ValueError):
        return FAILED
    if answer is None:
        return DOWN
    status, code, out, err = answer
    if status != ANSWERED:
        return FAILED
    return code, out, err


def ping(home: str, timeout: float = 2.0, session_pid: int | None = None) -> dict[str, str] | None:
    """The daemon's ``key=value`` status lines, or None when none answers."""
    argv = [str(session_pid)] if session_pid else []
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


# -- starting the daemon (off the hot path: only after an in-process answer) ---------

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


def spawn(home: str, args: Sequence[str] = (), *, respect_failure: bool = True) -> bool:
    """Start ``hookmux serve`` detached unless one runs or is starting; True if started.

    The single-instance lock is taken here and handed to the daemon, so racing
    callers start at most one daemon.
    """
    import fcntl

    if respect_failure and recent_failure(home) is not None:
        return False
    directory = daemon_dir(home)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(lock_file(home), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a daemon runs, or is starting
        import subprocess
        import sys

        env = daemon_environment(os.environ)
        env.update(HOOKMUX_HOME=home, **{LOCK_FD_ENV: str(fd)})
        log = os.open(log_file(home), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # New session, no inherited descriptors but the lock: nothing keeps
            # Claude Code's pipes open, and the daemon outlives this hook.
            subprocess.Popen(
                [sys.executable, "-m", "hookmux.daemon", *args],
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
        return True
    finally:
        os.close(fd)  # the daemon keeps its own copy, and with it the lock


def autostart(home: str) -> bool:
    """Start the daemon in the background for the next events (``hookmux run``)."""
    return spawn(home, ["--autostart"])


def ensure(
    home: str, port: int | None = None, session_pid: int | None = None, wait: float = 10.0
) -> tuple[dict[str, str] | None, str | None]:
    """Make sure the daemon runs (start it and wait for it): (its status, a problem)."""
    import time

    info = ping(home, session_pid=session_pid)
    if info is None:
        args = [f"--port={port}"] if port else []
        spawn(home, args, respect_failure=False)
        ends = time.monotonic() + wait
        while info is None and time.monotonic() < ends:
            time.sleep(0.02)
            info = ping(home, session_pid=session_pid)
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

    from hookmux.paths import hookmux_home

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
    if problem:
        print(f"hookmux: {problem}", file=sys.stderr)
        import json

        sys.stdout.write(json.dumps({"systemMessage": f"hookmux: {problem}"}))
    return 0
