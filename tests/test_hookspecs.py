"""The hookspecs are the plugin API: each is documented, and each event one is tested."""

from __future__ import annotations

import inspect
from pathlib import Path

from hookmux import hookspecs
from hookmux.protocol.events import EVENT_NAMES, HOOKSPEC_TO_EVENT, hookspec_name
from hookmux.routing.plugins import make_plugin_manager


def spec_names() -> list[str]:
    return sorted(name for name in dir(hookspecs) if name.startswith("hookmux_"))


def test_one_hookspec_per_event_plus_services() -> None:
    names = set(spec_names())
    assert {hookspec_name(e) for e in EVENT_NAMES} <= names
    assert names - set(HOOKSPEC_TO_EVENT) == {
        "hookmux_register_commands",
        "hookmux_config_schema",
        "hookmux_status",
        "hookmux_serve_start",
        "hookmux_serve_stop",
    }
    pm = make_plugin_manager()
    assert all(getattr(pm.hook, name).spec is not None for name in names)


def test_every_hookspec_is_documented() -> None:
    for name in spec_names():
        doc = inspect.getdoc(getattr(hookspecs, name))
        assert doc and len(doc) > 60, f"{name} needs a docstring saying when it is called and what it returns"
        if name in HOOKSPEC_TO_EVENT:
            params = list(inspect.signature(getattr(hookspecs, name)).parameters)
            assert params == ["event", "ctx"], name


def test_every_hookspec_is_tested() -> None:
    tests = "\n".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    every_event = (Path(__file__).parent / "test_every_event.py").read_text()
    assert "EVENT_NAMES" in every_event  # covers each event hookspec by parametrising over all events
    for name in ("hookmux_register_commands", "hookmux_config_schema"):
        assert name.removeprefix("hookmux_") in tests, f"no test mentions {name}"
