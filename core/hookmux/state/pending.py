"""What a daemon owes the events it answered (their after-answer work), kept on disk.

The daemon answers an event first and runs its observers, records its handlers' runs
and queues its background work after; a SIGKILL in between would lose all three. So
before each answer it appends the event to its own log (:meth:`PendingLog.owe`), and
once the after-work ran, a line saying so (:meth:`PendingLog.paid`). The log is locked
(``flock``) for its daemon's life: a log whose lock is free was left by a dead daemon,
and the next daemon takes it over and replays what it left unpaid (:func:`orphans`).

A log is a sequence of records: ``P <n> <header bytes> <payload bytes>\\n`` followed by
the header (JSON), the payload and ``\\n``; ``F <n>\\n`` once entry ``n`` was paid. The log
is emptied whenever nothing is owed: an event stays on disk only until its after-work
ran. Nothing is synced: a killed process loses nothing the kernel has; a machine that
crashes loses more than its hooks' after-work.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

PREFIX, SUFFIX = "pending-", ".log"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class PendingLog:
    """This process's log, created (0600) and locked in ``directory``. Thread-safe."""

    def __init__(self, directory: str) -> None:
        # The start time keeps apart the logs of two processes given the same pid.
        self.path = os.path.join(directory, f"{PREFIX}{time.time_ns()}-{os.getpid()}{SUFFIX}")
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        self.fd = os.open(self.path, flags, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock = threading.Lock()
        #: entries not paid yet
        self.owed = 0

    def owe(self, n: int, header: bytes, payload: bytes) -> None:
        """Entry ``n``: the event ``payload``, and in ``header`` what replaying it needs."""
        record = b"P %d %d %d\n%s%s\n" % (n, len(header), len(payload), header, payload)
        with self._lock:
            _write_all(self.fd, record)
            self.owed += 1

    def paid(self, n: int) -> None:
        """Entry ``n``'s after-work ran."""
        with self._lock:
            self.owed -= 1
            if not self.owed:
                # Nothing owed: the whole log goes, events and all (it keeps them no longer
                # than it must: they hold what the tools were given).
                os.ftruncate(self.fd, 0)
                return
            _write_all(self.fd, b"F %d\n" % n)

    def close(self) -> None:
        """Close the log; remove it when nothing is owed (else the next daemon replays it)."""
        with self._lock:
            if not self.owed:
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            os.close(self.fd)


class Orphan:
    """A dead process's log, taken over (its lock held) until :meth:`remove`."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self.fd = fd

    def unpaid(self) -> list[tuple[int, dict[str, Any], bytes]]:
        """(n, header, payload) of each entry owed, oldest first; a record cut short by
        the kill, or one that cannot be read, is left out."""
        with open(self.fd, "rb", closefd=False) as fh:
            fh.seek(0)
            data = fh.read()
        entries: dict[int, tuple[dict[str, Any], bytes]] = {}
        at = 0
        while at < len(data):
            end = data.find(b"\n", at)
            if end < 0:
                break
            fields = data[at:end].split()
            at = end + 1
            try:
                if fields[0] == b"F" and len(fields) == 2:
                    entries.pop(int(fields[1]), None)
                    continue
                n, header_size, payload_size = (int(f) for f in fields[1:])
                if fields[0] != b"P" or at + header_size + payload_size + 1 > len(data):
                    break
                header = json.loads(data[at : at + header_size])
                entries[n] = (header, data[at + header_size : at + header_size + payload_size])
                at += header_size + payload_size + 1
            except (ValueError, IndexError):  # not a record: nothing after it can be trusted
                break
        return [(n, header, payload) for n, (header, payload) in entries.items() if isinstance(header, dict)]

    def paid(self, n: int) -> None:
        """Entry ``n`` was replayed: a process that takes the log over after this one
        died does not replay it again."""
        _write_all(self.fd, b"F %d\n" % n)

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
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
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
