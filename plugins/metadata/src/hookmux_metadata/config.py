"""The ``[plugins.metadata]`` table (imported only when a handler runs)."""

from __future__ import annotations

import attrs

from hookmux.config import protection


@attrs.frozen(kw_only=True)
class Config:
    """Settings of the SpecWeave metadata.json guard.

    Set them under ``[plugins.metadata]`` in hookmux's config files, or as
    ``HOOKMUX__METADATA__<KEY>=value``.

    :ivar check_transitions: refuse status changes SpecWeave's ``VALID_TRANSITIONS``
        does not allow (the schema checks stay on either way).
    :ivar refresh_status_line: rewrite ``.specweave/state/status-line.json`` after a
        status change.
    """

    # trust (README "Trust"): turning the check off needs a trusted project file
    check_transitions: bool = attrs.field(default=True, metadata=protection(safer=lambda v, _: v is True))
    refresh_status_line: bool = True
