"""The ElicitationResult model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent, JSONDict


@attrs.frozen(kw_only=True)
class ElicitationResult(HookEvent):
    mcp_server_name: str
    action: str = ""
    mode: str | None = None
    elicitation_id: str | None = None
    content: JSONDict | None = None
