"""The UserPromptExpansionAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HSO, HaltableAnswer, _answer, block, block_reason, context, flag


@_answer("UserPromptExpansion")
@attrs.frozen(kw_only=True)
class UserPromptExpansionAnswer(HaltableAnswer):
    block: bool = block()
    reason: str | None = block_reason()
    additional_context: str | None = context()
    suppress_original_prompt: bool = flag((HSO, "suppressOriginalPrompt"))
