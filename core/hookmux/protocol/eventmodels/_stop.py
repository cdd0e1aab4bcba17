"""The Stop model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent, JSONDict


@attrs.frozen(kw_only=True)
class Stop(HookEvent):
    stop_hook_active: bool = False
    last_assistant_message: str = ""
    background_tasks: list[JSONDict] = attrs.Factory(list)
    session_crons: list[JSONDict] = attrs.Factory(list)
