"""The PermissionRequest model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import JSONDict, ToolEvent


@attrs.frozen(kw_only=True)
class PermissionRequest(ToolEvent):
    permission_suggestions: list[JSONDict] = attrs.Factory(list)
