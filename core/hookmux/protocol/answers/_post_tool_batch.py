"""The PostToolBatchAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HaltableAnswer, _answer, block, block_reason, context


@_answer("PostToolBatch")
@attrs.frozen(kw_only=True)
class PostToolBatchAnswer(HaltableAnswer):
    """``block`` (or ``halt``) stops the loop before the next model call."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
