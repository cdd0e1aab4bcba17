"""SpecWeave's increment metadata rules (``src/core/types/increment-metadata.ts``,
``MetadataManager.validate``), and what a tool call would make of metadata.json."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

STATUSES = ("planning", "active", "backlog", "paused", "completed", "abandoned")
TYPES = ("hotfix", "feature", "bug", "change-request", "refactor", "experiment")
REQUIRED = ("id", "status", "type", "created", "lastActivity")
#: ``VALID_TRANSITIONS``: status -> the statuses it may change to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planning": ("active", "backlog", "abandoned"),
    "active": ("backlog", "paused", "completed", "abandoned"),
    "backlog": ("planning", "active", "abandoned"),
    "paused": ("active", "abandoned"),
    "completed": ("active", "abandoned"),
    "abandoned": ("active",),
}


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value (``!value`` in SpecWeave's checks)."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    return True


def js_string(value: Any) -> str:
    """A JSON value in a JavaScript template literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def parse(text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, the JSON error)."""
    try:
        return json.loads(text), None
    except ValueError as exc:
        return None, str(exc)


def status_of(text: str | None) -> str | None:
    """The ``status`` of a metadata.json text, or None (no file, not JSON, no status)."""
    if text is None:
        return None
    value, _ = parse(text)
    status = value.get("status") if isinstance(value, dict) else None
    return status if isinstance(status, str) else None


def problems(metadata: Any) -> list[str]:
    """Every rule ``MetadataManager.validate`` checks, in its order and with its messages
    (it stops at the first; all are listed here so one fix can address them all)."""
    if not isinstance(metadata, Mapping):
        return [f"metadata.json must hold a JSON object, not {type(metadata).__name__}"]
    found = []
    if not js_truthy(metadata.get("id")):
        found.append("Metadata missing required field: id")
    status = metadata.get("status")
    if not js_truthy(status) or status not in STATUSES:
        found.append(
            f"Invalid status: {js_string(status) if 'status' in metadata else 'undefined'} "
            f"(must be one of: {', '.join(STATUSES)})"
        )
    kind = metadata.get("type")
    if not js_truthy(kind) or kind not in TYPES:
        found.append(
            f"Invalid type: {js_string(kind) if 'type' in metadata else 'undefined'} "
            f"(must be one of: {', '.join(TYPES)})"
        )
    for name in ("created", "lastActivity"):
        if not js_truthy(metadata.get(name)):
            found.append(f"Metadata missing required field: {name} (an ISO 8601 timestamp)")
    return found


def transition_problem(old: str | None, new: Any) -> str | None:
    """SpecWeave's transition rule, when both statuses are known and differ."""
    if old not in TRANSITIONS or not isinstance(new, str) or new not in TRANSITIONS or old == new:
        return None
    allowed = TRANSITIONS[old]
    if new in allowed:
        return None
    return f"Invalid status transition: {old} → {new}. Valid transitions from {old}: {', '.join(allowed)}"


def apply_tool(tool_name: str, tool_input: Mapping[str, Any], current: str | None) -> str | None:
    """The file text after a Write, Edit or MultiEdit, or None when the call will fail by
    itself (``old_string`` not found or not unique): the tool then reports its own error."""
    if tool_name == "Write":
        content = tool_input.get("content")
        return content if isinstance(content, str) else None
    if tool_name == "Edit":
        edits: Any = [tool_input]
    elif tool_name == "MultiEdit":
        edits = tool_input.get("edits")
    else:
        return None
    if not isinstance(edits, list):
        return None
    text = current
    for edit in edits:
        if not isinstance(edit, Mapping):
            return None
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str):
            return None
        if text is None or old == "":
            if text is None and old == "":
                text = new  # Edit creates a missing file from an empty old_string
                continue
            return None
        count = text.count(old)
        if count == 0 or (count > 1 and not edit.get("replace_all")):
            return None
        text = text.replace(old, new) if edit.get("replace_all") else text.replace(old, new, 1)
    return text
