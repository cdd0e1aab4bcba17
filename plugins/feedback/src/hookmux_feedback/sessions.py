"""Which sessions were seen: one empty marker file per session, created with O_EXCL.

Kept apart from :mod:`hookmux_feedback.storage` so that the common case, a
prompt of a session already seen, costs one ``open`` and no SQLite import.
"""

from __future__ import annotations

import hashlib
import os
import re

from hookmux.state.paths import atomic_write
from hookmux_feedback.config import Paths


def ensure_dir(path: str) -> str:
    """``path`` and its missing parents, each created private (0700)."""
    if not os.path.isdir(path):
        ensure_dir(os.path.dirname(os.path.abspath(path)))
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    return path


_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def session_marker(paths: Paths, session_id: str) -> str:
    safe = _SAFE_ID.sub("_", session_id)[:100]
    if not safe.strip("._") or safe != session_id:
        safe = hashlib.sha256(session_id.encode()).hexdigest()[:32]
    return os.path.join(paths.sessions_dir, safe)


def first_seen(paths: Paths, session_id: str) -> bool:
    """True exactly once per session, whichever process asks first (an O_EXCL marker).

    Also keeps the original's ``logs/last-session-id``.
    """
    if not session_id:
        return False
    ensure_dir(paths.sessions_dir)
    try:
        fd = os.open(session_marker(paths, session_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    ensure_dir(paths.logs_dir)
    atomic_write(paths.log("last-session-id"), (session_id + "\n").encode())
    return True
