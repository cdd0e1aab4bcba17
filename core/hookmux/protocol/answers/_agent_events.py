"""The answers of events only Gemini CLI fires (BeforeModel, AfterModel, BeforeToolSelection).

Codex's Interrupt, PreModelRequest and PostModelRequest are observe-only: Codex
ignores their output.
"""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.answers._base import (
    HSO,
    HaltableAnswer,
    NoticeAnswer,
    _answer,
    _opt_dict,
    _require_reason_when_blocking,
    block,
    block_reason,
    choice,
    path_list,
    single,
)


def _check_before_model(self: Any) -> None:
    _require_reason_when_blocking(self)
    if self.llm_response is not None and not self.block:
        raise ValueError(
            "BeforeModel answer: llm_response is used only with block=True (Gemini CLI ignores it)"
        )


@_answer("BeforeModel")
@attrs.frozen(kw_only=True)
class BeforeModelAnswer(HaltableAnswer):
    """``block`` (with a ``reason``) skips the model call; with ``llm_response`` that
    response stands in for the model's. ``llm_request`` replaces the request."""

    block: bool = block()
    reason: str | None = block_reason()
    llm_request: dict[str, Any] | None = single((HSO, "llm_request"), validator=_opt_dict)
    llm_response: dict[str, Any] | None = single((HSO, "llm_response"), validator=_opt_dict)

    __attrs_post_init__ = _check_before_model


@_answer("AfterModel")
@attrs.frozen(kw_only=True)
class AfterModelAnswer(HaltableAnswer):
    """``llm_response`` replaces the chunk the model streamed."""

    llm_response: dict[str, Any] | None = single((HSO, "llm_response"), validator=_opt_dict)


@_answer("BeforeToolSelection")
@attrs.frozen(kw_only=True)
class BeforeToolSelectionAnswer(NoticeAnswer):
    """``mode``: NONE > ANY > AUTO across handlers; ``allowed_functions`` are united."""

    mode: str | None = choice((HSO, "toolConfig", "mode"), ("NONE", "ANY", "AUTO"))
    allowed_functions: tuple[str, ...] = path_list((HSO, "toolConfig", "allowedFunctionNames"))
