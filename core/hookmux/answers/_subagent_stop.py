"""The SubagentStopAnswer model."""

from __future__ import annotations

import attrs

from hookmux.answers._base import _answer
from hookmux.answers._stop import StopAnswer


@_answer("SubagentStop")
@attrs.frozen(kw_only=True)
class SubagentStopAnswer(StopAnswer):
    pass
