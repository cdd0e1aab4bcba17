"""The SubagentStartAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HaltableAnswer, _answer, context


@_answer("SubagentStart")
@attrs.frozen(kw_only=True)
class SubagentStartAnswer(HaltableAnswer):
    """``additional_context`` is injected into the subagent."""

    additional_context: str | None = context()
