"""The FileChanged model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class FileChanged(HookEvent):
    file_path: str
    event: str = ""
