"""The SetupAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HaltableAnswer, _answer, context


@_answer("Setup")
@attrs.frozen(kw_only=True)
class SetupAnswer(HaltableAnswer):
    additional_context: str | None = context()
