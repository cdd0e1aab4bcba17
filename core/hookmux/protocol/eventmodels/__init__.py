"""attrs models of the Claude Code 2.1.330 hook events.

Field names are Claude Code's own stdin keys. Every event keeps the payload it
was built from in ``raw``, so fields Claude Code adds later are never lost.
Collections and fields Claude Code does not always send have defaults; the
fields that identify an event (``tool_name``, ``prompt``, ``source``...) are
required and their absence is reported by name (see :mod:`hookmux.protocol.converter`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hookmux.protocol.eventmodels._base import Effort, HookEvent, JSONDict, ToolEvent, UnknownEvent

if TYPE_CHECKING:
    from hookmux.protocol.eventmodels._agent_events import AfterModel as AfterModel
    from hookmux.protocol.eventmodels._agent_events import BeforeModel as BeforeModel
    from hookmux.protocol.eventmodels._agent_events import BeforeToolSelection as BeforeToolSelection
    from hookmux.protocol.eventmodels._agent_events import Interrupt as Interrupt
    from hookmux.protocol.eventmodels._agent_events import PostModelRequest as PostModelRequest
    from hookmux.protocol.eventmodels._agent_events import PreModelRequest as PreModelRequest
    from hookmux.protocol.eventmodels._config_change import ConfigChange as ConfigChange
    from hookmux.protocol.eventmodels._cwd_changed import CwdChanged as CwdChanged
    from hookmux.protocol.eventmodels._directory_added import DirectoryAdded as DirectoryAdded
    from hookmux.protocol.eventmodels._elicitation import Elicitation as Elicitation
    from hookmux.protocol.eventmodels._elicitation_result import ElicitationResult as ElicitationResult
    from hookmux.protocol.eventmodels._file_changed import FileChanged as FileChanged
    from hookmux.protocol.eventmodels._instructions_loaded import InstructionsLoaded as InstructionsLoaded
    from hookmux.protocol.eventmodels._message_display import MessageDisplay as MessageDisplay
    from hookmux.protocol.eventmodels._notification import Notification as Notification
    from hookmux.protocol.eventmodels._permission_denied import PermissionDenied as PermissionDenied
    from hookmux.protocol.eventmodels._permission_request import PermissionRequest as PermissionRequest
    from hookmux.protocol.eventmodels._post_compact import PostCompact as PostCompact
    from hookmux.protocol.eventmodels._post_model_switch import PostModelSwitch as PostModelSwitch
    from hookmux.protocol.eventmodels._post_tool_batch import PostToolBatch as PostToolBatch
    from hookmux.protocol.eventmodels._post_tool_batch import ToolCall as ToolCall
    from hookmux.protocol.eventmodels._post_tool_use import PostToolUse as PostToolUse
    from hookmux.protocol.eventmodels._post_tool_use_failure import PostToolUseFailure as PostToolUseFailure
    from hookmux.protocol.eventmodels._pre_compact import PreCompact as PreCompact
    from hookmux.protocol.eventmodels._pre_model_switch import PreModelSwitch as PreModelSwitch
    from hookmux.protocol.eventmodels._pre_tool_use import PreToolUse as PreToolUse
    from hookmux.protocol.eventmodels._session_end import SessionEnd as SessionEnd
    from hookmux.protocol.eventmodels._session_start import SessionStart as SessionStart
    from hookmux.protocol.eventmodels._setup import Setup as Setup
    from hookmux.protocol.eventmodels._stop import Stop as Stop
    from hookmux.protocol.eventmodels._stop_failure import StopFailure as StopFailure
    from hookmux.protocol.eventmodels._subagent_start import SubagentStart as SubagentStart
    from hookmux.protocol.eventmodels._subagent_stop import SubagentStop as SubagentStop
    from hookmux.protocol.eventmodels._task_completed import TaskCompleted as TaskCompleted
    from hookmux.protocol.eventmodels._task_created import TaskCreated as TaskCreated
    from hookmux.protocol.eventmodels._teammate_idle import TeammateIdle as TeammateIdle
    from hookmux.protocol.eventmodels._user_prompt_expansion import UserPromptExpansion as UserPromptExpansion
    from hookmux.protocol.eventmodels._user_prompt_submit import UserPromptSubmit as UserPromptSubmit
    from hookmux.protocol.eventmodels._worktree_create import WorktreeCreate as WorktreeCreate
    from hookmux.protocol.eventmodels._worktree_remove import WorktreeRemove as WorktreeRemove

# One model per module, imported on first use: each attrs class costs about 1 ms to
# create, so an event (or a plugin) pays only for the models it touches.
_FAMILY: dict[str, str] = {
    "ConfigChange": "_config_change",
    "CwdChanged": "_cwd_changed",
    "DirectoryAdded": "_directory_added",
    "Elicitation": "_elicitation",
    "ElicitationResult": "_elicitation_result",
    "FileChanged": "_file_changed",
    "InstructionsLoaded": "_instructions_loaded",
    "MessageDisplay": "_message_display",
    "Notification": "_notification",
    "PermissionDenied": "_permission_denied",
    "PermissionRequest": "_permission_request",
    "PostCompact": "_post_compact",
    "PostModelSwitch": "_post_model_switch",
    "PostToolBatch": "_post_tool_batch",
    "PostToolUse": "_post_tool_use",
    "PostToolUseFailure": "_post_tool_use_failure",
    "PreCompact": "_pre_compact",
    "PreModelSwitch": "_pre_model_switch",
    "PreToolUse": "_pre_tool_use",
    "SessionEnd": "_session_end",
    "SessionStart": "_session_start",
    "Setup": "_setup",
    "Stop": "_stop",
    "StopFailure": "_stop_failure",
    "SubagentStart": "_subagent_start",
    "SubagentStop": "_subagent_stop",
    "TaskCompleted": "_task_completed",
    "TaskCreated": "_task_created",
    "TeammateIdle": "_teammate_idle",
    "ToolCall": "_post_tool_batch",
    "UserPromptExpansion": "_user_prompt_expansion",
    "UserPromptSubmit": "_user_prompt_submit",
    "WorktreeCreate": "_worktree_create",
    "WorktreeRemove": "_worktree_remove",
}
#: Events only another agent fires (Codex CLI, Gemini CLI): not part of ``EVENT_CLASSES``.
_AGENT_FAMILY: dict[str, str] = {
    "AfterModel": "_agent_events",
    "BeforeModel": "_agent_events",
    "BeforeToolSelection": "_agent_events",
    "Interrupt": "_agent_events",
    "PostModelRequest": "_agent_events",
    "PreModelRequest": "_agent_events",
}


def event_class(name: str) -> type[HookEvent]:
    """The model class of the event ``name`` (UnknownEvent when hookmux does not know it)."""
    family = _FAMILY.get(name) or _AGENT_FAMILY.get(name)
    if family is None or name == "ToolCall":
        return UnknownEvent
    cls: type[HookEvent] = getattr(importlib.import_module(f"hookmux.protocol.eventmodels.{family}"), name)
    return cls


def __getattr__(name: str) -> Any:
    family = _FAMILY.get(name) or _AGENT_FAMILY.get(name)
    if family is not None:
        return getattr(importlib.import_module(f"hookmux.protocol.eventmodels.{family}"), name)
    if name == "EVENT_CLASSES":
        return {n: event_class(n) for n in _FAMILY if n != "ToolCall"}
    if name == "AGENT_EVENT_CLASSES":
        return {n: event_class(n) for n in _AGENT_FAMILY}
    raise AttributeError(f"module 'hookmux.protocol.eventmodels' has no attribute {name!r}")


__all__ = [
    "AfterModel",
    "BeforeModel",
    "BeforeToolSelection",
    "ConfigChange",
    "CwdChanged",
    "DirectoryAdded",
    "Effort",
    "Elicitation",
    "ElicitationResult",
    "FileChanged",
    "HookEvent",
    "InstructionsLoaded",
    "Interrupt",
    "JSONDict",
    "MessageDisplay",
    "Notification",
    "PermissionDenied",
    "PermissionRequest",
    "PostCompact",
    "PostModelRequest",
    "PostModelSwitch",
    "PostToolBatch",
    "PostToolUse",
    "PostToolUseFailure",
    "PreCompact",
    "PreModelRequest",
    "PreModelSwitch",
    "PreToolUse",
    "SessionEnd",
    "SessionStart",
    "Setup",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "TaskCompleted",
    "TaskCreated",
    "TeammateIdle",
    "ToolCall",
    "ToolEvent",
    "UnknownEvent",
    "UserPromptExpansion",
    "UserPromptSubmit",
    "WorktreeCreate",
    "WorktreeRemove",
    "event_class",
]
