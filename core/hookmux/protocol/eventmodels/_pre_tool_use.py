"""The PreToolUse model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import ToolEvent


@attrs.frozen(kw_only=True)
class PreToolUse(ToolEvent):
    tool_use_id: str = ""
