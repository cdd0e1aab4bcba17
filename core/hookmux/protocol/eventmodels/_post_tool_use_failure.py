"""The PostToolUseFailure model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import ToolEvent


@attrs.frozen(kw_only=True)
class PostToolUseFailure(ToolEvent):
    tool_use_id: str = ""
    error: str = ""
    is_interrupt: bool = False
    duration_ms: float | None = None
