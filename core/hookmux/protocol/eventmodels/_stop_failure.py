"""The StopFailure model."""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class StopFailure(HookEvent):
    error: str
    error_details: Any = None
    last_assistant_message: str | None = None
