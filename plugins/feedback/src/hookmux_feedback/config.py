"""The ``[plugins.feedback]`` config table and the directories it names."""

from __future__ import annotations

import os

import attrs

from hookmux.config import destination, protection


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _not_negative(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be 0 or more, got {value}")


@attrs.frozen(kw_only=True)
class Config:
    """The ``[plugins.feedback]`` table (see the README for every key).

    :ivar data_dir: where the logs, the SQLite database and the markdown cache
        live (default: the plugin's private state directory under ``$HOOKMUX_HOME``).
    :ivar cache_dir: the ``win-*.md`` / ``loss-*.md`` memory files (default
        ``<data_dir>/cache``).
    :ivar patterns_file: a ``feedback-patterns.json`` whose lists override the
        shipped ones (default ``$XDG_CONFIG_HOME/hookmux/feedback-patterns.json``).
    :ivar retention_days: the summary's window (Claudarity's
        ``CLAUDARITY_RETENTION_DAYS``).
    :ivar backup_dir: where Stop copies the logs and the session's transcript;
        when set it must exist (an unmounted drive is skipped, as in the original).
    """

    # trust (README "Trust"): where the logs, the database and transcripts go
    data_dir: str | None = attrs.field(default=None, metadata=destination())
    cache_dir: str | None = attrs.field(default=None, metadata=destination())
    patterns_file: str | None = attrs.field(default=None, metadata=destination())
    max_words: int = attrs.field(default=5, validator=_positive)
    max_chars: int = attrs.field(default=50, validator=_positive)
    retention_days: int = attrs.field(default=7, validator=_positive)
    recent_per_kind: int = attrs.field(default=5, validator=_not_negative)
    summary_on_prompt: bool = True
    preferences_on_prompt: bool = True
    ai_summary_lines: int = attrs.field(default=6, validator=_not_negative)
    max_context_chars: int = attrs.field(default=6000, validator=_positive)
    max_context_lines: int = attrs.field(default=150, validator=_positive)
    max_patterns_shown: int = attrs.field(default=10, validator=_not_negative)
    backup: bool = True
    backup_dir: str | None = attrs.field(default=None, metadata=destination())
    redact_backups: bool = attrs.field(default=True, metadata=protection(safer=lambda v, _: v is True))
    debug_log_max_bytes: int = attrs.field(default=512_000, validator=_positive)
    debug_log_archives: int = attrs.field(default=10, validator=_not_negative)
    cache_retention_days: int = attrs.field(default=30, validator=_positive)


@attrs.frozen(kw_only=True)
class Paths:
    """Every file the plugin reads or writes, resolved once per event."""

    data_dir: str
    cache_dir: str
    patterns_file: str
    backup_dir: str
    #: True when the user named the backup directory (it must then exist already)
    backup_dir_configured: bool

    @property
    def logs_dir(self) -> str:
        return os.path.join(self.data_dir, "logs")

    @property
    def db(self) -> str:
        return os.path.join(self.data_dir, "claudarity.db")

    @property
    def lock(self) -> str:
        return os.path.join(self.data_dir, ".feedback.lock")

    @property
    def sessions_dir(self) -> str:
        return os.path.join(self.data_dir, "sessions")

    def log(self, name: str) -> str:
        return os.path.join(self.logs_dir, name)

    @property
    def wins(self) -> str:
        return self.log("session-wins.jsonl")

    @property
    def losses(self) -> str:
        return self.log("session-losses.jsonl")

    @property
    def debug_log(self) -> str:
        return self.log("debug.log")

    @property
    def archive_dir(self) -> str:
        return os.path.join(self.logs_dir, "archive")

    @property
    def patterns_out(self) -> str:
        return self.log("cross-project-patterns.jsonl")

    @property
    def preferences(self) -> str:
        return self.log("code-preferences.json")

    @property
    def template_outcomes(self) -> str:
        return os.path.join(self.data_dir, "templates", "template-outcomes.jsonl")


def _expand(path: str) -> str:
    return os.path.abspath(os.path.expanduser(os.path.expandvars(path)))


def user_config_dir() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "hookmux")


def resolve_paths(config: Config | None, state_dir: str) -> Paths:
    """The directories ``config`` names, with the defaults filled in."""
    config = config or Config()
    data = _expand(config.data_dir) if config.data_dir else state_dir
    return Paths(
        data_dir=data,
        cache_dir=_expand(config.cache_dir) if config.cache_dir else os.path.join(data, "cache"),
        patterns_file=(
            _expand(config.patterns_file)
            if config.patterns_file
            else os.path.join(user_config_dir(), "feedback-patterns.json")
        ),
        backup_dir=_expand(config.backup_dir) if config.backup_dir else os.path.join(data, "backups"),
        backup_dir_configured=bool(config.backup_dir),
    )
