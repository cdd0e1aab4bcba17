"""hookmux-metadata: SpecWeave's increment metadata.json rules, enforced at Claude's Write and Edit.

* PreToolUse: a Write, Edit or MultiEdit that would leave
  ``.specweave/increments/<id>/metadata.json`` invalid (not JSON, a missing
  required field, an unknown status or type, a status change SpecWeave does not
  allow) is refused, with the reason for Claude; valid ones pass silently.
* PostToolUse: a status change is recorded with its time in
  ``.specweave/state/status-transitions.jsonl`` and the status line cache is
  refreshed, within 2 s.

The matchers name metadata.json, so a call on any other file never imports
this package.
"""

from __future__ import annotations

from hookmux import hookimpl

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hookmux.protocol.answers import PreToolUseAnswer
    from hookmux.protocol.eventmodels import PostToolUse, PreToolUse
    from hookmux.routing.context import HookContext
    from hookmux_metadata.config import Config

__version__ = "0.1.0"

#: metadata.json of an increment, in any project, at any depth (``*`` never crosses ``/``,
#: so ``increments/_archive/<id>/metadata.json`` does not match).
METADATA_PATHS = ("/**/.specweave/increments/*/metadata.json",)
TOOLS = "Edit|Write|MultiEdit"


@hookimpl
def hookmux_config_schema() -> type[Config]:
    from hookmux_metadata.config import Config

    return Config


@hookimpl(matcher=TOOLS, paths=METADATA_PATHS, priority=70)
def hookmux_pre_tool_use(event: PreToolUse, ctx: HookContext) -> PreToolUseAnswer | None:
    """Refuse a change that would leave metadata.json invalid; silent otherwise."""
    from hookmux.protocol.answers import PreToolUseAnswer
    from hookmux_metadata.check import reason_for

    reason = reason_for(event.tool_input, event.raw, ctx, ctx.config)
    return None if reason is None else PreToolUseAnswer(permission="deny", reason=reason)


@hookimpl(matcher=TOOLS, paths=METADATA_PATHS, timeout=2.0)
def hookmux_post_tool_use(event: PostToolUse, ctx: HookContext) -> None:
    """Record a status transition and refresh the status line cache (2 s budget)."""
    from hookmux_metadata.transitions import on_change

    on_change(event.raw, ctx, ctx.config)
