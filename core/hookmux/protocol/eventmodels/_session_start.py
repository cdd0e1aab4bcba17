"""The SessionStart model."""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class SessionStart(HookEvent):
    source: str
    model: Any = None
    session_title: str | None = None
