"""Hook files shaped like Claude Code's ``hooks`` object, as Codex CLI and Gemini CLI read them.

``{"hooks": {"<Event>": [{"matcher": ..., "hooks": [{"type": "command", ...}]}]}}``:
Codex's ``hooks.json`` and the ``hooks`` of Gemini CLI's ``settings.json``. Pure
functions over plain data: which handlers are hookmux's, what they describe, and a
handler's budget. Files are read and written with :mod:`hookmux.agents.claude.settings`
and rewired with :func:`hookmux.agents.claude.wiring.rewire` (the same shape as
Claude Code's: foreign groups and handlers kept, in order).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from hookmux.agents.claude.wiring import is_hookmux_handler

MIN_TIMEOUT = 5


@attrs.frozen
class AgentWiring:
    """The hook entries one agent needs for the installed, enabled plugins."""

    agent: str
    executable: str
    #: the agent's event name -> matcher groups, exactly as they go under ``hooks``
    events: dict[str, list[dict[str, Any]]]
    #: why an entry is broader than the plugins need, or what was left out
    notes: tuple[str, ...] = ()
    #: canonical events some enabled plugin handles for this agent
    handled: tuple[str, ...] = ()


def for_agent(handler: Mapping[str, Any], agent: str) -> bool:
    """True when the handler takes ``agent``'s events (``@hookimpl(agents=...)``)."""
    agents = handler.get("agents")
    return agents is None or agent in agents


def budget(
    handlers: Sequence[Mapping[str, Any]], handler_timeout: float, deadline: float | None, cap: float
) -> tuple[int, float]:
    """(the agent's timeout in whole seconds, hookmux's ``--deadline``): the handlers run
    one after another, so their timeouts add up (background ones do not count); the agent's
    timeout leaves hookmux 20 % (at least 2 s, at most half) to answer, within ``cap``."""
    if not deadline:
        deadline = sum(float(h["timeout"] or handler_timeout) for h in handlers if not h.get("background"))
    timeout = max(MIN_TIMEOUT, math.ceil(deadline + 2), math.ceil(deadline / 0.8))
    timeout = int(min(timeout, cap))
    margin = min(max(2.0, 0.2 * timeout), 0.5 * timeout)
    return timeout, round(timeout - margin, 1)


def hookmux_entries(document: Mapping[str, Any]) -> list[tuple[str, int, int, dict[str, Any]]]:
    """(event, group index, handler index, handler) of every hookmux handler in ``document``."""
    found = []
    hooks = document.get("hooks")
    if not isinstance(hooks, dict):
        return []
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for g, group in enumerate(groups):
            if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
                continue
            for h, handler in enumerate(group["hooks"]):
                if is_hookmux_handler(handler):
                    found.append((event, g, h, handler))
    return found


def describe(events: Mapping[str, list[dict[str, Any]]], unit: str = "s") -> list[str]:
    """One line per group, for the install summary."""
    lines = []
    for event, groups in events.items():
        for group in groups:
            handler = group["hooks"][0]
            where = f" matcher {group['matcher']}" if "matcher" in group else " (every call)"
            lines.append(f"  {event:<19}{where}  timeout {handler['timeout']} {unit}")
    return lines
