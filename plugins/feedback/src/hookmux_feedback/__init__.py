"""hookmux-feedback: Claudarity's feedback memory as a hookmux plugin.

* **UserPromptSubmit**: a session seen for the first time gets the summary;
  otherwise the learned preferences the prompt names are added as context. An
  observer (under ``hookmux serve``, after hookmux answered) checks a short prompt
  (at most 5 words and 50 characters) for praise and loss with the original's rules
  and lists and records each hit (JSONL log, markdown memory, SQLite
  ``feedback_entries``): the answer never depends on it.
* **SessionStart**: the summary of recent wins and losses and the learned
  patterns with their confidence.
* **Stop** (in the background, after hookmux answered): the patterns of the last
  assistant message are kept for the next feedback, the confidences are
  recomputed, the logs and the transcript are backed up, the debug log rotated.
  It never answers, so it can never block a stop or loop.

The handlers live in :mod:`hookmux_feedback.handlers`, imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hookmux import hookimpl
from hookmux_feedback.config import Config

if TYPE_CHECKING:
    import click

    from hookmux.protocol.answers import SessionStartAnswer, UserPromptSubmitAnswer
    from hookmux.protocol.eventmodels import SessionStart, Stop, UserPromptSubmit
    from hookmux.routing.context import HookContext

__all__ = ["Config"]

#: Decorations, not policy: other plugins' context is kept first when space runs out.
PRIORITY = 30


@hookimpl
def hookmux_config_schema() -> type[Config]:
    return Config


@hookimpl(priority=PRIORITY)
def hookmux_user_prompt_submit(event: UserPromptSubmit, ctx: HookContext) -> UserPromptSubmitAnswer | None:
    """The summary for a session first seen here, else the relevant learned preferences, as context."""
    from hookmux_feedback.handlers import on_prompt

    return on_prompt(event, ctx)


# An observer: the answer never depends on it. Same priority, so a one-event `hookmux run`
# runs it after the handler above (ties go by function name), as the daemon does.
@hookimpl(priority=PRIORITY, specname="hookmux_user_prompt_submit", observer=True)
def record_prompt_feedback(event: UserPromptSubmit, ctx: HookContext) -> None:
    """Record praise or loss in a short prompt; under ``hookmux serve``, after the answer went out."""
    from hookmux_feedback.handlers import on_prompt_feedback

    on_prompt_feedback(event, ctx)


@hookimpl(priority=PRIORITY)
def hookmux_session_start(event: SessionStart, ctx: HookContext) -> SessionStartAnswer:
    """Open the session with the summary of recent wins and losses and learned patterns."""
    from hookmux_feedback.handlers import on_session_start

    return on_session_start(event, ctx)


@hookimpl(background=True, background_key="session_id", timeout=120)
def hookmux_stop(event: Stop, ctx: HookContext) -> None:
    """After the answer: learn from the last assistant message, back up, rotate, clean up."""
    from hookmux_feedback.handlers import on_stop

    on_stop(event, ctx)


@hookimpl
def hookmux_register_commands(cli: click.Group) -> None:
    from hookmux_feedback.commands import register

    register(cli)
