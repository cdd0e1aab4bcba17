"""The SubagentStop model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._stop import Stop


@attrs.frozen(kw_only=True)
class SubagentStop(Stop):
    agent_id: str | None = None
    agent_type: str | None = None
    agent_transcript_path: str = ""
