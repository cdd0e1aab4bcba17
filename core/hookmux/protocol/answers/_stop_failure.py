"""The StopFailureAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import Answer, _answer


@_answer("StopFailure")
@attrs.frozen(kw_only=True)
class StopFailureAnswer(Answer):
    """StopFailure ignores everything but ``terminal_sequence``."""
