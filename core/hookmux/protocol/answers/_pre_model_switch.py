"""The PreModelSwitchAnswer model."""

from __future__ import annotations

from typing import Literal

import attrs

from hookmux.protocol.answers._base import HSO, HaltableAnswer, _answer, choice, text


@_answer("PreModelSwitch")
@attrs.frozen(kw_only=True)
class PreModelSwitchAnswer(HaltableAnswer):
    permission: Literal["deny", "ask", "allow"] | None = choice(
        (HSO, "permissionDecision"), ("deny", "ask", "allow")
    )
    reason: str | None = text(
        (HSO, "permissionDecisionReason"), "permissionDecisionReason", winners_of="permission"
    )
