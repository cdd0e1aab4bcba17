"""Where a SpecWeave project is, and which increment file a tool call touched."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

SPECWEAVE = ".specweave"
INCREMENTS = "increments"
ARCHIVE = "_archive"


def find_root(start: str) -> str | None:
    """The first of ``start`` and its ancestors that has a ``.specweave/`` directory.

    SpecWeave's ``find_project_root`` walks up from ``$PWD`` and stops below
    ``/``; so does this. None when there is none (SpecWeave then falls back to
    ``$PWD`` and creates ``.specweave/state`` there; this port leaves such
    directories alone).
    """
    directory = os.path.abspath(start)
    while directory != os.path.dirname(directory):
        if os.path.isdir(os.path.join(directory, SPECWEAVE)):
            return directory
        directory = os.path.dirname(directory)
    return None


def state_dir(root: str) -> str:
    return os.path.join(root, SPECWEAVE, "state")


def logs_dir(root: str) -> str:
    return os.path.join(root, SPECWEAVE, "logs")


def increment_dir(root: str, increment: str) -> str:
    return os.path.join(root, SPECWEAVE, INCREMENTS, increment)


@dataclass(frozen=True)
class Target:
    """An increment file a tool call wrote."""

    root: str
    increment: str
    name: str  # spec.md, tasks.md, metadata.json
    path: str  # absolute, inside root

    @property
    def relative(self) -> str:
        return os.path.join(SPECWEAVE, INCREMENTS, self.increment, self.name)


def event_root(raw: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> str | None:
    """The project of an event: walking up from its cwd, else from ``$CLAUDE_PROJECT_DIR``."""
    for start in (raw.get("cwd"), environ.get("CLAUDE_PROJECT_DIR")):
        if isinstance(start, str) and start:
            root = find_root(start)
            if root is not None:
                return root
    return None


def locate(
    raw: Mapping[str, Any], names: Collection[str], environ: Mapping[str, str] = os.environ
) -> Target | None:
    """The ``.specweave/increments/<id>/<name>`` file of a Write/Edit/MultiEdit call, or None.

    ``tool_input.file_path`` may be absolute or relative to the event's cwd
    (SpecWeave's hooks accept both). It counts only when it lies inside the
    project (after resolving symlinks), directly in an increment folder, and not
    under ``_archive``. A Codex ``apply_patch`` (``tool_input.changes``, one per file)
    counts by the first of its files that does.
    """
    tool_input = raw.get("tool_input")
    if not isinstance(tool_input, dict):
        return None
    changes = tool_input.get("changes")
    paths = [tool_input.get("file_path")]
    if isinstance(changes, list):
        paths += [c.get("file_path") for c in changes if isinstance(c, dict) and c.get("action") != "delete"]
    for path in dict.fromkeys(p for p in paths if isinstance(p, str) and p):
        target = _locate_path(raw, path, names, environ)
        if target is not None:
            return target
    return None


def _locate_path(
    raw: Mapping[str, Any], path: str, names: Collection[str], environ: Mapping[str, str]
) -> Target | None:
    root = event_root(raw, environ)
    if root is None:
        return None
    cwd = raw.get("cwd") if isinstance(raw.get("cwd"), str) and raw.get("cwd") else root
    absolute = os.path.normpath(os.path.join(str(cwd), path))
    relative = os.path.relpath(absolute, root)
    parts = relative.split(os.sep)
    if len(parts) != 4 or parts[:2] != [SPECWEAVE, INCREMENTS] or parts[3] not in names:
        return None
    increment = parts[2]
    if increment == ARCHIVE or increment in (".", ".."):
        return None
    real_root = os.path.realpath(root)
    if not os.path.realpath(absolute).startswith(real_root.rstrip(os.sep) + os.sep):
        return None  # a symlink on the way leads out of the project
    return Target(root, increment, parts[3], absolute)
