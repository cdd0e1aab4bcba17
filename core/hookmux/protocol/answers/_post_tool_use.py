"""The PostToolUseAnswer model."""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.answers._base import (
    HSO,
    HaltableAnswer,
    _answer,
    block,
    block_reason,
    context,
    single,
    text,
)


@_answer("PostToolUse")
@attrs.frozen(kw_only=True)
class PostToolUseAnswer(HaltableAnswer):
    """``block`` shows ``reason`` to Claude next to the result.
    ``updated_tool_output`` replaces the output (it must keep the tool's shape)."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
    updated_tool_output: Any = single((HSO, "updatedToolOutput"))
    updated_mcp_tool_output: Any = single((HSO, "updatedMCPToolOutput"))
    classifier_context: str | None = text((HSO, "classifierContext"), "classifierContext")
