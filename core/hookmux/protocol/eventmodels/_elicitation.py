"""The Elicitation model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent, JSONDict


@attrs.frozen(kw_only=True)
class Elicitation(HookEvent):
    mcp_server_name: str
    message: str = ""
    mode: str | None = None
    url: str | None = None
    elicitation_id: str | None = None
    requested_schema: JSONDict | None = None
