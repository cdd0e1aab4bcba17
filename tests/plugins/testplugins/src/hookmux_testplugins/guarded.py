"""A fail-closed policy: when it cannot decide, the call is refused."""

from __future__ import annotations

import time

from hookmux import hookimpl
from hookmux.protocol.answers import PreToolUseAnswer
from hookmux.protocol.eventmodels import PreToolUse


@hookimpl(matcher="Bash", commands=["hmtest-closed*"], priority=70, fail_closed=True, timeout=0.5)
def hookmux_pre_tool_use(event: PreToolUse) -> PreToolUseAnswer | None:
    command = event.command or ""
    if "crash" in command:
        raise OSError("policy database unreachable")
    if "hang" in command:
        time.sleep(60)
    return None
