"""The support matrix: which events each agent fires, and which answer fields it honours.

Generated from the adapters' own tables (``EVENTS``, ``HONOURED``) and the answer
classes, so it cannot drift from what hookmux does; the README carries its markdown
(``hookmux agents --markdown``) and a test keeps the two equal.
"""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.agents.codex import adapter as codex
from hookmux.agents.gemini import adapter as gemini
from hookmux.agents.registry import TITLES
from hookmux.protocol.answers import answer_class
from hookmux.protocol.events import AGENT_EVENTS, AGENTS, EVENT_NAMES

NO = "—"
#: Answer values an agent honours only in part: (agent, event, field) -> the values it takes.
PARTIAL: dict[tuple[str, str, str], str] = {
    ("codex", "PreToolUse", "permission"): "deny only",
    ("gemini", "PreToolUse", "permission"): "deny, ask",
}


def native_events(agent: str, event: str) -> list[str]:
    """The names under which ``agent`` fires the canonical ``event`` (empty: never)."""
    if agent == "claude":
        return [event] if event in EVENT_NAMES else []
    if agent == "codex":
        return [n for n, e in codex.EVENTS.items() if e == event]
    names = [n for n, e in gemini.EVENTS.items() if e == event]
    if event == "PostToolUseFailure":
        names = ["AfterTool (with an error)"]
    return names


def event_rows() -> list[dict[str, Any]]:
    """One row per canonical event some agent fires: its name per agent (None: never)."""
    rows = []
    for event in (*EVENT_NAMES, *AGENT_EVENTS):
        names = {agent: native_events(agent, event) for agent in AGENTS}
        if any(names.values()):
            rows.append({"event": event, **{a: ", ".join(n) or None for a, n in names.items()}})
    return rows


def _honours(agent: str, event: str, path: tuple[str, ...]) -> bool:
    if agent == "claude":
        return event in EVENT_NAMES
    table = codex.HONOURED if agent == "codex" else gemini.HONOURED
    return path in table.get(event, frozenset())


def answer_rows() -> list[dict[str, Any]]:
    """One row per answer field of the events Codex CLI or Gemini CLI fire: per agent,
    ``"yes"``, the values it takes, or None (not honoured: hookmux does not emit it)."""
    rows = []
    for row in event_rows():
        event = row["event"]
        cls = answer_class(event)
        if cls is None or not (row["codex"] or row["gemini"]):
            continue
        for field in attrs.fields(cls):
            if field.name == "terminal_sequence":
                continue  # a Claude Code feature on every event (listed once in the README)
            path = tuple(field.metadata["json"])
            cells: dict[str, str | None] = {}
            for agent in AGENTS:
                fired = row[agent] is not None
                if not fired or not _honours(agent, event, path):
                    cells[agent] = None
                else:
                    cells[agent] = PARTIAL.get((agent, event, field.name), "yes")
            rows.append({"event": event, "field": field.name, **cells})
    return rows


def markdown() -> str:
    """The two tables as markdown, for the README."""
    titles = [TITLES[a] for a in AGENTS]
    lines = [
        "| canonical event | " + " | ".join(titles) + " |",
        "|---|" + "---|" * len(AGENTS),
    ]
    for row in event_rows():
        cells = [f"`{row[a]}`" if row[a] and " " not in row[a] else (row[a] or NO) for a in AGENTS]
        lines.append(f"| {row['event']} | " + " | ".join(cells) + " |")
    lines += ["", "| event | answer field | " + " | ".join(titles) + " |", "|---|---|" + "---|" * len(AGENTS)]
    for row in answer_rows():
        cells = [row[a] or NO for a in AGENTS]
        lines.append(f"| {row['event']} | `{row['field']}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
