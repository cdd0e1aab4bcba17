"""PostToolUse: record a status change of metadata.json and refresh the status line cache.

SpecWeave's ``post-metadata-change.sh`` dispatches on the new status
(``post-increment-completion.sh``, ``post-increment-status-change.sh``), whose
local effects are a ``📊 Status changed`` line in hooks-debug.log and a status
line update; their GitHub sync is not ported. The transition itself, with its
time, goes to ``.specweave/state/status-transitions.jsonl``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hookmux_specstatus import logs
from hookmux_specstatus.cache import write_cache
from hookmux_specstatus.files import iso_now_ms, keep_last_lines, read_text
from hookmux_specstatus.project import locate, state_dir
from hookmux_specstatus.update import cache_lock, disabled, environ_of, guard_active

from hookmux.state.redact import redact_text
from hookmux_metadata.check import METADATA, stashed_status
from hookmux_metadata.schema import parse, status_of

if TYPE_CHECKING:
    from hookmux.routing.context import HookContext
    from hookmux_metadata.config import Config

TRANSITIONS_FILE = "status-transitions.jsonl"
KEEP_TRANSITIONS = 1000


def transitions_path(root: str) -> str:
    return os.path.join(state_dir(root), TRANSITIONS_FILE)


def previous_status(raw: Mapping[str, Any], ctx: HookContext) -> tuple[bool, str | None]:
    """(known, status) before the call: Claude Code's ``originalFile``, else the PreToolUse stash."""
    found, stashed = stashed_status(ctx)
    response = raw.get("tool_response")
    if isinstance(response, dict) and "originalFile" in response:
        original = response["originalFile"]
        return True, status_of(original if isinstance(original, str) else None)
    return found, stashed


def on_change(raw: Mapping[str, Any], ctx: HookContext, config: Config) -> str:
    """Handle one successful write of metadata.json; returns what happened."""
    environ = environ_of(ctx)
    if disabled(environ):
        return "disabled"
    target = locate(raw, METADATA, environ)
    if target is None:
        return "ignored"
    known, old = previous_status(raw, ctx)
    text = read_text(target.path)
    new = status_of(text)
    if not known or new is None or new == old:
        return "unchanged"
    if guard_active(target.root):
        return "guarded"
    value, _ = parse(text or "")
    reason = value.get("statusReason") if isinstance(value, dict) else None
    record = {
        "timestamp": iso_now_ms(),
        "incrementId": target.increment,
        "from": old,
        "to": new,
        "reason": redact_text(reason) if isinstance(reason, str) else None,
        "tool": raw.get("tool_name"),
        "sessionId": raw.get("session_id"),
        "toolUseId": raw.get("tool_use_id"),
    }
    budget = max(0.1, ctx.remaining() - 0.3)
    with cache_lock(ctx, target.root, timeout=budget):
        keep_last_lines(
            transitions_path(target.root), [json.dumps(record, ensure_ascii=False)], KEEP_TRANSITIONS
        )
        logs.log(target.root, f"📊 Status changed: {old} → {new} ({target.increment})")
        if config.refresh_status_line:
            write_cache(target.root)
    return "recorded"
