"""The StopAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import (
    HaltableAnswer,
    _answer,
    _require_reason_when_blocking,
    block,
    block_reason,
    context,
)


@_answer("Stop")
@attrs.frozen(kw_only=True)
class StopAnswer(HaltableAnswer):
    """``block`` keeps Claude working and needs a ``reason`` (shown to Claude).
    Check ``event.stop_hook_active`` before blocking again, or Claude loops."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()

    __attrs_post_init__ = _require_reason_when_blocking
