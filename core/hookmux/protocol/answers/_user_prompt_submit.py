"""The UserPromptSubmitAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import (
    HSO,
    HaltableAnswer,
    _answer,
    _opt_str,
    block,
    block_reason,
    context,
    flag,
    single,
)


@_answer("UserPromptSubmit")
@attrs.frozen(kw_only=True)
class UserPromptSubmitAnswer(HaltableAnswer):
    """``block`` erases the prompt and shows ``reason`` to the user only."""

    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
    session_title: str | None = single((HSO, "sessionTitle"), validator=_opt_str)
    suppress_original_prompt: bool = flag((HSO, "suppressOriginalPrompt"))
