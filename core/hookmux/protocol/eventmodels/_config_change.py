"""The ConfigChange model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class ConfigChange(HookEvent):
    source: str
    file_path: str | None = None
