"""Misbehaving handlers: one raises, one hangs, one returns the wrong type."""

from __future__ import annotations

import time

from hookmux import hookimpl
from hookmux.protocol.answers import PostToolUseAnswer, PreToolUseAnswer


@hookimpl(matcher="Bash", commands=["hmtest-crash*"], priority=60)
def hookmux_pre_tool_use() -> PreToolUseAnswer:
    raise RuntimeError("faulty handler exploded")


@hookimpl(
    matcher="Bash", commands=["hmtest-hang*"], priority=60, timeout=0.5, specname="hookmux_pre_tool_use"
)
def hang_before_tool() -> PreToolUseAnswer:
    time.sleep(60)
    return PreToolUseAnswer(permission="allow")


@hookimpl(matcher="Bash", commands=["hmtest-garbage*"], priority=60, specname="hookmux_pre_tool_use")
def return_garbage() -> PostToolUseAnswer:
    return PostToolUseAnswer(additional_context="wrong event")


@hookimpl
def hookmux_serve_start() -> None:
    raise RuntimeError("faulty has no service to offer")
