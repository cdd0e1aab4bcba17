"""A plugin that decides things, for the otel tests: it observes every event and denies,
blocks, raises and overruns on chosen events of the replayed session."""

from __future__ import annotations

import time

from hookmux import hookimpl
from hookmux.protocol.answers import PermissionRequestAnswer, PreToolUseAnswer, StopAnswer
from hookmux.protocol.eventmodels import PreToolUse
from hookmux.protocol.events import EVENT_NAMES, hookspec_name

#: A credential in a reason: what reaches the collector must be masked.
SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@hookimpl(matcher="Bash", commands=["exit *"], specname="hookmux_pre_tool_use", priority=90)
def refuse_exit(event: PreToolUse) -> PreToolUseAnswer:
    return PreToolUseAnswer(permission="deny", reason=f"no exit codes here (key {SECRET})")


@hookimpl(matcher="Read", specname="hookmux_post_tool_use", priority=90)
def crash_on_read() -> None:
    raise RuntimeError(f"reader broke on {SECRET}")


@hookimpl(matcher="Bash", specname="hookmux_post_tool_use_failure", priority=90, timeout=0.2)
def overrun_on_failure() -> None:
    time.sleep(1.0)


@hookimpl(specname="hookmux_stop", priority=90)
def keep_going() -> StopAnswer:
    return StopAnswer(block=True, reason="one more check")


@hookimpl(matcher="Write", specname="hookmux_permission_request", priority=90)
def refuse_write_dialog() -> PermissionRequestAnswer:
    return PermissionRequestAnswer(behavior="deny", message="writes are reviewed")


def _observer(event: str) -> tuple[str, object]:
    spec = hookspec_name(event)
    name = "observe_" + spec[len("hookmux_") :]

    def handler() -> None:
        return None

    handler.__name__ = handler.__qualname__ = name
    return name, hookimpl(specname=spec, priority=10)(handler)


for _event in EVENT_NAMES:
    _name, _function = _observer(_event)
    globals()[_name] = _function
del _event, _name, _function
