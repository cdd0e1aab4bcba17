"""The TaskCreatedAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import NoticeAnswer, _answer, block, block_reason


@_answer("TaskCreated")
@attrs.frozen(kw_only=True)
class TaskCreatedAnswer(NoticeAnswer):
    """``block`` deletes the task (``continue: false`` is ignored for this event)."""

    block: bool = block()
    reason: str | None = block_reason()
