"""What a handler may answer, one attrs class per event.

Each class can express only what its event accepts in Claude Code 2.1.330, so a
plugin cannot produce output Claude Code would reject (a stray
``hookSpecificOutput``, a wrong ``hookEventName``, a top-level
``additionalContext`` that is silently ignored). Every field carries metadata:

* ``json``: where it goes in the output object;
* ``merge``: how answers from several handlers combine (see :mod:`hookmux.merge`);
* ``cap``: the Claude Code output limit it must fit (see :mod:`hookmux.textfit`);
* ``winners_of``: only answers that agree with the merged value of that field
  contribute (a deny's reason, an allow's updated input).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

import attrs

HSO = "hookSpecificOutput"
_opt_str = attrs.validators.optional(attrs.validators.instance_of(str))
_bool = attrs.validators.instance_of(bool)
_opt_dict = attrs.validators.optional(attrs.validators.instance_of(dict))


def _meta(json: tuple[str, ...], merge: str, **extra: Any) -> dict[str, Any]:
    return {"json": json, "merge": merge, **extra}


def text(json: tuple[str, ...], cap: str | None = None, *, winners_of: str | None = None) -> Any:
    """A string joined across handlers in priority order."""
    return attrs.field(
        default=None,
        validator=_opt_str,
        metadata=_meta(json, "join", cap=cap, winners_of=winners_of),
    )


def single(
    json: tuple[str, ...],
    *,
    winners_of: str | None = None,
    unless: tuple[str, str] | None = None,
    validator: Any = None,
) -> Any:
    """A value only one handler may set: the highest priority wins, others are reported.
    ``unless=(field, value)`` drops it when the merged ``field`` is ``value``."""
    return attrs.field(
        default=None,
        validator=validator,
        metadata=_meta(json, "first", winners_of=winners_of, unless=unless),
    )


def flag(json: tuple[str, ...], *, emit: str = "value", winners_of: str | None = None) -> Any:
    """A boolean that is true when any handler sets it."""
    return attrs.field(
        default=False,
        validator=_bool,
        metadata=_meta(json, "any", emit=emit, winners_of=winners_of),
    )


def choice(json: tuple[str, ...], ranking: tuple[str, ...]) -> Any:
    """One of ``ranking``; the earliest in ``ranking`` wins the merge."""
    return attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.in_(ranking)),
        metadata=_meta(json, "rank", ranking=ranking),
    )


def path_list(json: tuple[str, ...]) -> Any:
    """Paths united across handlers, first occurrence kept."""
    return attrs.field(
        factory=tuple,
        converter=tuple,
        validator=attrs.validators.deep_iterable(attrs.validators.instance_of(str)),
        metadata=_meta(json, "union"),
    )


def context() -> Any:
    return text((HSO, "additionalContext"), "additionalContext")


def block() -> Any:
    return flag(("decision",), emit="block")


def block_reason() -> Any:
    return text(("reason",), "reason", winners_of="block")


@attrs.frozen(kw_only=True)
class Answer:
    """Fields every event accepts.

    :ivar terminal_sequence: an OSC 0/1/2/9/99/777 notification or BEL that
        Claude Code emits on the handler's behalf (interactive sessions).
    """

    event: ClassVar[str] = ""
    #: Claude Code reads a block of this event from exit code 2 and stderr.
    exit_code_blocks: ClassVar[bool] = False

    terminal_sequence: str | None = text(("terminalSequence",))


@attrs.frozen(kw_only=True)
class NoticeAnswer(Answer):
    """Adds ``system_message``, a warning shown to the user."""

    system_message: str | None = text(("systemMessage",), "systemMessage")


@attrs.frozen(kw_only=True)
class HaltableAnswer(NoticeAnswer):
    """Adds ``halt``: stop Claude after the hooks (``continue: false``), with a
    ``stop_reason`` shown to the user. Any handler halting wins the merge."""

    halt: bool = flag(("continue",), emit="continue")
    stop_reason: str | None = text(("stopReason",), "stopReason")


def _require_reason_when_blocking(self: Any) -> None:
    if self.block and not (self.reason and self.reason.strip()):
        raise ValueError(f"{self.event} answer: block=True needs a reason Claude can act on")


def _answer(event: str, **class_vars: Any) -> Callable[[type[Any]], type[Any]]:
    def decorate(cls: type[Any]) -> type[Any]:
        cls.event = event
        for key, value in class_vars.items():
            setattr(cls, key, value)
        return cls

    return decorate


@_answer("PreToolUse")
@attrs.frozen(kw_only=True)
class PreToolUseAnswer(HaltableAnswer):
    """``permission``: deny > defer > ask > allow across handlers. ``reason`` goes
    to Claude for deny and to the user otherwise. ``updated_input`` replaces the
    whole tool input (only one handler's rewrite can apply)."""

    permission: Literal["deny", "defer", "ask", "allow"] | None = choice(
        (HSO, "permissionDecision"), ("deny", "defer", "ask", "allow")
    )
    reason: str | None = text(
        (HSO, "permissionDecisionReason"), "permissionDecisionReason", winners_of="permission"
    )
    updated_input: dict[str, Any] | None = single(
        (HSO, "updatedInput"), unless=("permission", "deny"), validator=_opt_dict
    )
    additional_context: str | None = context()


@_answer("PermissionRequest")
@attrs.frozen(kw_only=True)
class PermissionRequestAnswer(HaltableAnswer):
    """``behavior``: deny wins over allow. Allow may carry ``updated_input`` and
    ``updated_permissions``; deny may carry ``message`` and ``interrupt``."""

    behavior: Literal["deny", "allow"] | None = choice((HSO, "decision", "behavior"), ("deny", "allow"))
    updated_input: dict[str, Any] | None = single(
        (HSO, "decision", "updatedInput"), winners_of="behavior", validator=_opt_dict
    )
    updated_permissions: tuple[dict[str, Any], ...] = attrs.field(
        factory=tuple,
        converter=tuple,
        metadata=_meta((HSO, "decision", "updatedPermissions"), "concat", winners_of="behavior"),
    )
    message: str | None = text((HSO, "decision", "message"), "reason", winners_of="behavior")
    interrupt: bool = flag((HSO, "decision", "interrupt"), winners_of="behavior")

    def __attrs_post_init__(self) -> None:
        if self.behavior != "allow" and (self.updated_input is not None or self.updated_permissions):
            raise ValueError(
                "PermissionRequest answer: updated_input/updated_permissions need behavior='allow'"
            )
        if self.behavior != "deny" and (self.message is not None or self.interrupt):
            raise ValueError("PermissionRequest answer: message/interrupt need behavior='deny'")


@_answer("PermissionDenied")
@attrs.frozen(kw_only=True)
class PermissionDeniedAnswer(HaltableAnswer):
    retry: bool = flag((HSO, "retry"))


@_answer("PostToolUse")
@attrs.frozen(kw_only=True)
class PostToolUseAnswer(HaltableAnswer):
    """``block`` shows ``reason`` to Claude next to the result.
    ``updated_tool_output`` replaces the output (it must keep the tool's shape)."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
    updated_tool_output: Any = single((HSO, "updatedToolOutput"))
    updated_mcp_tool_output: Any = single((HSO, "updatedMCPToolOutput"))
    classifier_context: str | None = text((HSO, "classifierContext"), "classifierContext")


@_answer("PostToolUseFailure")
@attrs.frozen(kw_only=True)
class PostToolUseFailureAnswer(HaltableAnswer):
    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()


@_answer("PostToolBatch")
@attrs.frozen(kw_only=True)
class PostToolBatchAnswer(HaltableAnswer):
    """``block`` (or ``halt``) stops the loop before the next model call."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()


@_answer("UserPromptSubmit")
@attrs.frozen(kw_only=True)
class UserPromptSubmitAnswer(HaltableAnswer):
    """``block`` erases the prompt and shows ``reason`` to the user only."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
    session_title: str | None = single((HSO, "sessionTitle"), validator=_opt_str)
    suppress_original_prompt: bool = flag((HSO, "suppressOriginalPrompt"))


@_answer("UserPromptExpansion")
@attrs.frozen(kw_only=True)
class UserPromptExpansionAnswer(HaltableAnswer):
    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
    suppress_original_prompt: bool = flag((HSO, "suppressOriginalPrompt"))


@_answer("SessionStart")
@attrs.frozen(kw_only=True)
class SessionStartAnswer(HaltableAnswer):
    additional_context: str | None = context()
    initial_user_message: str | None = single((HSO, "initialUserMessage"), validator=_opt_str)
    session_title: str | None = single((HSO, "sessionTitle"), validator=_opt_str)
    watch_paths: tuple[str, ...] = path_list((HSO, "watchPaths"))
    reload_skills: bool = flag((HSO, "reloadSkills"))


@_answer("Setup")
@attrs.frozen(kw_only=True)
class SetupAnswer(HaltableAnswer):
    additional_context: str | None = context()


@_answer("SubagentStart")
@attrs.frozen(kw_only=True)
class SubagentStartAnswer(HaltableAnswer):
    """``additional_context`` is injected into the subagent."""

    additional_context: str | None = context()


@_answer("PostModelSwitch")
@attrs.frozen(kw_only=True)
class PostModelSwitchAnswer(HaltableAnswer):
    additional_context: str | None = context()


@_answer("PreModelSwitch")
@attrs.frozen(kw_only=True)
class PreModelSwitchAnswer(HaltableAnswer):
    permission: Literal["deny", "ask", "allow"] | None = choice(
        (HSO, "permissionDecision"), ("deny", "ask", "allow")
    )
    reason: str | None = text(
        (HSO, "permissionDecisionReason"), "permissionDecisionReason", winners_of="permission"
    )


@_answer("Stop")
@attrs.frozen(kw_only=True)
class StopAnswer(HaltableAnswer):
    """``block`` keeps Claude working and needs a ``reason`` (shown to Claude).
    Check ``event.stop_hook_active`` before blocking again, or Claude loops."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()

    __attrs_post_init__ = _require_reason_when_blocking


@_answer("SubagentStop")
@attrs.frozen(kw_only=True)
class SubagentStopAnswer(StopAnswer):
    pass


@_answer("Notification")
@attrs.frozen(kw_only=True)
class NotificationAnswer(Answer):
    """Notification discards ``systemMessage`` and ``continue``."""

    additional_context: str | None = context()


@_answer("StopFailure")
@attrs.frozen(kw_only=True)
class StopFailureAnswer(Answer):
    """StopFailure ignores everything but ``terminal_sequence``."""


@_answer("Elicitation")
@attrs.frozen(kw_only=True)
class ElicitationAnswer(NoticeAnswer):
    """``action``: cancel > decline > accept; ``content`` comes from an accept."""

    action: Literal["cancel", "decline", "accept"] | None = choice(
        (HSO, "action"), ("cancel", "decline", "accept")
    )
    content: dict[str, Any] | None = single((HSO, "content"), winners_of="action", validator=_opt_dict)


@_answer("ElicitationResult")
@attrs.frozen(kw_only=True)
class ElicitationResultAnswer(ElicitationAnswer):
    pass


@_answer("CwdChanged")
@attrs.frozen(kw_only=True)
class CwdChangedAnswer(NoticeAnswer):
    """``watch_paths`` replaces the dynamic FileChanged watch list."""

    watch_paths: tuple[str, ...] = path_list((HSO, "watchPaths"))


@_answer("FileChanged")
@attrs.frozen(kw_only=True)
class FileChangedAnswer(NoticeAnswer):
    watch_paths: tuple[str, ...] = path_list((HSO, "watchPaths"))


@_answer("WorktreeCreate")
@attrs.frozen(kw_only=True)
class WorktreeCreateAnswer(Answer):
    """The path of the worktree created. Claude Code reads it from the last
    stdout line of a command hook (not JSON) and from ``worktreePath`` over http."""

    worktree_path: str | None = single((HSO, "worktreePath"), validator=_opt_str)


@_answer("MessageDisplay")
@attrs.frozen(kw_only=True)
class MessageDisplayAnswer(Answer):
    """Display-only replacement of the streamed text; Claude keeps the original."""

    display_content: str | None = single((HSO, "displayContent"), validator=_opt_str)


@_answer("TaskCreated")
@attrs.frozen(kw_only=True)
class TaskCreatedAnswer(NoticeAnswer):
    """``block`` deletes the task (``continue: false`` is ignored for this event)."""

    block: bool = block()
    reason: str | None = block_reason()


@_answer("TaskCompleted", exit_code_blocks=True)
@attrs.frozen(kw_only=True)
class TaskCompletedAnswer(HaltableAnswer):
    """``block`` prevents completion (exit code 2, ``reason`` on stderr);
    ``halt`` stops the teammate."""

    block: bool = flag((), emit="exit2")
    reason: str | None = text((), "reason", winners_of="block")

    __attrs_post_init__ = _require_reason_when_blocking


@_answer("TeammateIdle", exit_code_blocks=True)
@attrs.frozen(kw_only=True)
class TeammateIdleAnswer(TaskCompletedAnswer):
    """``block`` keeps the teammate working (exit code 2); ``halt`` stops it."""


@_answer("ConfigChange")
@attrs.frozen(kw_only=True)
class ConfigChangeAnswer(Answer):
    """``block`` silently rejects the change (not possible for policy settings)."""

    block: bool = block()
    reason: str | None = block_reason()


@_answer("PreCompact")
@attrs.frozen(kw_only=True)
class PreCompactAnswer(NoticeAnswer):
    block: bool = block()
    reason: str | None = block_reason()


#: Events whose output Claude Code discards: their handlers observe and return None.
OBSERVE_ONLY = frozenset(
    {"PostCompact", "SessionEnd", "InstructionsLoaded", "DirectoryAdded", "WorktreeRemove"}
)

ANSWER_CLASSES: dict[str, type[Answer]] = {
    cls.event: cls
    for cls in (
        PreToolUseAnswer, PermissionRequestAnswer, PermissionDeniedAnswer, PostToolUseAnswer,
        PostToolUseFailureAnswer, PostToolBatchAnswer, UserPromptSubmitAnswer,
        UserPromptExpansionAnswer, SessionStartAnswer, SetupAnswer, SubagentStartAnswer,
        PostModelSwitchAnswer, PreModelSwitchAnswer, StopAnswer, SubagentStopAnswer,
        NotificationAnswer, StopFailureAnswer, ElicitationAnswer, ElicitationResultAnswer,
        CwdChangedAnswer, FileChangedAnswer, WorktreeCreateAnswer, MessageDisplayAnswer,
        TaskCreatedAnswer, TaskCompletedAnswer, TeammateIdleAnswer, ConfigChangeAnswer,
        PreCompactAnswer,
    )
}  # fmt: skip
