"""Recording what hookmux did, cheaply enough for every event.

``hookmux run`` must not pay for SQLite (~5 ms to import and open in a fresh
process), so each event appends its records (one per event, one per handler
execution) as a single NDJSON write, under ``flock``, to a spool file. The
SQLite store ingests the spool whenever it is read (``hookmux status``,
``metrics``, background workers), idempotently: every record has a unique id.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

SPOOL_DIR = "spool"
RECORDS = "records.ndjson"
JOBS = "jobs.ndjson"

_reported: set[str] = set()


def spool_file(home: str, name: str = RECORDS) -> str:
    return os.path.join(home, SPOOL_DIR, name)


def new_id() -> str:
    return os.urandom(12).hex()


def correlation_id(raw: Mapping[str, Any]) -> str:
    """The same id for every event of one tool call (PreToolUse, PostToolUse...).

    Derived from (session, tool_use_id) when the event has one, so separate
    processes agree without talking; otherwise random. A W3C ``TRACEPARENT``
    from Claude Code's environment is kept separately as ``trace_id``.
    """
    tool_use_id = raw.get("tool_use_id")
    session = raw.get("session_id")
    if isinstance(tool_use_id, str) and tool_use_id and isinstance(session, str):
        try:
            from _blake2 import blake2b  # hashlib would load OpenSSL (~2 ms) for the same hash
        except ImportError:  # pragma: no cover - CPython always has it
            from hashlib import blake2b

        return blake2b(f"{session}\0{tool_use_id}".encode(), digest_size=12).hexdigest()
    return new_id()


def trace_id(environ: Mapping[str, str] = os.environ) -> str | None:
    parent = environ.get("TRACEPARENT", "")
    parts = parent.split("-")
    return parts[1] if len(parts) >= 4 and len(parts[1]) == 32 else None


def parent_span_id(environ: Mapping[str, str] = os.environ) -> str | None:
    """The caller's span id from a W3C ``TRACEPARENT`` (what hookmux's spans hang under)."""
    parts = environ.get("TRACEPARENT", "").split("-")
    return parts[2] if len(parts) >= 4 and len(parts[1]) == 32 and len(parts[2]) == 16 else None


def bounded_payload(text: str, max_bytes: int) -> str:
    """``text`` cut to about ``max_bytes`` UTF-8 bytes, keeping its head and its tail."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    half = max(max_bytes // 2, 1)
    head = data[:half].decode("utf-8", "ignore")
    tail = data[-half:].decode("utf-8", "ignore")
    return f"{head}…[hookmux: {len(data) - 2 * half} bytes cut]…{tail}"


def stored_payload(raw: Mapping[str, Any], max_bytes: int, compress: bool) -> tuple[str, str]:
    """The payload as stored: redacted, bounded, optionally zlib-compressed (base64)."""
    from hookmux.state.redact import redact_dumped

    text = bounded_payload(redact_dumped(raw)[1], max_bytes)
    if not compress:
        return text, "json"
    import base64
    import zlib

    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii"), "json+zlib+base64"


def append_lines(home: str, name: str, records: Sequence[Mapping[str, Any]], stderr: Any = None) -> bool:
    """Append ``records`` as NDJSON in one locked write. Never raises.

    A failure (read-only home, disk full, permissions) is reported once per
    process on ``stderr`` and the records are dropped: the event is answered anyway.
    """
    if not records:
        return True
    import json

    path = spool_file(home, name)
    data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    try:
        fd = open_locked(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            payload = data.encode("utf-8")
            written = os.write(fd, payload)
            if written != len(payload):
                # A short write (disk full) would leave half a line: cut it off again.
                os.ftruncate(fd, os.lseek(fd, 0, os.SEEK_END) - written)
                raise OSError(28, "short write (disk full?)")
        finally:
            os.close(fd)
        return True
    except OSError as exc:
        if path not in _reported:
            _reported.add(path)
            import sys

            print(
                f"hookmux: cannot record to {path}: {exc.strerror or exc}; hooks still answer",
                file=stderr or sys.stderr,
            )
        return False


def now() -> float:
    return time.time()


def open_locked(path: str, flags: int) -> int:
    """Open ``path`` and hold ``flock`` on it, making sure it is still the file at
    ``path`` once locked: an ingester may have renamed it away meanwhile, and a
    record appended to the renamed file after it was read would be lost."""
    import fcntl

    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:
            if not flags & os.O_CREAT:
                raise
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            fd = os.open(path, flags, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        held = os.fstat(fd)
        if current is not None and (current.st_ino, current.st_dev) == (held.st_ino, held.st_dev):
            return fd
        os.close(fd)
        if current is None and not flags & os.O_CREAT:
            raise FileNotFoundError(path)
