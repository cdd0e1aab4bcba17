"""hookmux-specstatus: SpecWeave's status line, kept up to date from Claude Code's own hook input.

When Claude edits ``.specweave/increments/<id>/spec.md`` or ``tasks.md`` (Edit,
Write or MultiEdit), a background handler syncs the increment's AC checkboxes
and rewrites ``.specweave/state/status-line.json``; ``hookmux statusline`` (the
``statusLine`` command ``hookmux install`` writes) renders SpecWeave's line
from that cache.

This module is imported by ``hookmux statusline`` on every status line refresh
(the renderer lives in :mod:`hookmux_specstatus.statusline`): keep it free of
imports beyond ``hookmux.hookimpl``.
"""

from __future__ import annotations

from hookmux import hookimpl

TYPE_CHECKING = False
if TYPE_CHECKING:
    import click

    from hookmux.protocol.eventmodels import PostToolUse
    from hookmux.routing.context import HookContext
    from hookmux_specstatus.config import Config

__version__ = "0.1.0"

#: ``hookmux install`` writes ``statusLine: <hookmux> statusline``; the core calls the renderer
#: below without loading click, pluggy or attrs.
HOOKMUX_STATUSLINE = ["statusline"]
HOOKMUX_STATUSLINE_MAIN = "hookmux_specstatus.statusline:main"

#: Increment files the status line depends on (absolute globs: any project, any depth;
#: ``*`` never crosses ``/``, so ``increments/_archive/<id>/...`` does not match).
WATCHED = ("/**/.specweave/increments/*/spec.md", "/**/.specweave/increments/*/tasks.md")


@hookimpl
def hookmux_config_schema() -> type[Config]:
    from hookmux_specstatus.config import Config

    return Config


@hookimpl(
    matcher="Edit|Write|MultiEdit",
    paths=WATCHED,
    background=True,
    background_key="tool_input.file_path",
)
def hookmux_post_tool_use(event: PostToolUse, ctx: HookContext) -> None:
    """Recompute the status line cache after Claude changed spec.md or tasks.md (detached)."""
    from hookmux_specstatus.update import on_edit

    on_edit(event.raw, ctx, ctx.config)


@hookimpl
def hookmux_register_commands(cli: click.Group) -> None:
    from hookmux_specstatus.commands import register

    register(cli)
