"""The PostToolUseFailureAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HaltableAnswer, _answer, block, block_reason, context


@_answer("PostToolUseFailure")
@attrs.frozen(kw_only=True)
class PostToolUseFailureAnswer(HaltableAnswer):
    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
