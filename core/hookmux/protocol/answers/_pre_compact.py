"""The PreCompactAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import NoticeAnswer, _answer, block, block_reason


@_answer("PreCompact")
@attrs.frozen(kw_only=True)
class PreCompactAnswer(NoticeAnswer):
    block: bool = block()
    reason: str | None = block_reason()
