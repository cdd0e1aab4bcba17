"""Stop's housekeeping: session backup, debug-log rotation, memory-file cleanup.

* **Backup** (``backup-session-log.sh``): ``rsync -a --update`` of the logs to
  the backup directory, here also the markdown memories, a consistent copy of
  the SQLite database and the session's transcript (secrets redacted), then a
  line in ``<backup>/.backup_log``. A configured backup directory that does not
  exist (a drive not mounted) is skipped silently, as in the original.
* **Rotation** (``rotate-debug-log.sh``): a ``debug.log`` over 512000 bytes is
  gzipped to ``logs/archive/debug-YYYYmmdd-HHMMSS.log.gz`` and restarted with
  three header lines; the newest 10 archives are kept.
* **Cleanup** (``cleanup-feedback-cache.sh``, once a day): memory files older
  than 30 days are deleted; the SQLite rows are kept forever.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import sqlite3
import time

import attrs

from hookmux.state.paths import atomic_write
from hookmux.state.redact import redact, redact_text
from hookmux_feedback.config import Paths
from hookmux_feedback.sessions import ensure_dir
from hookmux_feedback.storage import append_lines, connect, debug, locked
from hookmux_feedback.transcript import backup_folder, checked_transcript

_SKIP_SUFFIXES = (".lock", ".tmp", "-wal", "-shm", "-journal")


@attrs.frozen(kw_only=True)
class BackupResult:
    copied: int = 0
    transcript: str | None = None
    skipped: str | None = None


def _newer(src: str, dst: str) -> bool:
    """rsync ``--update``: copy unless the destination is as new or newer."""
    try:
        return os.stat(src).st_mtime > os.stat(dst).st_mtime
    except FileNotFoundError:
        return True


def sync_tree(src: str, dst: str) -> int:
    """Copy the files of ``src`` that are new or newer into ``dst``; the count copied."""
    copied = 0
    if not os.path.isdir(src):
        return 0
    for root, dirs, files in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        target_dir = ensure_dir(os.path.normpath(os.path.join(dst, rel)))
        for name in sorted(files):
            if name.endswith(_SKIP_SUFFIXES) or (name.startswith(".") and name.endswith(".tmp")):
                continue
            source, target = os.path.join(root, name), os.path.join(target_dir, name)
            if _newer(source, target):
                tmp = f"{target}.{os.getpid()}.tmp"
                shutil.copy2(source, tmp)
                os.replace(tmp, target)
                copied += 1
    return copied


def backup_database(paths: Paths, target: str) -> bool:
    """A consistent snapshot of the SQLite database (the backup API), if it changed."""
    if not os.path.exists(paths.db):
        return False
    newest = max(os.stat(p).st_mtime for p in (paths.db, paths.db + "-wal") if os.path.exists(p))
    if os.path.exists(target) and os.stat(target).st_mtime >= newest:
        return False
    tmp = f"{target}.{os.getpid()}.tmp"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    source = connect(paths)
    try:
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return True


def _redact_line(line: str) -> str:
    """The line with secrets masked; unchanged (byte for byte) when it holds none."""
    try:
        value = json.loads(line)
    except ValueError:
        return redact_text(line)
    masked = redact(value)
    return line if masked == value else json.dumps(masked, ensure_ascii=False, separators=(",", ":"))


def _mark_file(target: str) -> str:
    return os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.offset")


def _copied_offset(target: str, inode: int, size: int) -> int:
    """Where the last redacted copy of the same transcript stopped (0: copy it all)."""
    try:
        with open(_mark_file(target), encoding="utf-8") as fh:
            mark = json.load(fh)
        offset = int(mark["offset"])
        same = int(mark["inode"]) == inode and 0 <= offset <= size and os.path.exists(target)
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    return offset if same else 0


def backup_transcript(transcript: str, target: str, redacted: bool) -> bool:
    """Copy the transcript if it changed, each JSON line redacted (unless told not to).

    Redacted copies are incremental: only the complete lines added since the last
    copy are read and redacted, then appended (the copy is replaced atomically).
    """
    if not _newer(transcript, target):
        return False
    ensure_dir(os.path.dirname(target))
    st = os.stat(transcript)
    tmp = f"{target}.{os.getpid()}.tmp"
    if not redacted:
        shutil.copy2(transcript, tmp)
        os.replace(tmp, target)
        return True
    start = _copied_offset(target, st.st_ino, st.st_size)
    with open(transcript, "rb") as fh:
        fh.seek(start)
        data = fh.read(max(st.st_size - start, 0))
    end = data.rfind(b"\n") + 1  # complete lines only: Claude Code may be writing the last one
    lines = data[:end].decode("utf-8", "replace").split("\n")
    text = "".join(_redact_line(line) + "\n" for line in lines if line.strip()).encode("utf-8")
    try:
        if start:
            shutil.copyfile(target, tmp)
            with open(tmp, "ab") as out:
                out.write(text)
        else:
            with open(tmp, "wb") as out:
                out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    atomic_write(_mark_file(target), json.dumps({"inode": st.st_ino, "offset": start + end}).encode())
    os.utime(target, (time.time(), st.st_mtime))
    return True


def backup(paths: Paths, transcript_path: str | None, redacted: bool = True) -> BackupResult:
    """Back up the logs, memories, database and this session's transcript."""
    dest = paths.backup_dir
    if paths.backup_dir_configured and not os.path.isdir(dest):
        return BackupResult(skipped=f"backup directory {dest} does not exist")
    real_dest = os.path.realpath(dest)
    if real_dest == os.path.realpath(paths.data_dir) or os.path.realpath(paths.data_dir).startswith(
        real_dest + os.sep
    ):
        return BackupResult(skipped=f"backup directory {dest} contains the data directory")
    ensure_dir(dest)
    copied, copy = 0, None
    transcript = checked_transcript(transcript_path)
    if transcript is not None:  # per session: no lock needed, replaced atomically
        copy = os.path.join(dest, "transcripts", backup_folder(transcript), os.path.basename(transcript))
        copied += int(backup_transcript(transcript, copy, redacted))
    with locked(paths, timeout=30):  # the logs hold still while they are copied
        copied += sync_tree(paths.logs_dir, os.path.join(dest, "logs"))
        copied += sync_tree(paths.cache_dir, os.path.join(dest, "cache"))
        copied += int(backup_database(paths, os.path.join(dest, "claudarity.db")))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        append_lines(os.path.join(dest, ".backup_log"), [f"{stamp} | Synced session logs to {dest}"])
    return BackupResult(copied=copied, transcript=copy)


def rotate_debug_log(paths: Paths, max_bytes: int, keep: int, now: dt.datetime | None = None) -> str | None:
    """Gzip ``debug.log`` away once it exceeds ``max_bytes``; the archive's path."""
    try:
        size = os.stat(paths.debug_log).st_size
    except FileNotFoundError:
        return None
    if size <= max_bytes:
        return None
    now = now or dt.datetime.now()
    archive_dir = ensure_dir(paths.archive_dir)
    stem = f"debug-{now.strftime('%Y%m%d-%H%M%S')}"
    archive = os.path.join(archive_dir, f"{stem}.log.gz")
    n = 1
    while os.path.exists(archive):
        n += 1
        archive = os.path.join(archive_dir, f"{stem}-{n}.log.gz")
    tmp = archive + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with (
        open(paths.debug_log, "rb") as src,
        os.fdopen(fd, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    os.replace(tmp, archive)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    header = (
        f"{stamp}: Log rotated (previous size: {size} bytes)\n"
        f"{stamp}: Archived to: {archive}\n"
        f"{stamp}: Continuing debug logging...\n"
    )
    atomic_write(paths.debug_log, header.encode())
    others = sorted(
        (os.path.join(archive_dir, f) for f in os.listdir(archive_dir) if f.startswith("debug-")),
        key=lambda p: (os.stat(p).st_mtime, p),
        reverse=True,
    )
    others.remove(archive)  # the archive just made is always kept
    for old in others[max(keep - 1, 0) :]:
        os.unlink(old)
    return archive


def daily_cleanup(paths: Paths, retention_days: int, today: str | None = None) -> int | None:
    """Delete memory files and session markers older than ``retention_days``, once a day."""
    today = today or time.strftime("%Y-%m-%d")
    marker = paths.log(".last-cleanup-date")
    try:
        with open(marker, encoding="utf-8") as fh:
            if fh.read().strip() == today:
                return None
    except OSError:
        pass
    cutoff = time.time() - retention_days * 86400
    removed = 0
    for directory, prefixes in ((paths.cache_dir, ("win-", "loss-")), (paths.sessions_dir, ("",))):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            if directory == paths.cache_dir and not name.endswith(".md"):
                continue
            if name.startswith(prefixes) and os.path.isfile(path) and os.stat(path).st_mtime < cutoff:
                os.unlink(path)
                removed += 1
    ensure_dir(paths.logs_dir)
    atomic_write(marker, (today + "\n").encode())
    stamp = time.strftime("%a %b %d %H:%M:%S %Z %Y")
    append_lines(
        paths.log("cleanup.log"),
        [f"{stamp}: Cleaned up feedback cache files older than {retention_days} days ({removed} removed)"],
    )
    return removed


def housekeeping(
    paths: Paths, transcript_path: str | None, *, do_backup: bool, redacted: bool, max_bytes: int,
    keep: int, retention_days: int,
) -> BackupResult | None:  # fmt: skip
    """Everything Stop does after learning: backup, rotation, cleanup."""
    result = backup(paths, transcript_path, redacted) if do_backup else None
    with locked(paths, timeout=30):
        if result is not None:
            note = f"; {result.skipped}" if result.skipped else ""
            debug(paths, f"backup: {result.copied} file(s) copied{note}")
        archive = rotate_debug_log(paths, max_bytes, keep)
        if archive:
            debug(paths, f"debug.log rotated to {archive}")
        daily_cleanup(paths, retention_days)
    return result
