"""hookmux-ghap: the GHAP journal, check-ins and test outcome capture for Claude Code.

GHAP is a working method for debugging: the agent records a Goal, a Hypothesis,
an Action and a Prediction, and resolves the entry (confirmed, falsified,
abandoned) once the outcome is known. A port of CLAMS' hooks (SPEC-008, "direct
file access"): the journal is a directory of plain files in the project, read
and written directly; no server, no embeddings.

* SessionStart: report a GHAP orphaned by an earlier session, start the new
  session, reset the tool count, inject the GHAP instructions and the top values.
* PreToolUse (every tool): count the call; every ``check_frequency`` calls while
  a GHAP is active, a check-in showing it reaches the model (Gemini CLI takes context
  only after a tool: there it comes with the call's result).
* PostToolUse / PostToolUseFailure (Bash tests and builds): the outcome, and with
  a GHAP active, the request to resolve it.
* UserPromptSubmit: the learned values.
* ``hookmux ghap ...``: manage entries and values from a shell.

hookmux imports this module only for events its matchers accept; the handlers
import the rest on demand.
"""

from __future__ import annotations

from hookmux import hookimpl
from hookmux_ghap.config import Config
from hookmux_ghap.matchers import COMMAND_GLOBS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import click

    from hookmux.protocol.answers import (
        PostToolUseAnswer,
        PostToolUseFailureAnswer,
        PreToolUseAnswer,
        SessionStartAnswer,
        UserPromptSubmitAnswer,
    )
    from hookmux.protocol.eventmodels import (
        PostToolUse,
        PostToolUseFailure,
        PreToolUse,
        SessionStart,
        UserPromptSubmit,
    )
    from hookmux.routing.context import HookContext

__all__ = ["Config"]


@hookimpl
def hookmux_config_schema() -> type[Config]:
    return Config


@hookimpl
def hookmux_session_start(event: SessionStart, ctx: HookContext) -> SessionStartAnswer:
    """Every source (startup, resume, clear, compact), as the original's hook."""
    from hookmux_ghap import hooks

    return hooks.session_start(event, ctx)


@hookimpl
def hookmux_pre_tool_use(event: PreToolUse, ctx: HookContext) -> PreToolUseAnswer | None:
    """Every tool call counts."""
    from hookmux_ghap import hooks

    return hooks.pre_tool_use(event, ctx)


@hookimpl(matcher="Bash", commands=COMMAND_GLOBS)
def hookmux_post_tool_use(event: PostToolUse, ctx: HookContext) -> PostToolUseAnswer | None:
    """A test or build command that exited 0."""
    from hookmux_ghap import hooks

    return hooks.post_tool_use(event, ctx)


@hookimpl(matcher="Bash", commands=COMMAND_GLOBS)
def hookmux_post_tool_use_failure(
    event: PostToolUseFailure, ctx: HookContext
) -> PostToolUseFailureAnswer | None:
    """A test or build command that failed (Claude Code reports non-zero exits here)."""
    from hookmux_ghap import hooks

    return hooks.post_tool_use_failure(event, ctx)


@hookimpl(agents=["gemini"], specname="hookmux_post_tool_use")
def check_in_after_tool(event: PostToolUse, ctx: HookContext) -> PostToolUseAnswer | None:
    """Gemini CLI: the check-in the call made due, with its result (AfterTool takes context)."""
    from hookmux_ghap import hooks

    text = hooks.check_in_after_tool(event, ctx)
    if text is None:
        return None
    from hookmux.protocol.answers import PostToolUseAnswer

    return PostToolUseAnswer(additional_context=text)


@hookimpl(agents=["gemini"], specname="hookmux_post_tool_use_failure")
def check_in_after_failed_tool(
    event: PostToolUseFailure, ctx: HookContext
) -> PostToolUseFailureAnswer | None:
    """Gemini CLI: as :func:`check_in_after_tool`, for a call that failed."""
    from hookmux_ghap import hooks

    text = hooks.check_in_after_tool(event, ctx)
    if text is None:
        return None
    from hookmux.protocol.answers import PostToolUseFailureAnswer

    return PostToolUseFailureAnswer(additional_context=text)


@hookimpl
def hookmux_user_prompt_submit(event: UserPromptSubmit, ctx: HookContext) -> UserPromptSubmitAnswer | None:
    from hookmux_ghap import hooks

    return hooks.user_prompt_submit(event, ctx)


@hookimpl
def hookmux_register_commands(cli: click.Group) -> None:
    from hookmux_ghap.commands import register

    register(cli)
