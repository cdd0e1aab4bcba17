"""The http listener: Claude Code's ``type: "http"`` hooks POST events to
``http://127.0.0.1:<port>/hook`` with ``Authorization: Bearer <token>``; ``GET
/health`` (JSON) and ``GET /metrics`` (Prometheus text) take the same token.
Anything without it gets 401 and no hint; bodies are capped.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import socket
import socketserver
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hookmux.daemon.limits import (
    FIRST_REQUEST_TIMEOUT,
    KEEPALIVE_TIMEOUT,
    MAX_CONNECTIONS,
    MAX_HEADER_LINE,
    MAX_HEADERS,
)
from hookmux.daemon.served import Served
from hookmux.routing.takeover import Abandoned, Guard

#: The status lines of the answers a hook request gets (any other is built when sent).
_STATUS_LINES = {
    status: f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode()
    for status in (200, 400, 401, 404, 405, 411, 413, 431)
}


class _PooledMixIn:
    """Connections are handled by long-lived threads (one each at a time), not a new
    thread per connection: each ``hookmux run`` relays over a new connection."""

    max_threads = MAX_CONNECTIONS + 16

    def _pool_init(self) -> None:
        import queue

        self._queue: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
        self._pool_lock = threading.Lock()
        self._threads_total = 0
        self._threads_idle = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._pool_lock:
            # _threads_idle: threads waiting for a connection, minus connections waiting for a thread
            start = self._threads_idle <= 0 and self._threads_total < self.max_threads
            if start:
                self._threads_total += 1
            else:
                self._threads_idle -= 1
        if start:
            threading.Thread(target=self._serve_connections, name="hookmux-connection", daemon=True).start()
        self._queue.put((request, client_address))

    def _serve_connections(self) -> None:
        first = True
        while True:
            if not first:
                with self._pool_lock:
                    self._threads_idle += 1
            first = False
            request, client_address = self._queue.get()
            try:
                self.finish_request(request, client_address)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - one connection's failure is that connection's
                self.handle_error(request, client_address)  # type: ignore[attr-defined]
            finally:
                self.shutdown_request(request)  # type: ignore[attr-defined]
            del request, client_address


class HTTPServer(_PooledMixIn, ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, daemon: Served, address: tuple[str, int], bind: bool = True) -> None:
        self.daemon = daemon
        self._pool_init()
        super().__init__(address, HTTPHandler, bind_and_activate=bind)

    @classmethod
    def inherit(cls, daemon: Served, fd: int) -> HTTPServer:
        server = cls(daemon, ("127.0.0.1", 0), bind=False)
        server.socket.close()
        server.socket = socket.socket(fileno=fd)
        os.set_inheritable(fd, False)
        server.server_address = server.socket.getsockname()
        server.server_name, server.server_port = "127.0.0.1", server.server_address[1]
        return server

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the host name up (getfqdn): not needed for loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def verify_request(self, request: Any, client_address: Any) -> bool:  # noqa: ARG002
        with self.daemon.lock:
            return len(self.daemon.connections) < MAX_CONNECTIONS and not self.daemon.draining


class HTTPHandler(BaseHTTPRequestHandler):
    """One keep-alive connection from Claude Code: POST /hook, GET /health and /metrics."""

    protocol_version = "HTTP/1.1"
    server_version = "hookmux"
    sys_version = ""
    timeout = FIRST_REQUEST_TIMEOUT
    server: HTTPServer
    busy = False
    #: authenticated once: idle time allowed is KEEPALIVE_TIMEOUT from then on
    trusted = False
    request_headers: dict[str, str]

    def setup(self) -> None:
        super().setup()
        # Answers are one small write: no Nagle delay waiting for the client's ACK.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.daemon.lock:
            self.server.daemon.connections.add(self)

    def finish(self) -> None:
        with self.server.daemon.lock:
            self.server.daemon.connections.discard(self)
        with contextlib.suppress(OSError):
            super().finish()

    def handle_one_request(self) -> None:
        """Read one request and answer it. A lean parser: the stdlib's goes through the
        email package (~0.1 ms a request); hook requests are small and regular."""
        try:
            self._one_request()
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        finally:
            self.busy = False
            if self.server.daemon.draining:
                self.close_connection = True

    def _one_request(self) -> None:
        line = self.rfile.readline(MAX_HEADER_LINE + 1)  # idle here, between requests
        self.busy = True
        self.close_connection = True
        if not line:
            return
        parts = line.split()
        if len(line) > MAX_HEADER_LINE or len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            self._send(400)
            return
        self.command, self.path = parts[0].decode("latin-1"), parts[1].decode("latin-1")
        self.request_version = parts[2].decode("latin-1")
        headers = self._read_head()
        if isinstance(headers, int):
            self._send(headers)
            return
        self.request_headers = headers
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        if self.command == "POST":
            self.do_POST()
        elif self.command == "GET":
            self.do_GET()
        else:
            self.close_connection = True
            self._send(405)

    def _read_head(self) -> dict[str, str] | int:
        """The request's header fields (names lower-cased), or the status refusing them.

        A hook request's head and body arrive in one segment, so the whole head is
        usually in the read buffer already: taken with one ``find`` and one ``split``
        (a line at a time costs a call per field, and the daemon's answer waits).
        A head not all buffered yet, or with bare LF line ends, is read a line at a time.
        """
        # rfile is a BufferedReader (StreamRequestHandler's default buffering)
        buffered = self.rfile.peek(MAX_HEADER_LINE)  # type: ignore[attr-defined]
        if buffered.startswith(b"\r\n"):
            self.rfile.read(2)
            return {}
        end = buffered.find(b"\r\n\r\n")
        if end < 0 or b"\n" in buffered[:end].replace(b"\r\n", b""):
            return self._read_head_lines()
        fields = self.rfile.read(end + 4)[:end].split(b"\r\n")
        if len(fields) > MAX_HEADERS:
            return 431
        headers: dict[str, str] = {}
        for field in fields:
            name, sep, value = field.partition(b":")
            if not sep or len(field) > MAX_HEADER_LINE:
                return 400
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        return headers

    def _read_head_lines(self) -> dict[str, str] | int:
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            field = self.rfile.readline(MAX_HEADER_LINE + 1)
            if field in (b"\r\n", b"\n", b""):
                return headers
            name, sep, value = field.partition(b":")
            if not sep or len(field) > MAX_HEADER_LINE:
                return 400
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        return 431

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log; errors are logged where they happen

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
        """The whole answer in one write (headers then body would wait on Nagle's algorithm)."""
        head = _STATUS_LINES.get(status) or f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode()
        head += b"Content-Length: %d\r\n" % len(body)
        if body:
            head += b"Content-Type: " + content_type.encode("latin-1") + b"\r\n"
        if self.close_connection or self.server.daemon.draining:
            self.close_connection = True
            head += b"Connection: close\r\n"
        self.wfile.write(head + b"\r\n" + body)

    def _authorized(self) -> bool:
        token = self.server.daemon.token
        given = self.request_headers.get("authorization", "")
        expected = f"Bearer {token}"
        ok = bool(token) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())
        if not ok:
            self.close_connection = True
            self.server.daemon.count("http", "unauthorized")
            self._send(401)
        elif not self.trusted:
            self.trusted = True
            self.connection.settimeout(KEEPALIVE_TIMEOUT)
        return ok

    def do_GET(self) -> None:
        if not self._authorized():
            return
        path = self.path.partition("?")[0]
        daemon = self.server.daemon
        if path == "/health":
            self._send(200, json.dumps(daemon.health()).encode())
        elif path == "/metrics":
            self._send(200, daemon.metrics().encode(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404)

    def do_POST(self) -> None:
        if not self._authorized():
            return
        daemon = self.server.daemon
        path, _, query = self.path.partition("?")
        if path != "/hook":
            self.close_connection = True
            self._send(404)
            return
        headers = self.request_headers
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self.close_connection = True
            self._send(411)
            return
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            self.close_connection = True
            self._send(411)
            return
        if length < 0 or length > daemon.max_body:
            self.close_connection = True
            daemon.count("http", "too_large")
            self._send(413)
            return
        if headers.get("expect", "").lower() == "100-continue":  # only once authorized
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        deadline = query_deadline(query)
        if not daemon.fresh():
            with daemon.request(deadline or 600.0):
                daemon.request_restart("the installed plugins changed")
                answer_body = daemon.route_elsewhere(body, deadline)
                daemon.count("http", "rerouted")
            self._send(200, answer_body)
            return
        args = ["--transport=http"] + ([f"--deadline={deadline!r}"] if deadline else [])
        guard = Guard(lambda guard: self._rescue(args, body, deadline, guard))
        with daemon.request(deadline or 600.0, guard):
            try:
                self._answer_event(args, body, guard)
            except Abandoned:  # the rescuing thread answered
                self.close_connection = True

    def _answer_event(self, args: list[str], body: bytes, guard: Guard) -> None:
        daemon = self.server.daemon
        _, answer_body, messages, later = daemon.route(args, body, daemon.environ, guard)
        daemon.count("http", "answered" if answer_body else "silent")
        for line in messages.splitlines():
            daemon.log(f"event: {line}")
        try:
            self._send(200, answer_body)
        finally:
            daemon.after(later)

    def _rescue(self, args: list[str], body: bytes, deadline: float | None, guard: Guard) -> None:
        """A handler overran in the connection's thread: answer from this one, and close
        the connection (its thread may never come back to it)."""
        daemon = self.server.daemon
        self.close_connection = True
        daemon.forget_request(guard)
        with daemon.request(deadline or 600.0), contextlib.suppress(Abandoned, OSError):
            self._answer_event(args, body, guard)


def query_deadline(query: str) -> float | None:
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == "deadline":
            try:
                deadline = float(value)
            except ValueError:
                return None
            return deadline if 0 < deadline < 86400 else None
    return None
