"""Small file helpers: exact text reads, atomic writes, SpecWeave's timestamps."""

from __future__ import annotations

import os
import threading
import time


def read_text(path: str) -> str | None:
    """The file's text exactly as stored (line endings kept), or None when it is missing."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def atomic_write_text(path: str, text: str) -> None:
    """Write through a temporary file in the same directory and ``os.replace``.

    A reader (the status line, Claude's next Read) sees the old file or the new
    one, never half of one. The file keeps its permission bits.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        mode: int | None = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None  # a new file: the umask decides, as for any other write
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def iso_now_ms() -> str:
    """``new Date().toISOString()``: ``2025-11-19T07:48:20.934Z``."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def iso_now_s() -> str:
    """``date -u +%Y-%m-%dT%H:%M:%SZ`` (jq's ``now | strftime``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def keep_last_lines(path: str, new_lines: list[str], limit: int) -> None:
    """Append ``new_lines`` to a line file and keep its last ``limit`` lines (atomic rewrite)."""
    old = read_text(path) or ""
    lines = [line for line in old.split("\n") if line] + new_lines
    atomic_write_text(path, "".join(line + "\n" for line in lines[-limit:]))
