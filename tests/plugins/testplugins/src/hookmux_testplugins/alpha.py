"""High priority (80): denies ``hmtest-deny``, adds context, provides a command and a config section."""

from __future__ import annotations

import attrs

from hookmux import hookimpl
from hookmux.protocol.answers import (
    PostToolUseAnswer,
    PreToolUseAnswer,
    TaskCompletedAnswer,
    UserPromptSubmitAnswer,
)
from hookmux.protocol.eventmodels import PostToolUse, PreToolUse, UserPromptSubmit
from hookmux.routing.context import HookContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    import click


@attrs.frozen
class AlphaConfig:
    greeting: str = "alpha-context"


@hookimpl
def hookmux_config_schema() -> type[AlphaConfig]:
    return AlphaConfig


@hookimpl(matcher="Bash", commands=["hmtest-deny*"], priority=80)
def hookmux_pre_tool_use(event: PreToolUse) -> PreToolUseAnswer:
    return PreToolUseAnswer(permission="deny", reason=f"alpha refuses {event.command!r}")


@hookimpl(matcher="Bash", commands=["*hmtest-context*"], priority=80)
def hookmux_post_tool_use(event: PostToolUse, ctx: HookContext) -> PostToolUseAnswer:
    return PostToolUseAnswer(additional_context=f"{ctx.config.greeting} for {event.tool_use_id}")


@hookimpl(fields={"prompt": ["hmtest-prompt"]}, priority=80)
def hookmux_user_prompt_submit(event: UserPromptSubmit, ctx: HookContext) -> UserPromptSubmitAnswer:
    return UserPromptSubmitAnswer(additional_context=ctx.config.greeting)


@hookimpl(fields={"task_subject": ["hmtest-unfinished"]})
def hookmux_task_completed() -> TaskCompletedAnswer:
    return TaskCompletedAnswer(block=True, reason="alpha: the tests for this task do not pass yet")


@hookimpl
def hookmux_register_commands(cli: click.Group) -> None:
    import click  # only the command line needs click; handlers stay light

    @cli.command("hmtest-alpha")
    @click.argument("name", default="world")
    def hmtest_alpha(name: str) -> None:
        """Say hello (a command added by a plugin)."""
        click.echo(f"alpha says hello to {name}")


@hookimpl
def hookmux_serve_start(home: str, environ: Mapping[str, str]) -> None:
    """Leave a mark the serve tests look for: the daemon started the plugins' services."""
    import json
    import os

    with open(os.path.join(home, "alpha-serve.ndjson"), "a", encoding="utf-8") as fh:
        fh.write(
            json.dumps({"hook": "start", "pid": os.getpid(), "home": environ.get("HOOKMUX_HOME")}) + "\n"
        )


@hookimpl
def hookmux_serve_stop(home: str) -> None:
    import json
    import os

    with open(os.path.join(home, "alpha-serve.ndjson"), "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"hook": "stop", "pid": os.getpid()}) + "\n")
