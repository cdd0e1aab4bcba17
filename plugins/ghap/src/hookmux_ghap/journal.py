"""The GHAP journal directory, in the original's file formats.

::

    <journal>/
    ├── current_ghap.json      # the active GHAP, JSON indent=2
    ├── session_entries.jsonl  # resolved entries of the current session, one JSON object a line
    ├── .session_id            # the current session id, plain text
    ├── .tool_count            # tool calls since the last check-in, a plain integer
    ├── archive/{YYYYMMDD}_{session_id}.jsonl
    ├── .last_outcome          # hookmux-ghap: the last test/build outcome seen with a GHAP active
    └── .lock                  # hookmux-ghap: the lock every writer holds

Every write goes through a temporary file and ``os.replace`` (with fsync), but the
tool count's, rewritten in place on every tool call (see :func:`_overwrite`), and
every read-modify-write holds an exclusive lock on ``.lock`` (``flock``; one
process at a time, across every hook process, session and ``hookmux ghap``
command), so parallel tool calls never lose a count. Readers need no lock: they
only ever see whole files. Standard library only (``filelock`` costs ~30 ms to
import; this runs on every tool call).
"""

from __future__ import annotations

import errno
import json
import os
import sys
import time

from hookmux.state.paths import atomic_write
from hookmux_ghap.model import (
    ActiveGHAPError,
    NotFoundError,
    apply_update,
    is_entry,
    new_entry,
    new_session_id,
    resolved,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

CURRENT = "current_ghap.json"
ENTRIES = "session_entries.jsonl"
SESSION = ".session_id"
TOOL_COUNT = ".tool_count"
ARCHIVE = "archive"
LAST_OUTCOME = ".last_outcome"
LOCK = ".lock"
#: Files are created with the umask applied, like the original's (normally 0644).
FILE_MODE = 0o666


class LockTimeout(Exception):
    """The journal stayed locked for longer than the timeout."""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class _Lock:
    """An exclusive inter-process lock on ``path`` (re-entrant within one Journal)."""

    def __init__(self, path: str, timeout: float, directory: str | None = None) -> None:
        self.path = path
        self.timeout = timeout
        #: the journal directory, made when opening the lock file says it is missing (a
        #: path, not the Journal's method: no reference cycle for a Journal made per event)
        self.directory = directory
        self.fd: int | None = None
        self.depth = 0

    def __enter__(self) -> None:
        if self.depth:
            self.depth += 1
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except (FileNotFoundError, NotADirectoryError):
            # Only now, not with an isdir() before every lock: one stat less per tool call.
            if self.directory is None:
                raise
            _ensure(self.directory)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        deadline = time.monotonic() + self.timeout
        pause = 0.001
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"{self.path} stayed locked for {self.timeout:.1f} s")
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        except BaseException:
            os.close(fd)
            raise
        self.fd, self.depth = fd, 1

    def __exit__(self, *_exc: object) -> None:
        self.depth -= 1
        if self.depth or self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def _ensure(directory: str) -> None:
    os.makedirs(os.path.join(directory, ARCHIVE), exist_ok=True)


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _parse_count(data: bytes) -> int:
    try:
        return int(data.strip() or b"0")
    except ValueError:
        return 0


def _overwrite(fd: int, text: str, size: int | None = None) -> None:
    """Rewrite the tool count in place, under the journal lock, without a sync.

    A temporary file and a rename cost 0.35-0.5 ms here, most of every tool call's
    cost; this is a read and a write on one descriptor. Counts only grow until a
    reset, so the new digits cover the old ones in one write; a reset truncates
    first. A reader without the lock thus sees the old count, the new one, or
    during a reset an empty file, which reads as 0; a count lost to a power cut
    only moves one check-in. ``size``: the file's size, when the caller knows it.
    """
    data = text.encode("ascii")
    if (os.fstat(fd).st_size if size is None else size) > len(data):
        os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _jsonl(path: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file; malformed lines are skipped, as the collector does."""
    text = _read_text(path)
    if not text:
        return []
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if is_entry(value):
            out.append(value)
    return out


def _jsonl_text(entries: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(e) + "\n" for e in entries)


def archive_name(session_id: str, now: float | None = None) -> str:
    """``{YYYYMMDD}_{session_id}.jsonl``: the date from a ``session_{YYYYMMDD}_...`` id,
    else today's (UTC), as the collector names archives."""
    parts = session_id.split("_")
    date = parts[1] if len(parts) > 1 else time.strftime("%Y%m%d", time.gmtime(now))
    return f"{date}_{session_id}.jsonl"


class Journal:
    """One journal directory. Methods that change files take the lock themselves."""

    def __init__(self, directory: str, lock_timeout: float = 5.0) -> None:
        self.directory = directory
        self._lock = _Lock(os.path.join(directory, LOCK), lock_timeout, directory)

    def path(self, name: str) -> str:
        return os.path.join(self.directory, name)

    def exists(self) -> bool:
        return os.path.isdir(self.directory)

    def ensure(self) -> None:
        _ensure(self.directory)

    def lock(self) -> _Lock:
        """The journal's exclusive lock (creates the directory when it is missing)."""
        return self._lock

    # -- reads (no lock needed: files are replaced whole; the count, see _overwrite) --

    def session_id(self) -> str | None:
        text = _read_text(self.path(SESSION))
        if text is None:
            return None
        return text.strip() or None

    def tool_count(self) -> int:
        text = _read_text(self.path(TOOL_COUNT))
        return _parse_count(text.encode("utf-8", "replace")) if text else 0

    def current(self) -> dict[str, Any] | None:
        """The active GHAP, or None. A corrupted file is moved aside to
        ``current_ghap.corrupted.<epoch>`` (as the collector does) and counts as none."""
        path = self.path(CURRENT)
        text = _read_text(path)
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if is_entry(value):
            return value  # type: ignore[no-any-return]
        try:
            os.replace(path, self.path(f"current_ghap.corrupted.{int(time.time())}"))
        except OSError:
            pass
        return None

    def is_orphan(self, entry: dict[str, Any]) -> bool:
        """An entry of another session than the journal's current one."""
        return bool(entry.get("session_id") != self.session_id())

    def entries(self) -> list[dict[str, Any]]:
        """Resolved entries of the current session, oldest first."""
        return _jsonl(self.path(ENTRIES))

    def archived(self) -> list[dict[str, Any]]:
        """Every archived entry, oldest archive file first."""
        directory = os.path.join(self.directory, ARCHIVE)
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".jsonl"))
        except OSError:
            return []
        return [e for n in names for e in _jsonl(os.path.join(directory, n))]

    def last_outcome(self) -> dict[str, Any] | None:
        text = _read_text(self.path(LAST_OUTCOME))
        try:
            value = json.loads(text) if text else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    # -- writes (the caller holds the lock) -------------------------------------

    def _write(self, name: str, text: str, *, durable: bool = True) -> None:
        atomic_write(self.path(name), text.encode("utf-8"), FILE_MODE, durable=durable)

    def _remove(self, name: str) -> None:
        try:
            os.unlink(self.path(name))
        except FileNotFoundError:
            pass

    def _save_current(self, entry: dict[str, Any]) -> None:
        self._write(CURRENT, json.dumps(entry, indent=2))

    def _append_entry(self, entry: dict[str, Any]) -> None:
        """Append to session_entries.jsonl: the file is rewritten whole (atomically),
        so a crash never leaves half a line."""
        text = _read_text(self.path(ENTRIES)) or ""
        if text and not text.endswith("\n"):
            text += "\n"
        self._write(ENTRIES, text + json.dumps(entry) + "\n")

    def _archive(self, session_id: str, entries: list[dict[str, Any]]) -> str:
        """Add ``entries`` to the session's archive file (kept, never overwritten)."""
        name = os.path.join(ARCHIVE, archive_name(session_id))
        os.makedirs(os.path.join(self.directory, ARCHIVE), exist_ok=True)
        text = _read_text(self.path(name)) or ""
        if text and not text.endswith("\n"):
            text += "\n"
        self._write(name, text + _jsonl_text(entries))
        return self.path(name)

    # -- the tool count ---------------------------------------------------------

    def count_tool_call(self, frequency: int) -> tuple[int, dict[str, Any] | None]:
        """Add one tool call. When the count reaches ``frequency`` and a GHAP is
        active, reset it to 0 and return the GHAP (a check-in is due)."""
        with self.lock():
            fd = self._open_tool_count()
            if fd is None:
                count = self.tool_count() + 1
                current = self.current() if count >= frequency else None
                self._write(TOOL_COUNT, "0" if current is not None else str(count), durable=False)
                return count, current
            try:
                data = os.pread(fd, 64, 0)
                count = _parse_count(data) + 1
                current = self.current() if count >= frequency else None
                # A short read was the whole file, which only writers holding the lock change.
                size = len(data) if len(data) < 64 else None
                _overwrite(fd, "0" if current is not None else str(count), size)
            finally:
                os.close(fd)
        return count, current

    def reset_tool_count(self) -> None:
        with self.lock():
            self._zero_tool_count()

    def _open_tool_count(self) -> int | None:
        """The count's file opened for :func:`_overwrite`, or None where it cannot be (a
        symlink, say: then it is replaced whole, as every other file)."""
        try:
            return os.open(self.path(TOOL_COUNT), os.O_RDWR | os.O_CREAT | _NOFOLLOW, FILE_MODE)
        except OSError:
            return None

    def _zero_tool_count(self) -> None:
        """The count back to 0 (the caller holds the lock), in place as every count is:
        a temporary file, its sync and a rename cost a SessionStart 1 to 2 ms."""
        fd = self._open_tool_count()
        if fd is None:
            self._write(TOOL_COUNT, "0", durable=False)
            return
        try:
            _overwrite(fd, "0")
        finally:
            os.close(fd)

    # -- sessions ----------------------------------------------------------------

    def start_session(self, session_id: str) -> dict[str, Any] | None:
        """A session starts (or resumes): returns the orphaned GHAP to report, if any.

        The orphan check reads ``.session_id`` *before* it is overwritten: an
        active GHAP is an orphan when the journal's session and the GHAP's session
        both differ from the new one. When the session changes, the previous
        session's resolved entries move to its archive file. The tool count
        restarts at 0.
        """
        with self.lock():
            previous = self.session_id()
            current = self.current()
            orphan = None
            if current is not None and previous != session_id and current["session_id"] != session_id:
                orphan = current
            if previous != session_id:
                if previous is not None:
                    entries = self.entries()
                    if entries:
                        self._archive(previous, entries)
                    self._remove(ENTRIES)
                self._write(SESSION, session_id)
            self._zero_tool_count()
        return orphan

    def _session_or_new(self, hint: str | None = None) -> str:
        """The current session id. Without one (no SessionStart seen yet), a session
        starts: ``hint`` (Claude Code's session id, when known), else a new
        ``session_...`` id as the collector makes."""
        session = self.session_id()
        if session is None:
            session = hint or new_session_id()
            self._write(SESSION, session)
        return session

    # -- the GHAP lifecycle -------------------------------------------------------

    def create(
        self,
        domain: str,
        strategy: str,
        goal: str,
        hypothesis: str,
        action: str,
        prediction: str,
        session_hint: str | None = None,
    ) -> dict[str, Any]:
        with self.lock():
            current = self.current()
            if current is not None:
                raise ActiveGHAPError(
                    f"Active GHAP exists (id: {current['id']}). Resolve it first with resolve or abandon it."
                )
            entry = new_entry(
                self._session_or_new(session_hint), domain, strategy, goal, hypothesis, action, prediction
            )
            self._save_current(entry)
            self._write(TOOL_COUNT, "0")
        return entry

    def _require_current(self, what: str) -> dict[str, Any]:
        current = self.current()
        if current is None:
            raise NotFoundError(f"No active GHAP entry to {what}")
        return current

    def update(
        self,
        hypothesis: str | None = None,
        action: str | None = None,
        prediction: str | None = None,
        strategy: str | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        with self.lock():
            current = self._require_current("update")
            apply_update(current, hypothesis, action, prediction, strategy, note)
            self._save_current(current)
            self._write(TOOL_COUNT, "0")
        return current

    def auto_captured(self, entry: dict[str, Any], status: str) -> bool:
        """True when the last test/build outcome seen for this GHAP, since its last
        update, agrees with ``status`` (a pass confirms, a failure falsifies)."""
        seen = self.last_outcome()
        if not seen or seen.get("ghap_id") != entry["id"]:
            return False
        if seen.get("iteration_count") != entry.get("iteration_count"):
            return False
        success = seen.get("success")
        return (status == "confirmed" and success is True) or (status == "falsified" and success is False)

    def resolve(
        self,
        status: str,
        result: str,
        surprise: str | None = None,
        root_cause: dict[str, str] | None = None,
        lesson: dict[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """``resolve_ghap``: outcome and tier set, appended to session_entries.jsonl,
        current_ghap.json removed."""
        with self.lock():
            current = self._require_current("resolve")
            auto = status != "abandoned" and self.auto_captured(current, status)
            entry = resolved(current, status, result, surprise, root_cause, lesson, auto)
            self._append_entry(entry)
            self._remove(CURRENT)
            self._remove(LAST_OUTCOME)
        return entry

    def abandon(self, reason: str) -> tuple[dict[str, Any], str]:
        """Abandon the active GHAP: an orphan goes to its own session's archive file
        (``abandon_orphan``), any other to session_entries.jsonl (``abandon_ghap``).
        Returns the entry and the file it was written to."""
        with self.lock():
            current = self._require_current("abandon")
            entry = resolved(current, "abandoned", reason)
            if self.is_orphan(current):
                where = self._archive(current["session_id"], [entry])
            else:
                self._append_entry(entry)
                where = self.path(ENTRIES)
            self._remove(CURRENT)
            self._remove(LAST_OUTCOME)
        return entry, where

    def adopt(self, session_hint: str | None = None) -> dict[str, Any] | None:
        """``adopt_orphan``: the orphan joins the current session; None without one."""
        with self.lock():
            current = self.current()
            if current is None or not self.is_orphan(current):
                return None
            current["session_id"] = self._session_or_new(session_hint)
            self._save_current(current)
            self._write(TOOL_COUNT, "0")
        return current

    def record_outcome(self, outcome: dict[str, Any]) -> dict[str, Any] | None:
        """Remember a test/build outcome for the active GHAP (what makes a later
        resolution ``auto_captured``, tier gold). Returns the GHAP, or None."""
        with self.lock():
            current = self.current()
            if current is None:
                return None
            record = {"ghap_id": current["id"], "iteration_count": current.get("iteration_count"), **outcome}
            self._write(LAST_OUTCOME, json.dumps(record, indent=2))
        return current

    def iter_all(self) -> Iterator[dict[str, Any]]:
        """Archived entries, then this session's, oldest first."""
        yield from self.archived()
        yield from self.entries()
