"""The SubagentStopAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import _answer
from hookmux.protocol.answers._stop import StopAnswer


@_answer("SubagentStop")
@attrs.frozen(kw_only=True)
class SubagentStopAnswer(StopAnswer):
    pass
