"""The PreToolUseAnswer model."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from hookmux.protocol.answers._base import (
    HSO,
    HaltableAnswer,
    _answer,
    _opt_dict,
    choice,
    context,
    single,
    text,
)


@_answer("PreToolUse")
@attrs.frozen(kw_only=True)
class PreToolUseAnswer(HaltableAnswer):
    """``permission``: deny > defer > ask > allow across handlers. ``reason`` goes
    to Claude for deny and to the user otherwise. ``updated_input`` replaces the
    whole tool input (only one handler's rewrite can apply)."""

    permission: Literal["deny", "defer", "ask", "allow"] | None = choice(
        (HSO, "permissionDecision"), ("deny", "defer", "ask", "allow")
    )
    reason: str | None = text(
        (HSO, "permissionDecisionReason"), "permissionDecisionReason", winners_of="permission"
    )
    updated_input: dict[str, Any] | None = single(
        (HSO, "updatedInput"), unless=("permission", "deny"), validator=_opt_dict
    )
    additional_context: str | None = context()
