"""The relay: ``hookmux run`` hands the raw event to a warm ``hookmux serve``.

Stdlib only, on the hot path: ``_socket`` (``socket`` imports enum, selectors...),
no ``json``, ``re``, ``struct`` or ``typing``. When the daemon's socket exists,
``hookmux run`` calls :func:`forward` before it even parses the event (the
daemon parses and matches it as it does for http hooks): the caller then loads
neither the JSON scanner nor the manifest. Any failure (no daemon, refused, a
timeout, a malformed answer, a daemon asking the caller to route the event
itself) is reported as :data:`DOWN` or :data:`FAILED` and the event is routed
in-process, so the relay can never lose an event or add output.

Frames, over a Unix stream socket in a 0700 directory (the daemon also checks
the peer's uid with ``SO_PEERCRED``); integers are 4-byte big-endian::

    request: b"HMXQ" kind(1) u32 len + header, u32 len + payload
             header: NUL-separated: hookmux version, argc, argv..., KEY=VALUE...
                     (a routed event's argv ends with --python=IDENTITY, see
                     :func:`python_identity`, or, from the native launcher,
                     --python-env=IDENTITY, see :func:`environment_identity`)
             kind:   R (route the payload), P (ping: status; P also
                     registers the Claude Code process in argv[0]), S (stop)
    answer:  b"HMXA" status(1) u32 exit code, u32 len + stdout, u32 len + stderr
             status: 0 answered, 1 route it yourself (the daemon restarts or
                     cannot serve this caller)
"""

from __future__ import annotations

import sys

from hookmux import __version__
from hookmux.state.paths import socket_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

REQUEST = b"HMXQ"
ANSWER = b"HMXA"
ROUTE, PING, STOP = b"R", b"P", b"S"
ANSWERED, YOURSELF = 0, 1
#: Largest stdout or stderr accepted in an answer.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def python_identity() -> str:
    """The interpreter and import path: a daemon serves only callers that would load
    the very plugins it has loaded (several environments may share ``$HOOKMUX_HOME``).
    ``sys.path[0]`` (the script's directory, or the daemon's cwd) is left out."""
    return repr((sys.executable, sys.prefix, sys.version, sys.path[1:]))


def environment_identity() -> str:
    """The environment alone, for the native launcher, which cannot compute an import
    path: it relays only when no ``PYTHON*`` variable could make the caller's import
    path differ from the daemon's, and the daemon checks that again. The interpreter is
    resolved (``python`` and ``python3.11`` of one venv are one), the prefix tells venvs apart."""
    import os

    return repr((os.path.realpath(sys.executable), sys.prefix, sys.version))


#: Variables that change what a Python process imports: a caller that sets one
#: routes its events itself unless its whole identity matches (:func:`python_identity`).
IMPORT_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONNOUSERSITE",
    "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR",
    "PYTHONEXECUTABLE",
)


def relay_enabled(environ: Mapping[str, str]) -> bool:
    """False when ``HOOKMUX_SERVE`` turns the warm path off (0, false, no, off)."""
    return environ.get("HOOKMUX_SERVE", "").strip().lower() not in _FALSE_WORDS


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def encode_request(
    kind: bytes, argv: Sequence[str], environ: Mapping[str, str], payload: bytes = b""
) -> bytes:
    fields = [__version__, str(len(argv)), *argv, *(f"{k}={v}" for k, v in environ.items())]
    header = "\0".join(fields).encode("utf-8", "surrogateescape")  # os.fsencode, for all at once
    return b"".join((REQUEST, kind, _u32(len(header)), header, _u32(len(payload)), payload))


def decode_header(header: bytes) -> tuple[str, list[str], dict[str, str]]:
    """(caller's hookmux version, argv, environment); raises ValueError."""
    fields = header.decode("utf-8", "surrogateescape").split("\0")
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


class _Reader:
    """Reads an answer from the socket in as few ``recv`` calls as it arrives in."""

    def __init__(self, sock: object) -> None:
        self.sock = sock
        self.buf = b""

    def take(self, size: int) -> bytes:
        while len(self.buf) < size:
            chunk = self.sock.recv(max(size - len(self.buf), 65536))  # type: ignore[attr-defined]
            if not chunk:
                raise ConnectionError("the daemon closed the connection early")
            self.buf += chunk
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def length(self) -> int:
        value = int.from_bytes(self.take(4), "big")
        if value > MAX_ANSWER_BYTES:
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
        reader = _Reader(sock)
        head = reader.take(9)
        if head[:4] != ANSWER:
            raise ConnectionError("not a hookmux answer")
        status, code = head[4], int.from_bytes(head[5:9], "big")
        out = reader.take(reader.length())
        err = reader.take(reader.length())
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
    argv = [*argv, f"--python={python_identity()}"]
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
