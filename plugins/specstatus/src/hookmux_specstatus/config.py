"""The ``[plugins.specstatus]`` table (imported only when a handler runs)."""

from __future__ import annotations

import attrs


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


@attrs.frozen(kw_only=True)
class Config:
    """Settings of the SpecWeave status line port.

    Set them in ``~/.config/hookmux/config.toml``, ``.claude/hookmux.toml`` or
    ``.claude/hookmux.local.toml`` under ``[plugins.specstatus]``, or as
    ``HOOKMUX__SPECSTATUS__<KEY>=value``.

    :ivar debounce_seconds: at most one recompute per increment in this many
        seconds while edits keep coming, plus one trailing recompute this long
        after the last edit (SpecWeave: 5).
    :ivar burst_edits: more edits than this within ``burst_window_seconds`` is a
        burst: recomputes wait for the trailing run (SpecWeave: more than 5 in 10 s).
    :ivar burst_window_seconds: see ``burst_edits``.
    :ivar ac_sync: check the ACs in spec.md whose tasks are all complete
        (``SKIP_AC_SYNC=true`` in the environment also turns it off).
    :ivar lock_timeout: seconds to wait for the project's status line lock.
    """

    debounce_seconds: float = attrs.field(default=5.0, validator=_positive)
    burst_edits: int = 5
    burst_window_seconds: float = attrs.field(default=10.0, validator=_positive)
    ac_sync: bool = True
    lock_timeout: float = attrs.field(default=5.0, validator=_positive)
