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
import time
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from typing import Any

from hookmux.daemon.limits import (
    FIRST_REQUEST_TIMEOUT,
    KEEPALIVE_TIMEOUT,
    MAX_CONNECTIONS,
    MAX_HEAD_BYTES,
    MAX_HEADER_LINE,
    MAX_HEADERS,
    wait_at_most,
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


class HTTPHandler(socketserver.BaseRequestHandler):
    """One keep-alive connection from Claude Code: POST /hook, GET /health and /metrics.

    A lean parser on the socket itself: the stdlib's request handler reads through a
    buffered file object and parses headers with the email package, a few hundred
    Python calls per request, and on an idle machine each runs with cold caches while
    Claude Code waits. Hook requests are small and regular: the head and body usually
    arrive in one segment, taken with one ``recv``, one ``find`` and one ``split``.
    """

    request: socket.socket
    server: HTTPServer
    busy = False
    #: authenticated once: idle time allowed is KEEPALIVE_TIMEOUT from then on
    trusted = False
    close_connection = False
    path = ""
    #: header fields by lower-cased name, as bytes (no decoding of fields never read)
    request_headers: dict[bytes, bytes]

    def setup(self) -> None:
        self.connection = self.request
        #: bytes read and not yet parsed (the start of the next request, when pipelined)
        self.buffer = b""
        wait_at_most(self.connection, FIRST_REQUEST_TIMEOUT)
        # Answers are one small write: no Nagle delay waiting for the client's ACK.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.daemon.lock:
            self.server.daemon.connections.add(self)

    def handle(self) -> None:
        while not self.close_connection:
            try:
                self._one_request()
            except OSError:  # timed out, reset, or shut down by a drain
                self.close_connection = True
            finally:
                self.busy = False
                if self.server.daemon.draining:
                    self.close_connection = True

    def finish(self) -> None:
        with self.server.daemon.lock:
            self.server.daemon.connections.discard(self)

    def _receive(self) -> bool:
        """More bytes into :attr:`buffer`; False when the client closed."""
        chunk = self.connection.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _one_request(self) -> None:
        """Read one request and answer it."""
        if not self.buffer and not self._receive():  # idle here, between requests
            self.close_connection = True
            return
        self.busy = True
        self.close_connection = True
        head = self._read_head()
        if head is None:
            return
        if isinstance(head, int):
            self._send(head)
            return
        line, fields = head
        parts = line.split()
        if len(line) > MAX_HEADER_LINE or len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            self._send(400)
            return
        if len(fields) > MAX_HEADERS:
            self._send(431)
            return
        headers: dict[bytes, bytes] = {}
        for field in fields:
            name, sep, value = field.partition(b":")
            if not sep or len(field) > MAX_HEADER_LINE:
                self._send(400)
                return
            headers[name.strip().lower()] = value.strip()
        command, self.path = parts[0], parts[1].decode("latin-1")
        self.request_headers = headers
        connection = headers.get(b"connection", b"").lower()
        self.close_connection = connection == b"close" or (
            parts[2] == b"HTTP/1.0" and connection != b"keep-alive"
        )
        if command not in (b"POST", b"GET"):
            self.close_connection = True
            self._send(405)
        elif self._authorized():
            if command == b"POST":
                self.do_POST()
            else:
                self.do_GET()

    def _read_head(self) -> tuple[bytes, list[bytes]] | int | None:
        """The request line and header fields, taken off the buffer (read on until the
        blank line); the status refusing a head too large; None when the client left.

        CRLF line ends are found with one ``find``; a head with bare LF line ends
        (which some clients send) is read a line at a time."""
        while True:
            buffer = self.buffer
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                crlf_lines = buffer[:end].split(b"\r\n")
                if buffer.count(b"\n", 0, end) == len(crlf_lines) - 1:  # no bare LF before it
                    self.buffer = buffer[end + 4 :]
                    return crlf_lines[0], crlf_lines[1:]
            lines: list[bytes] = []
            at = 0
            while (newline := buffer.find(b"\n", at)) >= 0:
                line = buffer[at:newline].rstrip(b"\r")
                at = newline + 1
                if not line and lines:
                    self.buffer = buffer[at:]
                    return lines[0], lines[1:]
                lines.append(line)
            if len(buffer) > MAX_HEADER_LINE and buffer.find(b"\n", 0, MAX_HEADER_LINE + 1) < 0:
                return 400  # the request line alone is too long
            if len(buffer) > MAX_HEAD_BYTES:
                return 431
            if not self._receive():
                return None

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
        """The whole answer in one write (headers then body would wait on Nagle's algorithm)."""
        head = _STATUS_LINES.get(status) or f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode()
        head += b"Content-Length: %d\r\n" % len(body)
        if body:
            head += b"Content-Type: " + content_type.encode("latin-1") + b"\r\n"
        if self.close_connection or self.server.daemon.draining:
            self.close_connection = True
            head += b"Connection: close\r\n"
        self.connection.sendall(head + b"\r\n" + body)

    def _authorized(self) -> bool:
        token = self.server.daemon.token
        given = self.request_headers.get(b"authorization", b"")
        ok = bool(token) and hmac.compare_digest(given, b"Bearer " + token.encode())
        if not ok:
            self.close_connection = True
            self.server.daemon.count("http", "unauthorized")
            self._send(401)
        elif not self.trusted:
            self.trusted = True
            wait_at_most(self.connection, KEEPALIVE_TIMEOUT)
        return ok

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        daemon = self.server.daemon
        if path == "/health":
            self._send(200, json.dumps(daemon.health()).encode())
        elif path == "/metrics":
            self._send(200, daemon.metrics().encode(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404)

    def do_POST(self) -> None:
        daemon = self.server.daemon
        path, _, query = self.path.partition("?")
        if path != "/hook":
            self.close_connection = True
            self._send(404)
            return
        headers = self.request_headers
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            self.close_connection = True
            self._send(411)
            return
        try:
            length = int(headers.get(b"content-length", b""))
        except ValueError:
            self.close_connection = True
            self._send(411)
            return
        if length < 0 or length > daemon.max_body:
            self.close_connection = True
            daemon.count("http", "too_large")
            self._send(413)
            return
        if headers.get(b"expect", b"").lower() == b"100-continue":  # only once authorized
            self.connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self._read_body(length)
        if body is None:
            self.close_connection = True
            return
        if not daemon.fresh():
            deadline = query_deadline(query)
            with daemon.request(deadline or 600.0):
                daemon.request_restart("the installed plugins changed")
                answer_body = daemon.route_elsewhere(body, deadline)
                daemon.count("http", "rerouted")
            self._send(200, answer_body)
            return
        if daemon.nobody_wants(body):
            # Nothing to route: the empty answer at once; the event is still checked
            # (and its faults logged) as routing would, after the answer.
            daemon.last_activity = time.monotonic()
            daemon.count("http", "silent")
            self._send(200)
            # Here, not in the after-answer thread: waking it would cost the next
            # event more than the check costs this connection's thread.
            daemon.log_if_invalid(body)
            return
        # A flood of events outruns their after-answer work: this one waits (its client
        # with it) until that work caught up, instead of piling it up in memory. Held
        # here, not between two requests: a client gone after its answer holds no slot.
        daemon.hold_back()
        deadline = query_deadline(query)
        args = ["--transport=http"] + ([f"--deadline={deadline!r}"] if deadline else [])
        if daemon.only_observed(body):
            # Only observers and background handlers take it: the answer is empty whatever
            # they do, so it goes out before the event is even parsed; the event is routed
            # in the after-answer thread, its handlers in turn with the events before it.
            daemon.last_activity = time.monotonic()
            daemon.count("http", "silent")
            later = daemon.routed_after_answer(args, body)
            place = daemon.place_after(later)
            try:
                self._send(200)
            finally:
                daemon.after(later, place)
            return
        guard = Guard(lambda guard: self._rescue(args, body, deadline, guard))
        with daemon.request(deadline or 600.0, guard):
            try:
                self._answer_event(args, body, guard)
            except Abandoned:  # the rescuing thread answered
                self.close_connection = True

    def _read_body(self, length: int) -> bytes | None:
        """The next ``length`` bytes (None if the client left first)."""
        if len(self.buffer) < length:
            parts = [self.buffer]
            have = len(self.buffer)
            while have < length:
                chunk = self.connection.recv(max(65536, length - have))
                if not chunk:
                    return None
                parts.append(chunk)
                have += len(chunk)
            self.buffer = b"".join(parts)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    def _answer_event(self, args: list[str], body: bytes, guard: Guard) -> None:
        daemon = self.server.daemon
        _, answer_body, messages, later = daemon.route(args, body, daemon.environ, guard)
        daemon.count("http", "answered" if answer_body else "silent")
        for line in messages.splitlines():
            daemon.log(f"event: {line}")
        place = daemon.place_after(later)
        try:
            self._send(200, answer_body)
        finally:
            daemon.after(later, place)

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
