"""attrs models of the Claude Code 2.1.330 hook events.

Field names are Claude Code's own stdin keys. Every event keeps the payload it
was built from in ``raw``, so fields Claude Code adds later are never lost.
Collections and fields Claude Code does not always send have defaults; the
fields that identify an event (``tool_name``, ``prompt``, ``source``...) are
required and their absence is reported by name (see :mod:`hookmux.converter`).
"""

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
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


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


@attrs.frozen(kw_only=True)
class PreToolUse(ToolEvent):
    tool_use_id: str = ""


@attrs.frozen(kw_only=True)
class PostToolUse(ToolEvent):
    tool_use_id: str = ""
    tool_response: Any = None
    duration_ms: float | None = None


@attrs.frozen(kw_only=True)
class PostToolUseFailure(ToolEvent):
    tool_use_id: str = ""
    error: str = ""
    is_interrupt: bool = False
    duration_ms: float | None = None


@attrs.frozen(kw_only=True)
class PermissionRequest(ToolEvent):
    permission_suggestions: list[JSONDict] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class PermissionDenied(ToolEvent):
    tool_use_id: str = ""
    reason: str = ""


@attrs.frozen(kw_only=True)
class ToolCall:
    tool_name: str
    tool_input: JSONDict
    tool_use_id: str = ""
    tool_response: Any = None


@attrs.frozen(kw_only=True)
class PostToolBatch(HookEvent):
    tool_calls: list[ToolCall]


@attrs.frozen(kw_only=True)
class UserPromptSubmit(HookEvent):
    prompt: str
    session_title: str | None = None


@attrs.frozen(kw_only=True)
class UserPromptExpansion(HookEvent):
    prompt: str = ""
    expansion_type: str = ""
    command_name: str = ""
    command_args: str = ""
    command_source: str = ""


@attrs.frozen(kw_only=True)
class Notification(HookEvent):
    message: str
    notification_type: str = ""
    title: str | None = None


@attrs.frozen(kw_only=True)
class Stop(HookEvent):
    stop_hook_active: bool = False
    last_assistant_message: str = ""
    background_tasks: list[JSONDict] = attrs.Factory(list)
    session_crons: list[JSONDict] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class SubagentStop(Stop):
    agent_id: str | None = None
    agent_type: str | None = None
    agent_transcript_path: str = ""


@attrs.frozen(kw_only=True)
class StopFailure(HookEvent):
    error: str
    error_details: Any = None
    last_assistant_message: str | None = None


@attrs.frozen(kw_only=True)
class SubagentStart(HookEvent):
    agent_id: str | None = None
    agent_type: str | None = None


@attrs.frozen(kw_only=True)
class SessionStart(HookEvent):
    source: str
    model: Any = None
    session_title: str | None = None


@attrs.frozen(kw_only=True)
class SessionEnd(HookEvent):
    reason: str


@attrs.frozen(kw_only=True)
class Setup(HookEvent):
    trigger: str


@attrs.frozen(kw_only=True)
class PreCompact(HookEvent):
    trigger: str
    custom_instructions: str = ""


@attrs.frozen(kw_only=True)
class PostCompact(HookEvent):
    trigger: str
    compact_summary: str = ""


@attrs.frozen(kw_only=True)
class PreModelSwitch(HookEvent):
    """Fields beyond the common ones are not documented for 2.1.330; see ``raw``."""


@attrs.frozen(kw_only=True)
class PostModelSwitch(HookEvent):
    """Fields beyond the common ones are not documented for 2.1.330; see ``raw``."""


@attrs.frozen(kw_only=True)
class Elicitation(HookEvent):
    mcp_server_name: str
    message: str = ""
    mode: str | None = None
    url: str | None = None
    elicitation_id: str | None = None
    requested_schema: JSONDict | None = None


@attrs.frozen(kw_only=True)
class ElicitationResult(HookEvent):
    mcp_server_name: str
    action: str = ""
    mode: str | None = None
    elicitation_id: str | None = None
    content: JSONDict | None = None


@attrs.frozen(kw_only=True)
class CwdChanged(HookEvent):
    old_cwd: str = ""
    new_cwd: str = ""


@attrs.frozen(kw_only=True)
class FileChanged(HookEvent):
    file_path: str
    event: str = ""


@attrs.frozen(kw_only=True)
class DirectoryAdded(HookEvent):
    directory: str
    source: str = ""


@attrs.frozen(kw_only=True)
class ConfigChange(HookEvent):
    source: str
    file_path: str | None = None


@attrs.frozen(kw_only=True)
class InstructionsLoaded(HookEvent):
    file_path: str
    memory_type: str = ""
    load_reason: str = ""
    globs: list[str] | None = None
    trigger_file_path: str | None = None
    parent_file_path: str | None = None


@attrs.frozen(kw_only=True)
class MessageDisplay(HookEvent):
    delta: str
    turn_id: str | None = None
    message_id: str | None = None
    index: int | None = None
    final: bool | None = None


@attrs.frozen(kw_only=True)
class TaskCreated(HookEvent):
    task_id: str
    task_subject: str = ""
    task_description: str | None = None
    teammate_name: str | None = None
    team_name: str | None = None


@attrs.frozen(kw_only=True)
class TaskCompleted(TaskCreated):
    pass


@attrs.frozen(kw_only=True)
class TeammateIdle(HookEvent):
    teammate_name: str
    team_name: str | None = None


@attrs.frozen(kw_only=True)
class WorktreeCreate(HookEvent):
    name: str


@attrs.frozen(kw_only=True)
class WorktreeRemove(HookEvent):
    worktree_path: str


EVENT_CLASSES: dict[str, type[HookEvent]] = {
    cls.__name__: cls
    for cls in (
        PreToolUse, PostToolUse, PostToolUseFailure, PostToolBatch, UserPromptSubmit,
        UserPromptExpansion, Notification, Stop, StopFailure, SubagentStart, SubagentStop,
        SessionStart, SessionEnd, Setup, PreCompact, PostCompact, PermissionRequest,
        PermissionDenied, PreModelSwitch, PostModelSwitch, Elicitation, ElicitationResult,
        CwdChanged, FileChanged, DirectoryAdded, ConfigChange, InstructionsLoaded,
        MessageDisplay, TaskCreated, TaskCompleted, TeammateIdle, WorktreeCreate, WorktreeRemove,
    )
}  # fmt: skip
