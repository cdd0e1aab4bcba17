"""The ElicitationAnswer model."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from hookmux.protocol.answers._base import HSO, NoticeAnswer, _answer, _opt_dict, choice, single


@_answer("Elicitation")
@attrs.frozen(kw_only=True)
class ElicitationAnswer(NoticeAnswer):
    """``action``: cancel > decline > accept; ``content`` comes from an accept."""

    action: Literal["cancel", "decline", "accept"] | None = choice(
        (HSO, "action"), ("cancel", "decline", "accept")
    )
    content: dict[str, Any] | None = single((HSO, "content"), winners_of="action", validator=_opt_dict)
