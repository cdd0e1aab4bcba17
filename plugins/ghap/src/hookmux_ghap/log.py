"""The plugin's log: one line per warning, on stderr and in
``$HOOKMUX_HOME/plugins/ghap/ghap.log`` (never stdout: hookmux owns it)."""

from __future__ import annotations

import os
import sys
import time

LOG_NAME = "ghap.log"


def log_path(home: str) -> str:
    return os.path.join(home, "plugins", "ghap", LOG_NAME)


def warn(home: str | None, message: str) -> None:
    """Write ``message`` once to stderr and, with ``home``, to the log file."""
    line = f"hookmux-ghap: warning: {message}"
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    if not home:
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    path = log_path(home)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{stamp} WARNING {message}\n".encode())
        finally:
            os.close(fd)
    except OSError:
        pass
