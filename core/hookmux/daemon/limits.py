"""The limits the daemon's two listeners share: connections, timeouts, request heads."""

from __future__ import annotations

import socket
import struct

#: Open http connections at once (Claude Code keeps one or a few alive).
MAX_CONNECTIONS = 64
#: Seconds an authenticated idle http connection is kept; before that, the
#: request must arrive within FIRST_REQUEST_TIMEOUT.
KEEPALIVE_TIMEOUT = 300.0
FIRST_REQUEST_TIMEOUT = 10.0
#: Limits of an http request's head.
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
#: Largest http request head read before it is refused (a hook request's is under 1 KiB).
MAX_HEAD_BYTES = 4 * MAX_HEADER_LINE
#: Largest relay header (arguments and environment).
MAX_HEADER_BYTES = 1024 * 1024


def wait_at_most(sock: socket.socket, seconds: float) -> None:
    """Let each ``recv`` and ``send`` on ``sock`` wait at most ``seconds``, told to the
    kernel (SO_RCVTIMEO, SO_SNDTIMEO; a wait over raises an OSError). A Python socket
    timeout would first wait in ``poll()``: a system call more for every read and every
    answer, each some microseconds on an event's path."""
    whole = int(seconds)
    timeval = struct.pack("@ll", whole, int((seconds - whole) * 1_000_000))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    except OSError:  # not on this system: Python's own timeout
        sock.settimeout(seconds)
    else:
        sock.settimeout(None)
