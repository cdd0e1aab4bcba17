"""What a handler may answer, one attrs class per event.

Each class can express only what its event accepts in Claude Code 2.1.330, so a
plugin cannot produce output Claude Code would reject (a stray
``hookSpecificOutput``, a wrong ``hookEventName``, a top-level
``additionalContext`` that is silently ignored). Every field carries metadata:

* ``json``: where it goes in the output object;
* ``merge``: how answers from several handlers combine (see :mod:`hookmux.protocol.merge`);
* ``cap``: the Claude Code output limit it must fit (see :mod:`hookmux.protocol.textfit`);
* ``winners_of``: only answers that agree with the merged value of that field
  contribute (a deny's reason, an allow's updated input).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hookmux.protocol.answers._base import HSO, OBSERVE_ONLY, Answer, HaltableAnswer, NoticeAnswer

if TYPE_CHECKING:
    from hookmux.protocol.answers._agent_events import AfterModelAnswer as AfterModelAnswer
    from hookmux.protocol.answers._agent_events import BeforeModelAnswer as BeforeModelAnswer
    from hookmux.protocol.answers._agent_events import (
        BeforeToolSelectionAnswer as BeforeToolSelectionAnswer,
    )
    from hookmux.protocol.answers._config_change import ConfigChangeAnswer as ConfigChangeAnswer
    from hookmux.protocol.answers._cwd_changed import CwdChangedAnswer as CwdChangedAnswer
    from hookmux.protocol.answers._elicitation import ElicitationAnswer as ElicitationAnswer
    from hookmux.protocol.answers._elicitation_result import (
        ElicitationResultAnswer as ElicitationResultAnswer,
    )
    from hookmux.protocol.answers._file_changed import FileChangedAnswer as FileChangedAnswer
    from hookmux.protocol.answers._message_display import MessageDisplayAnswer as MessageDisplayAnswer
    from hookmux.protocol.answers._notification import NotificationAnswer as NotificationAnswer
    from hookmux.protocol.answers._permission_denied import PermissionDeniedAnswer as PermissionDeniedAnswer
    from hookmux.protocol.answers._permission_request import (
        PermissionRequestAnswer as PermissionRequestAnswer,
    )
    from hookmux.protocol.answers._post_model_switch import PostModelSwitchAnswer as PostModelSwitchAnswer
    from hookmux.protocol.answers._post_tool_batch import PostToolBatchAnswer as PostToolBatchAnswer
    from hookmux.protocol.answers._post_tool_use import PostToolUseAnswer as PostToolUseAnswer
    from hookmux.protocol.answers._post_tool_use_failure import (
        PostToolUseFailureAnswer as PostToolUseFailureAnswer,
    )
    from hookmux.protocol.answers._pre_compact import PreCompactAnswer as PreCompactAnswer
    from hookmux.protocol.answers._pre_model_switch import PreModelSwitchAnswer as PreModelSwitchAnswer
    from hookmux.protocol.answers._pre_tool_use import PreToolUseAnswer as PreToolUseAnswer
    from hookmux.protocol.answers._session_start import SessionStartAnswer as SessionStartAnswer
    from hookmux.protocol.answers._setup import SetupAnswer as SetupAnswer
    from hookmux.protocol.answers._stop import StopAnswer as StopAnswer
    from hookmux.protocol.answers._stop_failure import StopFailureAnswer as StopFailureAnswer
    from hookmux.protocol.answers._subagent_start import SubagentStartAnswer as SubagentStartAnswer
    from hookmux.protocol.answers._subagent_stop import SubagentStopAnswer as SubagentStopAnswer
    from hookmux.protocol.answers._task_completed import TaskCompletedAnswer as TaskCompletedAnswer
    from hookmux.protocol.answers._task_created import TaskCreatedAnswer as TaskCreatedAnswer
    from hookmux.protocol.answers._teammate_idle import TeammateIdleAnswer as TeammateIdleAnswer
    from hookmux.protocol.answers._user_prompt_expansion import (
        UserPromptExpansionAnswer as UserPromptExpansionAnswer,
    )
    from hookmux.protocol.answers._user_prompt_submit import UserPromptSubmitAnswer as UserPromptSubmitAnswer
    from hookmux.protocol.answers._worktree_create import WorktreeCreateAnswer as WorktreeCreateAnswer

# One model per module, imported on first use: each attrs class costs about 1 ms to
# create, so an event (or a plugin) pays only for the models it touches.
_FAMILY: dict[str, str] = {
    "ConfigChangeAnswer": "_config_change",
    "CwdChangedAnswer": "_cwd_changed",
    "ElicitationAnswer": "_elicitation",
    "ElicitationResultAnswer": "_elicitation_result",
    "FileChangedAnswer": "_file_changed",
    "MessageDisplayAnswer": "_message_display",
    "NotificationAnswer": "_notification",
    "PermissionDeniedAnswer": "_permission_denied",
    "PermissionRequestAnswer": "_permission_request",
    "PostModelSwitchAnswer": "_post_model_switch",
    "PostToolBatchAnswer": "_post_tool_batch",
    "PostToolUseAnswer": "_post_tool_use",
    "PostToolUseFailureAnswer": "_post_tool_use_failure",
    "PreCompactAnswer": "_pre_compact",
    "PreModelSwitchAnswer": "_pre_model_switch",
    "PreToolUseAnswer": "_pre_tool_use",
    "SessionStartAnswer": "_session_start",
    "SetupAnswer": "_setup",
    "StopAnswer": "_stop",
    "StopFailureAnswer": "_stop_failure",
    "SubagentStartAnswer": "_subagent_start",
    "SubagentStopAnswer": "_subagent_stop",
    "TaskCompletedAnswer": "_task_completed",
    "TaskCreatedAnswer": "_task_created",
    "TeammateIdleAnswer": "_teammate_idle",
    "UserPromptExpansionAnswer": "_user_prompt_expansion",
    "UserPromptSubmitAnswer": "_user_prompt_submit",
    "WorktreeCreateAnswer": "_worktree_create",
}
#: Answers of events only Gemini CLI fires: not part of ``ANSWER_CLASSES``.
_AGENT_FAMILY: dict[str, str] = {
    "AfterModelAnswer": "_agent_events",
    "BeforeModelAnswer": "_agent_events",
    "BeforeToolSelectionAnswer": "_agent_events",
}


#: answer_class's results: asked several times for every event the daemon routes.
_answer_classes: dict[str, type[Answer] | None] = {}


def answer_class(event: str) -> type[Answer] | None:
    """The answer class of ``event``; None for events whose output Claude Code discards."""
    try:
        return _answer_classes[event]
    except KeyError:
        pass
    family = _FAMILY.get(event + "Answer") or _AGENT_FAMILY.get(event + "Answer")
    cls: type[Answer] | None = None
    if family is not None:
        cls = getattr(importlib.import_module(f"hookmux.protocol.answers.{family}"), event + "Answer")
    _answer_classes[event] = cls
    return cls


def __getattr__(name: str) -> Any:
    family = _FAMILY.get(name) or _AGENT_FAMILY.get(name)
    if family is not None:
        return getattr(importlib.import_module(f"hookmux.protocol.answers.{family}"), name)
    if name == "ANSWER_CLASSES":
        return {n.removesuffix("Answer"): answer_class(n.removesuffix("Answer")) for n in _FAMILY}
    raise AttributeError(f"module 'hookmux.protocol.answers' has no attribute {name!r}")


__all__ = [
    "HSO",
    "OBSERVE_ONLY",
    "AfterModelAnswer",
    "Answer",
    "BeforeModelAnswer",
    "BeforeToolSelectionAnswer",
    "ConfigChangeAnswer",
    "CwdChangedAnswer",
    "ElicitationAnswer",
    "ElicitationResultAnswer",
    "FileChangedAnswer",
    "HaltableAnswer",
    "MessageDisplayAnswer",
    "NoticeAnswer",
    "NotificationAnswer",
    "PermissionDeniedAnswer",
    "PermissionRequestAnswer",
    "PostModelSwitchAnswer",
    "PostToolBatchAnswer",
    "PostToolUseAnswer",
    "PostToolUseFailureAnswer",
    "PreCompactAnswer",
    "PreModelSwitchAnswer",
    "PreToolUseAnswer",
    "SessionStartAnswer",
    "SetupAnswer",
    "StopAnswer",
    "StopFailureAnswer",
    "SubagentStartAnswer",
    "SubagentStopAnswer",
    "TaskCompletedAnswer",
    "TaskCreatedAnswer",
    "TeammateIdleAnswer",
    "UserPromptExpansionAnswer",
    "UserPromptSubmitAnswer",
    "WorktreeCreateAnswer",
    "answer_class",
]
