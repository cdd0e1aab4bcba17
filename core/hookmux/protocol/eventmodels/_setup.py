"""The Setup model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class Setup(HookEvent):
    trigger: str
