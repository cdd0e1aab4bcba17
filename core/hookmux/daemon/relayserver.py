"""The relay listener: ``hookmux run`` (command hooks) forwards an event over a Unix
socket in a 0700 directory (peers must have our uid, checked with ``SO_PEERCRED``),
with its arguments and environment, and gets back the exit code, stdout and stderr
it would have produced itself (the protocol: :mod:`hookmux.entry.relay`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import threading
import time
from collections.abc import Mapping

from hookmux import __version__
from hookmux.daemon.limits import FIRST_REQUEST_TIMEOUT, MAX_CONNECTIONS, MAX_HEADER_BYTES
from hookmux.daemon.served import Served
from hookmux.entry import relay
from hookmux.entry.run import MAX_INPUT_BYTES
from hookmux.routing.takeover import Abandoned, Guard


def private_socket_dir(path: str) -> None:
    """The directory of the relay socket: ours, 0700, not a symlink."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.lstat(directory)
    import stat

    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"{directory} is not a directory of this user")
    if info.st_mode & 0o077:
        os.chmod(directory, 0o700)


def _peer_uid(sock: socket.socket) -> int | None:
    opt = getattr(socket, "SO_PEERCRED", None)
    if opt is None:  # pragma: no cover - not Linux: the 0700 directory is the only guard
        return os.getuid()
    import struct

    try:
        _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, opt, struct.calcsize("3i")))
    except OSError:
        return None
    return int(uid)


class RelayServer(socketserver.UnixStreamServer):
    """Relay connections, one per event: threads wait in ``accept()`` themselves (no
    hand-over from a selector thread), and more are started while all are busy."""

    request_queue_size = 128
    max_threads = MAX_CONNECTIONS
    ACCEPT_POLL = 0.2

    def serve_acceptors(self, count: int = 4) -> None:
        self._accepting = True
        self._lock = threading.Lock()
        self._idle = self._total = 0
        self.socket.settimeout(self.ACCEPT_POLL)
        for _ in range(count):
            self._start_acceptor()

    def stop_accepting(self) -> None:
        """New connections wait in the backlog (for a re-executed daemon, or refused at exit)."""
        self._accepting = False
        ends = time.monotonic() + 2 * self.ACCEPT_POLL + 1
        while time.monotonic() < ends:
            with self._lock:
                if self._idle <= 0:
                    break
            time.sleep(0.01)

    def _start_acceptor(self) -> None:
        with self._lock:
            self._idle += 1
            self._total += 1
        threading.Thread(target=self._accept_loop, name="hookmux-relay", daemon=True).start()

    def _accept_loop(self) -> None:
        while self._accepting:
            try:
                request, client_address = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                if not self._accepting:
                    break
                time.sleep(0.01)
                continue
            with self._lock:
                self._idle -= 1
                grow = self._idle == 0 and self._total < self.max_threads
            if grow:
                self._start_acceptor()
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - one connection's failure is that connection's
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            del request, client_address
            with self._lock:
                self._idle += 1
        with self._lock:
            self._idle -= 1
            self._total -= 1

    def __init__(self, daemon: Served, path: str, bind: bool = True) -> None:
        self.daemon = daemon
        super().__init__(path, RelayHandler, bind_and_activate=bind)
        self.inode = os.stat(path).st_ino if bind else 0

    def server_bind(self) -> None:
        old = os.umask(0o177)  # the socket file itself is 0600
        try:
            super().server_bind()
        finally:
            os.umask(old)

    @classmethod
    def inherit(cls, daemon: Served, fd: int) -> RelayServer:
        server = cls(daemon, daemon.socket_path, bind=False)
        server.socket.close()
        server.socket = socket.socket(fileno=fd)
        os.set_inheritable(fd, False)
        server.server_address = daemon.socket_path
        with contextlib.suppress(OSError):
            server.inode = os.stat(daemon.socket_path).st_ino
        return server


class RelayHandler(socketserver.BaseRequestHandler):
    server: RelayServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        daemon = self.server.daemon
        if _peer_uid(sock) != os.getuid():
            daemon.count("relay", "refused")
            return
        sock.settimeout(FIRST_REQUEST_TIMEOUT)
        try:
            kind, header, payload = _read_request(sock)
            version, argv, environ = relay.decode_header(header)
        except (OSError, ValueError, ConnectionError) as exc:
            daemon.count("relay", "bad_request")
            daemon.log(f"relay: bad request: {exc}")
            return
        argv, identity = _relay_args(argv, environ, daemon)
        if kind == relay.ROUTE and _caller_gone(sock):
            # It gave up waiting (a stuck daemon) and answered the event itself: running the
            # handlers now would run them twice.
            daemon.count("relay", "abandoned")
            return
        if (
            kind == relay.ROUTE
            and version == __version__
            and identity == daemon.identity
            and not daemon.draining
            and daemon.fresh()
        ):
            deadline = _argv_deadline(argv) or 600.0

            def rescue(guard: Guard) -> None:
                daemon.forget_request(guard)
                with daemon.request(deadline), contextlib.suppress(Abandoned):
                    self._answer_event(argv, payload, environ, guard)

            guard = Guard(rescue)
            with daemon.request(deadline, guard), contextlib.suppress(Abandoned):  # the rescue answered
                self._answer_event(argv, payload, environ, guard)
            # The caller has its answer and is gone; this thread (one of MAX_CONNECTIONS)
            # is held while after-answer work lags, so a flood of callers waits in the
            # listen backlog instead of piling that work up in memory.
            daemon.hold_back()
            return
        with contextlib.suppress(OSError):
            sock.sendall(self._other(daemon, kind, version, identity, argv))

    def _answer_event(
        self, argv: list[str], payload: bytes, environ: Mapping[str, str], guard: Guard
    ) -> None:
        daemon = self.server.daemon
        code, out, err, later = daemon.route(argv, payload, environ, guard)
        daemon.count("relay", "answered" if out or code else "silent")
        place = daemon.place_after(later)
        try:
            with contextlib.suppress(OSError):
                self.request.sendall(
                    relay.encode_answer(relay.ANSWERED, code, out, err.encode("utf-8", "surrogateescape"))
                )
        finally:
            daemon.after(later, place)

    def _other(
        self, daemon: Served, kind: bytes, version: str, identity: str | None, argv: list[str]
    ) -> bytes:
        """Pings, stop requests, and events the caller must route itself."""
        if kind == relay.PING:
            if argv and argv[0].isdigit() and int(argv[0]) > 0:
                daemon.register_session(int(argv[0]))
            if f"--port={daemon.port}" in argv[1:]:
                daemon.retry_http()
            with daemon.lock:
                daemon.last_activity = time.monotonic()
            text = "".join(f"{k}={v}\n" for k, v in daemon.health().items())
            return relay.encode_answer(relay.ANSWERED, 0, text.encode(), b"")
        if kind == relay.STOP:
            daemon.request_stop("hookmux serve stop")
            return relay.encode_answer(relay.ANSWERED, 0, b"stopping\n", b"")
        if kind == relay.ROUTE and identity != daemon.identity:
            # Another Python environment shares this $HOOKMUX_HOME: its plugins are not
            # the ones loaded here, so it routes its events itself (and this daemon stays).
            daemon.count("relay", "foreign")
            daemon.foreign_callers += 1
            if daemon.foreign_callers == 1:
                daemon.log(f"relay: a hookmux of another Python environment called ({identity}); "
                           "it routes its events itself")  # fmt: skip
        elif kind == relay.ROUTE and not daemon.draining:
            # The installed plugins (or hookmux itself) changed: the caller routes this
            # event with the new code, and the daemon restarts to load it.
            daemon.count("relay", "rerouted")
            daemon.request_restart(
                "the installed plugins changed" if version == __version__ else f"a hookmux {version} called"
            )
        return relay.encode_answer(relay.YOURSELF, 0, b"", b"")


def _caller_gone(sock: socket.socket) -> bool:
    """True when the relaying ``hookmux run`` has closed its end already."""
    # Non-blocking for the peek: with a timeout set, Python first waits for the socket
    # to become readable (MSG_DONTWAIT notwithstanding) and then raises TimeoutError.
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(timeout)


def _relay_args(argv: list[str], environ: Mapping[str, str], daemon: Served) -> tuple[list[str], str | None]:
    """``hookmux run``'s arguments, and the caller's identity (``--python``, or the native
    launcher's ``--python-env``: the same interpreter with no variable that could change
    its import path, on either side, stands for the daemon's own identity)."""
    rest, identity = [], None
    for arg in argv:
        if arg.startswith("--python="):
            identity = arg[9:]
        elif arg.startswith("--python-env="):
            plain = not any(name in environ for name in relay.IMPORT_VARIABLES)
            same = daemon.env_identity is not None and arg[13:] == daemon.env_identity
            identity = daemon.identity if plain and same else f"{arg[13:]} (native launcher)"
        else:
            rest.append(arg)
    return rest, identity


def _argv_deadline(argv: list[str]) -> float | None:
    for arg in argv:
        if arg.startswith("--deadline="):
            with contextlib.suppress(ValueError):
                return float(arg.partition("=")[2])
    return None


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], min(size - got, 1 << 20))
        if not n:
            raise ConnectionError("the caller closed the connection early")
        got += n
    return bytes(buf)


def _read_request(sock: socket.socket) -> tuple[bytes, bytes, bytes]:
    head = _recv_exactly(sock, 9)
    if head[:4] != relay.REQUEST:
        raise ValueError("not a hookmux request")
    kind = head[4:5]
    size = int.from_bytes(head[5:9], "big")
    if size > MAX_HEADER_BYTES:
        raise ValueError("header too large")
    header = _recv_exactly(sock, size)
    size = int.from_bytes(_recv_exactly(sock, 4), "big")
    if size > MAX_INPUT_BYTES:
        raise ValueError("payload too large")
    return kind, header, _recv_exactly(sock, size)
