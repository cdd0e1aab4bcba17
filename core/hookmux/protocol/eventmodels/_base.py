"""The classes every event model builds on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

JSONDict = dict[str, Any]


@attrs.frozen(kw_only=True)
class Effort:
    level: str


@attrs.frozen(kw_only=True)
class HookEvent:
    """Fields common to every event."""

    hook_event_name: str
    session_id: str
    cwd: str
    transcript_path: str = ""
    prompt_id: str | None = None
    permission_mode: str | None = None
    effort: Effort | None = None
    agent_id: str | None = None
    agent_type: str | None = None
    #: the coding agent that sent the event; set by hookmux's adapter (absent: Claude Code)
    hookmux_agent: str = "claude"
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def agent(self) -> str:
        """The coding agent that sent the event: ``claude``, ``codex`` or ``gemini``."""
        return self.hookmux_agent


@attrs.frozen(kw_only=True)
class UnknownEvent(HookEvent):
    """An event this hookmux does not know; only ``raw`` carries its fields."""


@attrs.frozen(kw_only=True)
class ToolEvent(HookEvent):
    """A single tool call (PreToolUse, PostToolUse, PermissionRequest, ...)."""

    tool_name: str
    tool_input: JSONDict

    @property
    def file_path(self) -> str | None:
        """``tool_input.file_path`` (or ``notebook_path``/``path``), as sent."""
        for key in ("file_path", "notebook_path", "path"):
            value = self.tool_input.get(key)
            if isinstance(value, str):
                return value
        return None

    @property
    def command(self) -> str | None:
        """The shell command of a Bash or PowerShell call."""
        value = self.tool_input.get("command")
        return value if isinstance(value, str) else None
