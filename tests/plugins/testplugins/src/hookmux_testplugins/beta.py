"""Low priority (20): context after alpha's, and a rewrite of ``hmtest-rewrite`` commands."""

from __future__ import annotations

from hookmux import hookimpl
from hookmux.protocol.answers import PostToolUseAnswer, PreToolUseAnswer
from hookmux.protocol.eventmodels import PostToolUse, PreToolUse


@hookimpl(matcher="Bash", commands=["*hmtest-context*"], priority=20)
def hookmux_post_tool_use(event: PostToolUse) -> PostToolUseAnswer:
    return PostToolUseAnswer(additional_context=f"beta-context for {event.tool_use_id}")


@hookimpl(matcher="Bash", commands=["hmtest-rewrite*"], priority=20)
def hookmux_pre_tool_use(event: PreToolUse) -> PreToolUseAnswer:
    return PreToolUseAnswer(
        permission="allow", updated_input={**event.tool_input, "command": "echo rewritten-by-beta"}
    )
