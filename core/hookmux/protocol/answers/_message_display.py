"""The MessageDisplayAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HSO, Answer, _answer, _opt_str, single


@_answer("MessageDisplay")
@attrs.frozen(kw_only=True)
class MessageDisplayAnswer(Answer):
    """Display-only replacement of the streamed text; Claude keeps the original."""

    display_content: str | None = single((HSO, "displayContent"), validator=_opt_str)
