"""What a daemon owes the events it answered (their after-answer work), kept on disk.

The daemon answers an event first and runs its observers, records its handlers' runs
and queues its background work after; a SIGKILL in between would lose all three. So
before each answer it writes the event to its own log (:meth:`PendingLog.owe`), and
marks it once the after-work ran (:meth:`PendingLog.paid`). The log is locked
(``flock``) for its daemon's life: a log whose lock is free was left by a dead daemon,
and the next daemon takes it over and replays what it left unpaid (:func:`orphans`).

A log is a file of records, then zeros (two files while a flood keeps one from ever
owing nothing): ``P <n> <header bytes> <payload bytes>\\n``, the header (JSON) and
the payload; the ``P`` becomes ``F`` once entry ``n`` is paid.
The file is mapped in memory (``MAP_SHARED``): writing an entry is a copy, not a
system call (a write costs an event's answer some 20-80 microseconds on this kind of
machine: the file's times, a journal handle), and what is copied is the kernel's at
once, so a killed process loses none of it. The ``P`` is written last: an entry cut
short by a kill is not there. A file is zeroed whenever nothing in it is owed: an
event stays on disk only until its after-work ran. Nothing is synced: a machine that crashes
loses more than its hooks' after-work.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import mmap
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

PREFIX, SUFFIX = "pending-", ".log"
#: Bytes a segment is made with (sparse: only what is written takes room); it doubles as
#: needed, and shrinks back once nothing in it is owed.
INITIAL_SIZE = 1 << 20
#: A segment this full hands the next entries to the other one as soon as that one owes
#: nothing (a flood keeps some entry owed all the time: one segment would grow for ever).
SWITCH_AT = INITIAL_SIZE // 2
OWED, PAID = ord("P"), ord("F")


class _Segment:
    """One file of a log: created (0600), locked and mapped in memory."""

    def __init__(self, directory: str, number: int) -> None:
        # The start time keeps apart the logs of two processes given the same pid.
        name = f"{PREFIX}{time.time_ns()}-{os.getpid()}-{number}{SUFFIX}"
        self.path = os.path.join(directory, name)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(self.fd, INITIAL_SIZE)
        self.map = mmap.mmap(self.fd, INITIAL_SIZE)
        #: where each entry owed starts
        self.at: dict[int, int] = {}
        self.used = 0

    def write(self, n: int, record: bytes) -> None:
        at = self.used
        end = at + len(record)
        if end >= len(self.map):
            size = len(self.map)
            while end >= size:
                size *= 2
            self.map.resize(size)  # the file too
        self.map[at + 1 : end] = memoryview(record)[1:]
        self.map[at] = OWED  # last: until this byte, the log ends here
        self.at[n] = at
        self.used = end

    def mark(self, n: int) -> None:
        self.map[self.at.pop(n)] = PAID
        if not self.at:
            # Nothing owed: zeroed, events and all (it keeps them no longer than it must:
            # they hold what the tools were given).
            self.map[: self.used] = bytes(self.used)
            self.used = 0
            if len(self.map) > INITIAL_SIZE:
                self.map.resize(INITIAL_SIZE)

    def close(self) -> None:
        if not self.at:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.map.close()
        os.close(self.fd)


class PendingLog:
    """This process's log in ``directory``: one segment file, a second one while a flood
    keeps the first from ever owing nothing. Thread-safe."""

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self._segments = [_Segment(directory, 0)]
        self._current = self._segments[0]
        #: the segment of each entry owed, and the entry's size
        self._where: dict[int, tuple[_Segment, int]] = {}
        self._lock = threading.Lock()
        #: bytes of the entries owed (a gauge: read without the lock)
        self.owed_bytes = 0

    @property
    def owed(self) -> int:
        """Entries not paid yet."""
        return len(self._where)

    @property
    def paths(self) -> list[str]:
        return [segment.path for segment in self._segments]

    def owe(self, n: int, header: bytes, payload: bytes) -> None:
        """Entry ``n``: the event ``payload``, and in ``header`` what replaying it needs."""
        record = b"P %d %d %d\n%s%s" % (n, len(header), len(payload), header, payload)
        with self._lock:
            segment = self._current
            if segment.used > SWITCH_AT:
                if len(self._segments) == 1:
                    self._segments.append(_Segment(self._directory, 1))
                other = self._segments[self._segments[0] is segment]
                if not other.at:
                    segment = self._current = other
            segment.write(n, record)
            self._where[n] = (segment, len(record))
            self.owed_bytes += len(record)

    def paid(self, n: int) -> None:
        """Entry ``n``'s after-work ran."""
        with self._lock:
            segment, size = self._where.pop(n)
            segment.mark(n)
            self.owed_bytes -= size

    def close(self) -> None:
        """Close the log; its files stay if something is owed (the next daemon does it)."""
        with self._lock:
            for segment in self._segments:
                segment.close()


class Orphan:
    """A dead process's log, taken over (its lock held) until :meth:`remove`."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self.fd = fd
        self._at: dict[int, int] = {}

    def unpaid(self) -> list[tuple[int, dict[str, Any], bytes]]:
        """(n, header, payload) of each entry owed, oldest first; the log ends at the
        first byte that starts no record (its zeros, or an entry the kill cut short)."""
        data = b""
        while chunk := os.pread(self.fd, 1 << 20, len(data)):
            data += chunk
        entries: list[tuple[int, dict[str, Any], bytes]] = []
        at = 0
        while data[at : at + 1] in (b"P", b"F"):
            end = data.find(b"\n", at)
            if end < 0:
                break
            try:
                n, header_size, payload_size = (int(f) for f in data[at + 1 : end].split())
            except ValueError:
                break
            body, stop = end + 1, end + 1 + header_size + payload_size
            if min(header_size, payload_size) < 0 or stop > len(data):
                break
            if data[at] == OWED:
                with contextlib.suppress(ValueError):
                    header = json.loads(data[body : body + header_size])
                    if isinstance(header, dict):
                        self._at[n] = at
                        entries.append((n, header, data[body + header_size : stop]))
            at = stop
        return entries

    def paid(self, n: int) -> None:
        """Entry ``n`` was replayed: a process that takes the log over after this one
        died does not replay it again."""
        os.pwrite(self.fd, b"F", self._at.pop(n))

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)


def _started(name: str) -> tuple[int, str]:
    stamp = name[len(PREFIX) :].partition("-")[0]
    return (int(stamp) if stamp.isdigit() else 0, name)


def orphans(directory: str) -> Iterator[Orphan]:
    """The logs in ``directory`` whose process is gone, oldest first, each taken over
    in turn (another process taking them over at the same time gets none of them)."""
    try:
        names = [n for n in os.listdir(directory) if n.startswith(PREFIX) and n.endswith(SUFFIX)]
    except OSError:
        return
    for name in sorted(names, key=_started):
        path = os.path.join(directory, name)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                raise FileNotFoundError(path)  # replayed and removed since it was listed
        except OSError:  # its process lives (or another took it over)
            os.close(fd)
            continue
        yield Orphan(path, fd)
