"""The TeammateIdle model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class TeammateIdle(HookEvent):
    teammate_name: str
    team_name: str | None = None
