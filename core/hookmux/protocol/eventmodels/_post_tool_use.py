"""The PostToolUse model."""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.eventmodels._base import ToolEvent


@attrs.frozen(kw_only=True)
class PostToolUse(ToolEvent):
    tool_use_id: str = ""
    tool_response: Any = None
    duration_ms: float | None = None
