"""One line that says what a hook event is about, for people reading replays and captures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def summarise(payload: Mapping[str, Any], width: int = 60) -> str:
    """``PreToolUse Bash: echo hi`` — the event and what it is about, on one line
    (paths inside the event's cwd shown relative to it)."""
    parts = [str(payload.get("hook_event_name"))]
    tool = payload.get("tool_name")
    if isinstance(tool, str):
        parts.append(tool)
    tool_input = payload.get("tool_input")
    detail: Any = None
    if isinstance(tool_input, dict):
        detail = tool_input.get("command") or tool_input.get("file_path") or tool_input.get("notebook_path")
    for key in ("prompt", "source", "reason", "trigger", "notification_type", "task_subject"):
        if detail is None and isinstance(payload.get(key), str):
            detail = payload[key]
    if detail is None and isinstance(payload.get("tool_calls"), list):
        detail = ", ".join(str(c.get("tool_name")) for c in payload["tool_calls"] if isinstance(c, dict))
    text = " ".join(parts)
    cwd = payload.get("cwd")
    if isinstance(detail, str) and isinstance(cwd, str) and cwd and detail.startswith(cwd.rstrip("/") + "/"):
        detail = detail[len(cwd.rstrip("/")) + 1 :]
    if detail:
        detail = " ".join(str(detail).split())
        detail = detail if len(detail) <= width else detail[: width - 1] + "…"
        text += f": {detail}"
    return text
