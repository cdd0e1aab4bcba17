"""What a daemon keeps under ``$HOOKMUX_HOME/daemon`` for other processes: the bearer
token of its http hooks, its state file, and whether it holds the single-instance lock."""

from __future__ import annotations

import fcntl
import json
import os
from typing import Any

from hookmux.entry.control import lock_file
from hookmux.state.paths import daemon_dir, ensure_private_dir


def token_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "token")


def state_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "daemon.json")


def private_daemon_dir(home: str) -> str:
    """``$HOOKMUX_HOME/daemon``, created 0700 (and made 0700 if it was not)."""
    directory = ensure_private_dir(daemon_dir(home))
    if os.stat(directory).st_mode & 0o077:
        os.chmod(directory, 0o700)
    return directory


def read_token(home: str, create: bool = True) -> str | None:
    """The bearer token http requests must carry (created 0600 on first use)."""
    path = token_file(home)
    try:
        with open(path, encoding="ascii") as fh:
            token = fh.read().strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    if not create:
        return None
    import secrets

    private_daemon_dir(home)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made one meanwhile: use it
        return read_token(home, create=False)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def read_state(home: str) -> dict[str, Any] | None:
    try:
        with open(state_file(home), encoding="utf-8") as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def lock_held(home: str) -> bool:
    """True while some daemon holds the single-instance lock of ``home``."""
    try:
        fd = os.open(lock_file(home), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
