"""A plugin's structured config is reused across events only when it cannot change."""

from __future__ import annotations

import attrs

from hookmux.config import Settings


@attrs.frozen
class Frozen:
    limit: int = 1


@attrs.define
class Mutable:
    limit: int = 1


def test_a_frozen_config_is_structured_once_per_settings() -> None:
    settings = Settings(plugin_tables={"p": {"limit": 5}})
    first, errors = settings.plugin_config("p", Frozen)
    assert (first, errors) == (Frozen(5), [])
    assert settings.plugin_config("p", Frozen)[0] is first


def test_a_mutable_config_is_structured_for_every_event() -> None:
    """A handler that changes its config object must not change the next event's."""
    settings = Settings(plugin_tables={"p": {"limit": 5}})
    first, _ = settings.plugin_config("p", Mutable)
    first.limit = 99
    again, _ = settings.plugin_config("p", Mutable)
    assert again is not first and again.limit == 5


def test_invalid_config_errors_every_time() -> None:
    settings = Settings(plugin_tables={"p": {"limit": "many"}})
    for _ in range(2):
        config, errors = settings.plugin_config("p", Frozen)
        assert config is None and errors and "limit" in errors[0]


def test_settings_with_the_same_tables_are_equal_whatever_they_cached() -> None:
    a, b = Settings(plugin_tables={"p": {}}), Settings(plugin_tables={"p": {}})
    a.plugin_config("p", Frozen)
    assert a == b
