"""The PostModelSwitchAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HaltableAnswer, _answer, context


@_answer("PostModelSwitch")
@attrs.frozen(kw_only=True)
class PostModelSwitchAnswer(HaltableAnswer):
    additional_context: str | None = context()
