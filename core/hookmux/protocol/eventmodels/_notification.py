"""The Notification model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class Notification(HookEvent):
    message: str
    notification_type: str = ""
    title: str | None = None
