"""The agents hookmux answers, and their adapters.

Claude Code is the canonical shape: its events go to plugins as they are and need
no adapter. Every other agent has a module ``hookmux.agents.<agent>.adapter`` with:

* ``EVENTS``: the agent's event names -> the canonical event names;
* ``to_canonical(payload) -> dict``: the canonical event (``hookmux_agent`` set), or
  :class:`~hookmux.agents.adapting.AdapterError`;
* ``render(rendered, raw) -> (rendered, notes)``: the merged canonical output as the
  agent reads it, and a note for each field dropped because the agent does not
  honour it;
* ``default_timeout(event) -> float``: the agent's own timeout (seconds) for a
  canonical event whose wiring gave no ``--deadline``;
* ``HONOURED``: canonical event -> the output fields the agent honours (the
  support matrix is generated from it).
"""

from __future__ import annotations

import importlib

from hookmux.protocol.events import AGENTS, DEFAULT_AGENT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

#: Agents with an adapter (every agent but Claude Code).
ADAPTED = ("codex", "gemini")
#: Display names, for messages and the support matrix.
TITLES = {"claude": "Claude Code", "codex": "Codex CLI", "gemini": "Gemini CLI"}


def adapter(agent: str) -> ModuleType | None:
    """The adapter module of ``agent``; None for Claude Code (no adapter needed)."""
    if agent == DEFAULT_AGENT:
        return None
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}: expected one of {', '.join(AGENTS)}")
    return importlib.import_module(f"hookmux.agents.{agent}.adapter")
