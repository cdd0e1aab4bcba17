"""The PostToolBatch model."""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.eventmodels._base import HookEvent, JSONDict


@attrs.frozen(kw_only=True)
class ToolCall:
    tool_name: str
    tool_input: JSONDict
    tool_use_id: str = ""
    tool_response: Any = None


@attrs.frozen(kw_only=True)
class PostToolBatch(HookEvent):
    tool_calls: list[ToolCall]
