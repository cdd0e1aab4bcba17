"""The MessageDisplay model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class MessageDisplay(HookEvent):
    delta: str
    turn_id: str | None = None
    message_id: str | None = None
    index: int | None = None
    final: bool | None = None
