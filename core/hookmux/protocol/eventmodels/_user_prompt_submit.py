"""The UserPromptSubmit model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class UserPromptSubmit(HookEvent):
    prompt: str
    session_title: str | None = None
