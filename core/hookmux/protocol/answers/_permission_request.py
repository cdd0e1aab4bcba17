"""The PermissionRequestAnswer model."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from hookmux.protocol.answers._base import (
    HSO,
    HaltableAnswer,
    _answer,
    _meta,
    _opt_dict,
    choice,
    flag,
    single,
    text,
)


@_answer("PermissionRequest")
@attrs.frozen(kw_only=True)
class PermissionRequestAnswer(HaltableAnswer):
    """``behavior``: deny wins over allow. Allow may carry ``updated_input`` and
    ``updated_permissions``; deny may carry ``message`` and ``interrupt``."""

    behavior: Literal["deny", "allow"] | None = choice((HSO, "decision", "behavior"), ("deny", "allow"))
    updated_input: dict[str, Any] | None = single(
        (HSO, "decision", "updatedInput"), winners_of="behavior", validator=_opt_dict
    )
    updated_permissions: tuple[dict[str, Any], ...] = attrs.field(
        factory=tuple,
        converter=tuple,
        metadata=_meta((HSO, "decision", "updatedPermissions"), "concat", winners_of="behavior"),
    )
    message: str | None = text((HSO, "decision", "message"), "reason", winners_of="behavior")
    interrupt: bool = flag((HSO, "decision", "interrupt"), winners_of="behavior")

    def __attrs_post_init__(self) -> None:
        if self.behavior != "allow" and (self.updated_input is not None or self.updated_permissions):
            raise ValueError(
                "PermissionRequest answer: updated_input/updated_permissions need behavior='allow'"
            )
        if self.behavior != "deny" and (self.message is not None or self.interrupt):
            raise ValueError("PermissionRequest answer: message/interrupt need behavior='deny'")
