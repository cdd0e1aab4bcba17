"""The CwdChanged model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class CwdChanged(HookEvent):
    old_cwd: str = ""
    new_cwd: str = ""
