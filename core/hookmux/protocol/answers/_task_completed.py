"""The TaskCompletedAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HaltableAnswer, _answer, _require_reason_when_blocking, flag, text


@_answer("TaskCompleted", exit_code_blocks=True)
@attrs.frozen(kw_only=True)
class TaskCompletedAnswer(HaltableAnswer):
    """``block`` prevents completion (exit code 2, ``reason`` on stderr);
    ``halt`` stops the teammate."""

    block: bool = flag((), emit="exit2")
    reason: str | None = text((), "reason", winners_of="block")

    __attrs_post_init__ = _require_reason_when_blocking
