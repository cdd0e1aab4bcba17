"""Claude Code settings files: where they are, reading, atomic backed-up writes, diffs.

The changes themselves are computed by :mod:`hookmux.agents.claude.wiring` on plain dicts.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import sysconfig
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hookmux.agents.claude.wiring import EXECUTABLE_NAMES, WiringError
from hookmux.state.paths import atomic_write, ensure_private_dir

SCOPES = ("user", "project", "local")


def settings_path(scope: str, project: str, environ: Mapping[str, str] = os.environ) -> str:
    """``~/.claude/settings.json`` (or ``$CLAUDE_CONFIG_DIR``), ``.claude/settings.json``,
    ``.claude/settings.local.json``."""
    if scope == "user":
        base = environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
        return os.path.join(os.path.abspath(os.path.expanduser(base)), "settings.json")
    name = "settings.json" if scope == "project" else "settings.local.json"
    return os.path.join(project, ".claude", name)


def read_settings(path: str) -> tuple[dict[str, Any], str | None]:
    """(parsed settings, file text) — ({}, None) when the file does not exist."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError) as exc:
        raise WiringError(f"{path}: cannot be read: {exc}") from None
    if not text.strip():
        return {}, text
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise WiringError(f"{path}: not valid JSON ({exc}); fix it by hand first") from None
    if not isinstance(value, dict):
        raise WiringError(f"{path}: holds a JSON {type(value).__name__}, expected an object")
    return value, text


def _indent(text: str | None) -> int | str:
    """The indentation the file already uses (2 spaces when unknown)."""
    for line in (text or "").splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return 2


def render_settings(settings: Mapping[str, Any], original: str | None) -> str:
    return json.dumps(settings, indent=_indent(original), ensure_ascii=False) + "\n"


def diff_text(path: str, before: str | None, after: str | None) -> str:
    lines = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        (after or "").splitlines(keepends=True),
        fromfile=path if before is not None else "/dev/null",
        tofile=path if after is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def backup_dir(home: str) -> str:
    return os.path.join(home, "backups")


def write_settings(path: str, text: str, *, original: str | None, home: str, scope: str) -> str | None:
    """Replace ``path`` atomically with ``text``; returns the backup of the previous file.

    Writes through a symlink to its target (dotfile managers link settings.json),
    keeps the file's permissions, and refuses when the file changed since it
    was read (Claude Code writes settings too).
    """
    target = os.path.realpath(path)
    try:
        with open(target, encoding="utf-8") as fh:
            now = fh.read()
        mode = os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        now, mode = None, 0o644
    if now != original:
        raise WiringError(f"{path} changed while hookmux was reading it; run the command again")
    backup = None
    if original is not None:
        directory = ensure_private_dir(backup_dir(home))
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"{time.time() % 1:.6f}"[1:]
        key = zlib.crc32(target.encode())
        backup = os.path.join(directory, f"{stamp}-{scope}-{key:08x}-{os.path.basename(target)}")
        atomic_write(backup, original.encode("utf-8"), 0o600)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    atomic_write(target, text.encode("utf-8"), mode)
    os.chmod(target, mode)  # atomic_write's mode went through the umask
    return backup


def hookmux_executable() -> str:
    """Absolute path of this environment's ``hookmux`` console script.

    Found next to the running interpreter (not resolved through symlinks: a
    virtual environment's python links elsewhere) or in the scripts directory,
    never through PATH, so a pyenv shim or another environment's hookmux is
    never written into the settings.
    """
    candidates = [
        Path(os.path.abspath(sys.executable)).parent,
        Path(sysconfig.get_path("scripts")),
    ]
    for directory in candidates:
        for name in sorted(EXECUTABLE_NAMES):
            path = directory / name
            if path.is_file() and os.access(path, os.X_OK) and "shims" not in path.parts:
                return str(path)
    raise WiringError(
        f"cannot find the hookmux script of this environment next to {sys.executable}; "
        "reinstall hookmux with pip in this environment"
    )
