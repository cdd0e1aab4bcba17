"""The ElicitationResultAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import _answer
from hookmux.protocol.answers._elicitation import ElicitationAnswer


@_answer("ElicitationResult")
@attrs.frozen(kw_only=True)
class ElicitationResultAnswer(ElicitationAnswer):
    pass
