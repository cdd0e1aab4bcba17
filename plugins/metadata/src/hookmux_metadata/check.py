"""PreToolUse: refuse a Write/Edit/MultiEdit that would leave metadata.json invalid."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hookmux_specstatus.files import read_text
from hookmux_specstatus.project import locate
from hookmux_specstatus.update import disabled, environ_of

from hookmux_metadata.schema import REQUIRED, apply_tool, parse, problems, status_of, transition_problem

if TYPE_CHECKING:
    from hookmux.routing.context import HookContext
    from hookmux_metadata.config import Config

METADATA = ("metadata.json",)
#: Statuses seen before a call, for the PostToolUse of the same call (when Claude Code
#: sends no ``originalFile``); files older than this are left-overs of refused calls.
STASH_TTL = 3600.0
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def patched_content(changes: list[Any], path: str) -> str | None:
    """A Codex ``apply_patch`` (its adapter lists every file it touches with the content after
    it): ``path``'s content after the patch, or None (deleted, or a hunk that does not apply)."""
    for change in changes:
        if isinstance(change, Mapping) and change.get("file_path") == path:
            content = change.get("content")
            return content if isinstance(content, str) else None
    return None


def reason_for(
    tool_input: Mapping[str, Any], raw: Mapping[str, Any], ctx: HookContext, config: Config
) -> str | None:
    """Why the call must be refused, or None to let it through silently."""
    environ = environ_of(ctx)
    if disabled(environ):
        return None
    target = locate(raw, METADATA, environ)
    if target is None:
        return None
    current = read_text(target.path)
    old_status = status_of(current)
    _stash(ctx, old_status)
    tool = str(raw.get("tool_name"))
    changes = tool_input.get("changes")
    if isinstance(changes, list):
        after = patched_content(changes, target.path)
    else:
        after = apply_tool(tool, tool_input, current)
    if after is None:
        return None  # the edit does not apply; the tool says so itself
    metadata, error = parse(after)
    found = [f"metadata.json is invalid JSON: {error}"] if error else problems(metadata)
    if not error and config.check_transitions and isinstance(metadata, dict):
        transition = transition_problem(old_status, metadata.get("status"))
        if transition:
            found.append(transition)
    if not found:
        return None
    listed = "\n".join(f"- {p}" for p in found)
    return (
        f"SpecWeave: this {tool} would leave {target.relative} invalid, so it was not applied "
        f"(the file is unchanged):\n{listed}\n"
        f"metadata.json needs {', '.join(REQUIRED)} (created and lastActivity as ISO 8601 timestamps). "
        "Fix the values above and try again; to reach a status that is not allowed directly, "
        "go through an allowed one first."
    )


def stash_path(ctx: HookContext) -> str:
    # In the scratch directory (in memory where there is one): a file made on this VM's
    # ext4 cost 0.5 ms, most of this handler's time.
    return os.path.join(ctx.scratch_dir, f"before-{ctx.correlation_id}.json")


#: When this process last swept its state directory of stale stashes: a sweep lists the
#: directory and reads each file's times, needless on every call for files that live an
#: hour (a daemon routes many events; a ``hookmux run`` sweeps once).
_swept: dict[str, float] = {}
SWEEP_EVERY = 300.0


def _stash(ctx: HookContext, status: str | None) -> None:
    if not ctx.correlation_id:
        return
    path = stash_path(ctx)  # its directory made by ctx.scratch_dir
    directory = os.path.dirname(path)
    now = time.time()
    if now - _swept.get(directory, 0.0) > SWEEP_EVERY:
        _swept[directory] = now
        _sweep(directory, now)
    # Written in place: no temporary file, rename or sync. The stash is this call's alone
    # and read once, by its PostToolUse; one torn by a crash reads as no stash at all.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"status": status}))


def _sweep(directory: str, now: float) -> None:
    """Remove the stashes older than :data:`STASH_TTL` (of calls refused or never finished)."""
    try:
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if name.startswith("before-") and now - os.stat(path).st_mtime > STASH_TTL:
                os.unlink(path)
    except OSError:
        pass


def stashed_status(ctx: HookContext) -> tuple[bool, str | None]:
    """(found, status) recorded by this call's PreToolUse; the stash is consumed."""
    path = stash_path(ctx)
    text = read_text(path)
    if text is None:
        return False, None
    try:
        os.unlink(path)
    except OSError:
        pass
    value, error = parse(text)
    if error or not isinstance(value, dict):
        return False, None
    status = value.get("status")
    return True, status if isinstance(status, str) else None
