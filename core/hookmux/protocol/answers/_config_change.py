"""The ConfigChangeAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import Answer, _answer, block, block_reason


@_answer("ConfigChange")
@attrs.frozen(kw_only=True)
class ConfigChangeAnswer(Answer):
    """``block`` silently rejects the change (not possible for policy settings)."""

    block: bool = block()
    reason: str | None = block_reason()
