"""The SessionStart notice that the installed plugins no longer match the wiring.

``hookmux install`` writes ``--wiring=<digest>`` (a digest of the plugins'
routing, :func:`hookmux.routing.digest.routing_digest`) into every handler; discovery
stores the digest of the plugins installed now in the manifest. On SessionStart,
:mod:`hookmux.entry.route` compares the two strings, and only when they differ
imports this module, which adds one built-in handler answering a
``systemMessage``. It runs through the normal dispatch, so the notice merges with
the plugins' own SessionStart answers. ``[plugins.hookmux-wiring] enabled = false``
silences it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hookmux import hookimpl
from hookmux.protocol.answers import SessionStartAnswer
from hookmux.routing.context import HookContext

PLUGIN = "hookmux-wiring"
NOTICE = (
    "hookmux: the installed plugins changed since `hookmux install` wired Claude Code; "
    "run `hookmux install` again (with the same --scope) so each plugin gets the events it "
    "needs, then restart the session."
)
#: The same notice for the other agents whose wiring carries the digest (Gemini CLI shows a
#: SessionStart systemMessage; Codex does not, and its hooks carry no digest).
AGENT_NOTICE = (
    "hookmux: the installed plugins changed since `hookmux install --agent {agent}` wired {title}; "
    "run it again (with the same --scope) so each plugin gets the events it needs, then restart "
    "the session."
)
_TITLES = {"gemini": "Gemini CLI", "codex": "Codex CLI"}


def notice_for(agent: str) -> str:
    """The notice's text for the agent that sent the SessionStart."""
    if agent in _TITLES:
        return AGENT_NOTICE.format(agent=agent, title=_TITLES[agent])
    return NOTICE


HANDLER: dict[str, Any] = {
    "plugin": PLUGIN,
    "function": "hookmux_session_start",
    "hook": "hookmux_session_start",
    "event": "SessionStart",
    "priority": 1_000_000,  # first, and never the text cut to fit
    "matcher": ("all", None),
    "paths": None,
    "commands": None,
    "fields": None,
    "timeout": 2.0,
    "fail_closed": False,
}


class _Notice:
    """The built-in plugin object (registered with pluggy like any plugin)."""

    @staticmethod
    @hookimpl
    def hookmux_session_start(ctx: HookContext) -> SessionStartAnswer:
        return SessionStartAnswer(system_message=notice_for(ctx.agent))


def with_notice(
    handlers: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any]
) -> tuple[list[Mapping[str, Any]], Callable[[str], Any]]:
    """``handlers`` with the notice first, and a resolver that knows the notice plugin."""
    plugins = manifest.get("plugins", {})

    def resolve(name: str) -> Any:
        if name == PLUGIN:
            return _Notice()
        from hookmux.routing.discovery import load_target

        return load_target(plugins[name]["target"])

    return [HANDLER, *handlers], resolve
