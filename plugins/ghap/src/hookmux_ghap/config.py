"""The ``[plugins.ghap]`` table, and the settings in effect once the original's
``CLAMS_*`` variables are applied."""

from __future__ import annotations

import os
from typing import Any, Literal

import attrs

from hookmux.config import destination

DEFAULT_JOURNAL = os.path.join(".claude", "journal")
DEFAULT_FREQUENCY = 10
JOURNAL_ENV = "CLAMS_JOURNAL_PATH"
FREQUENCY_ENV = "CLAMS_GHAP_CHECK_FREQUENCY"


def _positive(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"{attribute.name} must be greater than 0, got {value!r}")


def _not_negative(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be 0 or more, got {value!r}")


@attrs.frozen(kw_only=True)
class Config:
    """``[plugins.ghap]`` in hookmux's config files, or ``HOOKMUX__GHAP__<KEY>``.

    :ivar journal_path: the journal directory, relative to the project (default
        ``.claude/journal``). ``CLAMS_JOURNAL_PATH``, when set, wins, as the
        environment won over config.yaml in the original.
    :ivar check_frequency: tool calls between check-ins while a GHAP is active
        (default 10). ``CLAMS_GHAP_CHECK_FREQUENCY``, when set, wins.
    :ivar values_store: ``"embedded"`` (``values.jsonl`` in the journal),
        ``"qdrant"`` (the ``values`` collection over HTTP) or ``"off"``.
    :ivar qdrant_url: Qdrant's REST endpoint.
    :ivar qdrant_api_key: sent as the ``api-key`` header when set.
    :ivar qdrant_timeout: seconds per connect/read before Qdrant counts as down.
    :ivar session_values: values injected at session start (the original's 5).
    :ivar prompt_values: values injected with each prompt (the original's 10).
    :ivar lock_timeout: seconds to wait for the journal lock.
    """

    # trust (README "Trust"): where the journal is written and where its text is sent
    journal_path: str | None = attrs.field(default=None, metadata=destination())
    check_frequency: int | None = attrs.field(default=None, validator=_positive)
    # "embedded" and "off" keep the values in the journal: only "qdrant" needs trust
    values_store: Literal["embedded", "qdrant", "off"] = attrs.field(
        default="embedded", metadata=destination(safer=lambda v, _: v in ("embedded", "off"))
    )
    qdrant_url: str = attrs.field(default="http://localhost:6333", metadata=destination())
    qdrant_api_key: str | None = None
    qdrant_timeout: float = attrs.field(default=1.0, validator=_positive)
    session_values: int = attrs.field(default=5, validator=_not_negative)
    prompt_values: int = attrs.field(default=10, validator=_not_negative)
    lock_timeout: float = attrs.field(default=5.0, validator=_positive)


class Settings:
    """What the hooks and commands use: the config with the ``CLAMS_*`` variables
    applied and the journal resolved against the project."""

    __slots__ = ("config", "frequency", "journal_dir", "project_dir", "warnings")

    def __init__(self, config: Config, project_dir: str, journal_dir: str, frequency: int) -> None:
        self.config = config
        self.project_dir = project_dir
        self.journal_dir = journal_dir
        self.frequency = frequency
        self.warnings: list[str] = []


def resolve(config: Config | None, project_dir: str, environ: Any = os.environ) -> Settings:
    config = config if config is not None else Config()
    warnings = []
    journal = environ.get(JOURNAL_ENV) or config.journal_path or DEFAULT_JOURNAL
    journal = os.path.expanduser(journal)
    if not os.path.isabs(journal):
        journal = os.path.join(project_dir, journal)
    frequency = config.check_frequency or DEFAULT_FREQUENCY
    raw = environ.get(FREQUENCY_ENV)
    if raw:
        try:
            value = int(raw.strip())
        except ValueError:
            value = 0
        if value > 0:
            frequency = value
        else:
            warnings.append(f"{FREQUENCY_ENV}={raw!r} is not a positive integer; using {frequency}")
    settings = Settings(config, project_dir, os.path.normpath(journal), frequency)
    settings.warnings.extend(warnings)
    return settings
