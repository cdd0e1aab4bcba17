"""The PermissionDenied model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import ToolEvent


@attrs.frozen(kw_only=True)
class PermissionDenied(ToolEvent):
    tool_use_id: str = ""
    reason: str = ""
