"""The classes and field helpers every answer model builds on (see :mod:`hookmux.protocol.answers`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

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


#: Events whose output Claude Code discards: their handlers observe and return None.
OBSERVE_ONLY = frozenset(
    {"PostCompact", "SessionEnd", "InstructionsLoaded", "DirectoryAdded", "WorktreeRemove"}
)
#: Agent-specific events whose output the agent discards (Codex ignores these answers).
AGENT_OBSERVE_ONLY = frozenset({"Interrupt", "PreModelRequest", "PostModelRequest"})
