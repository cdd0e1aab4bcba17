"""``hookmux_status(home)``: plugins report their health in ``hookmux status``."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

from hookmux import hookimpl
from hookmux.commands.observe import plugin_line
from hookmux.routing.discovery import build_manifest
from hookmux.routing.pluginstatus import plugin_status


def plugin(name: str, status: Any = None, raises: bool = False, implements: bool = True) -> types.ModuleType:
    module = types.ModuleType(name)
    if implements:

        @hookimpl
        def hookmux_status(home: str) -> Any:
            if raises:
                raise RuntimeError("disk on fire")
            return status(home) if callable(status) else status

        module.hookmux_status = hookmux_status  # type: ignore[attr-defined]
    return module


def report(plugins: dict[str, types.ModuleType], home: Path, **kwargs: Any) -> dict[str, Any]:
    found = [(name, f"<test:{name}>", None, None, (lambda obj=obj: obj)) for name, obj in plugins.items()]
    return plugin_status(str(home), build_manifest(found), plugins.__getitem__, **kwargs)


def test_each_plugin_reports_under_its_name_and_failures_stay_its_own(tmp_path: Path) -> None:
    plugins = {
        "good": plugin("good", lambda home: {"summary": "all fine", "home": home, "queue": 0}),
        "quiet": plugin("quiet", None),
        "broken": plugin("broken", raises=True),
        "wrong": plugin("wrong", ["not", "a", "dict"]),
        "unjsonable": plugin("unjsonable", {"when": object()}),
        "other": plugin("other", implements=False),
    }
    out = report(plugins, tmp_path, environ={})
    assert out["good"] == {"summary": "all fine", "home": str(tmp_path), "queue": 0}
    assert "quiet" not in out and "other" not in out
    assert out["broken"] == {"error": "hookmux_status raised RuntimeError: disk on fire"}
    assert out["wrong"] == {"error": "hookmux_status returned list, expected a dict or None"}
    assert out["unjsonable"]["error"].startswith("hookmux_status raised TypeError")


def test_hookmux_plugins_and_the_config_filter_who_reports(tmp_path: Path) -> None:
    plugins = {"a": plugin("a", {"n": 1}), "b": plugin("b", {"n": 2}), "c": plugin("c", {"n": 3})}
    assert report(plugins, tmp_path, environ={"HOOKMUX_PLUGINS": "a,c"}) == {"a": {"n": 1}, "c": {"n": 3}}
    assert report(plugins, tmp_path, environ={}, enabled=lambda name: name != "b") == {
        "a": {"n": 1},
        "c": {"n": 3},
    }


def test_the_text_report_shows_the_summary_else_the_scalars() -> None:
    assert plugin_line({"summary": "3 captures", "bytes": 10}) == "3 captures"
    assert plugin_line({"bytes": 10, "ok": True, "nested": {"x": 1}}) == "bytes=10, ok=True"
    assert plugin_line({"error": "boom"}) == "error: boom"
