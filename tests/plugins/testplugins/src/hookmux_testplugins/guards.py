"""Handlers that exercise the guard rails. Each writes what it did to a log file named in the command.

Commands: ``hmtest-flaky FLAG LOG`` raises while FLAG exists; ``hmtest-later LOG [GATE]`` runs
in the background (after GATE exists, if given, waiting up to 30 s); ``hmtest-debounce LOG`` debounces (1.5 s); ``hmtest-dedupe LOG`` dedupes by
tool_use_id; ``hmtest-observe LOG [GATE]`` observes: it waits (up to 5 s) for GATE to exist,
logs whether it saw it, and returns an answer nobody may see.
"""

from __future__ import annotations

import os
import time

from hookmux import hookimpl
from hookmux.protocol.answers import PostToolUseAnswer
from hookmux.protocol.eventmodels import PostToolUse, PreToolUse
from hookmux.routing.context import HookContext


def _args(event: PreToolUse | PostToolUse) -> list[str]:
    return (event.command or "").split()[1:]


def _log(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


@hookimpl(matcher="Bash", commands=["hmtest-flaky *"], specname="hookmux_pre_tool_use")
def flaky(event: PreToolUse) -> None:
    flag, log = _args(event)
    _log(log, f"ran {os.getpid()}")
    if os.path.exists(flag):
        raise RuntimeError("flaky handler fails while its flag file exists")


@hookimpl(matcher="Bash", commands=["hmtest-later *"], background=True, background_key="tool_input.command")
def hookmux_post_tool_use(event: PostToolUse, ctx: HookContext) -> None:
    log, *gate = _args(event)
    ends = time.monotonic() + 30.0
    while gate and not os.path.exists(gate[0]) and time.monotonic() < ends:
        time.sleep(0.01)
    time.sleep(0.2)
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    _log(
        log, f"background {event.tool_use_id} {ctx.background} {os.getpid()} {ctx.correlation_id} {niceness}"
    )


@hookimpl(matcher="Bash", commands=["hmtest-debounce *"], specname="hookmux_post_tool_use")
def debounced(event: PostToolUse, ctx: HookContext) -> None:
    log = _args(event)[0]
    if ctx.debounce("recompute", 1.5):  # wide: each cold hookmux run takes ~0.1 s
        _log(log, f"work {event.tool_use_id} trailing={ctx.trailing_key is not None}")


@hookimpl(matcher="Bash", commands=["hmtest-dedupe *"], specname="hookmux_pre_tool_use")
def deduped(event: PreToolUse, ctx: HookContext) -> None:
    log = _args(event)[0]
    if ctx.dedupe(event.tool_use_id):
        with ctx.lock("log"):
            _log(log, f"first {event.tool_use_id} {ctx.correlation_id}")


@hookimpl(matcher="Bash", commands=["hmtest-ratelimit *"], specname="hookmux_pre_tool_use")
def limited(event: PreToolUse, ctx: HookContext) -> None:
    log = _args(event)[0]
    _log(log, "allowed" if ctx.rate_limit("calls", max_calls=2, per_seconds=60) else "limited")


@hookimpl(matcher="Bash", commands=["hmtest-observe *"], specname="hookmux_post_tool_use", observer=True)
def observer(event: PostToolUse) -> PostToolUseAnswer:
    log, *gate = _args(event)
    ends = time.monotonic() + 5.0
    while gate and not os.path.exists(gate[0]) and time.monotonic() < ends:
        time.sleep(0.01)
    _log(log, f"observed {event.tool_use_id} gate={'seen' if gate and os.path.exists(gate[0]) else 'none'}")
    return PostToolUseAnswer(additional_context="observer-context")  # ignored: observers do not answer
