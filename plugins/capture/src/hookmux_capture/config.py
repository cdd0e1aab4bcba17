"""The ``[plugins.capture]`` table and where captures live."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from hookmux.config import destination, protection


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


@attrs.frozen(kw_only=True)
class Config:
    """The ``[plugins.capture]`` table (``HOOKMUX__CAPTURE__<KEY>=value`` in the environment).

    :ivar directory: where captures go; relative paths are relative to
        ``$HOOKMUX_HOME``. Default ``$HOOKMUX_HOME/capture``.
    :ivar store_payload: write the (redacted, capped) payload in each line;
        false keeps only the ids, names and sizes.
    :ivar run_id: the run ID of new captures (a CI job id, say); default a fresh
        random ID per capture.
    :ivar exclude_events: events not written (hookmux still starts for them:
        matchers are static).
    :ivar after_bundle: what bundling does with the capture: ``delete`` it (the
        seed's policy) or ``keep`` it until it is stale.
    :ivar stale_hours: a capture with no new event for this long is bundled (if
        it was not) and deleted by ``hookmux capture clean``.
    :ivar auto_bundle: bundle a session's capture in a background worker when the
        session ends.
    :ivar auto_clean: run ``clean`` in a background worker at session start, at
        most once an hour.
    :ivar ring_size: lines kept in the fallback ring when the capture directory
        cannot be written; the oldest are dropped beyond it.
    :ivar ring_max_bytes: bytes kept in the fallback ring.
    :ivar fallback_directory: where the fallback ring lives; default
        ``$XDG_RUNTIME_DIR/hookmux-capture``, else ``$TMPDIR/hookmux-capture-<uid>``.
    """

    # trust (README "Trust"): where every payload goes, and how much of it
    directory: str | None = attrs.field(default=None, metadata=destination())
    store_payload: bool = attrs.field(default=True, metadata=protection(safer=lambda v, _: v is False))
    run_id: str | None = None
    exclude_events: tuple[str, ...] = attrs.field(default=(), metadata=protection())
    after_bundle: Literal["delete", "keep"] = "delete"
    stale_hours: float = attrs.field(default=24.0, validator=_positive)
    auto_bundle: bool = True
    auto_clean: bool = True
    ring_size: int = attrs.field(default=1000, validator=_positive)
    ring_max_bytes: int = attrs.field(default=8 * 1024 * 1024, validator=_positive)
    fallback_directory: str | None = attrs.field(default=None, metadata=destination())


DEFAULT = Config()


def capture_dir(home: str, config: Config) -> str:
    if not config.directory:
        return os.path.join(home, "capture")
    return os.path.join(home, os.path.expanduser(config.directory))


def fallback_dir(config: Config, environ: Mapping[str, str] = os.environ) -> str:
    """Where the fallback ring lives, from ``environ`` (the caller's, under ``hookmux serve``)."""
    if config.fallback_directory:
        return os.path.abspath(os.path.expanduser(config.fallback_directory))
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "hookmux-capture")
    tmp = environ.get("TMPDIR") or "/tmp"  # noqa: S108 - private per-user dir, ownership checked
    return os.path.join(tmp, f"hookmux-capture-{os.geteuid()}")
