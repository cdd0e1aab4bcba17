"""The PreModelSwitch model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class PreModelSwitch(HookEvent):
    """Fields beyond the common ones are not documented for 2.1.330; see ``raw``."""
