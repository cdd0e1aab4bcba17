"""The SubagentStart model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class SubagentStart(HookEvent):
    agent_id: str | None = None
    agent_type: str | None = None
