"""The NotificationAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import Answer, _answer, context


@_answer("Notification")
@attrs.frozen(kw_only=True)
class NotificationAnswer(Answer):
    """Notification discards ``systemMessage`` and ``continue``."""

    additional_context: str | None = context()
