"""The limits the daemon's two listeners share: connections, timeouts, request heads."""

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
