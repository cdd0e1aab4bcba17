"""`hookmux config show`: every value with the file or variable it came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_install import Env

from hookmux.testing import HookmuxCLI


@pytest.fixture
def hm(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    return Env(hookmux_cli, tmp_path)


def values(report: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    found = {v["key"]: (v["value"], v["source"]) for v in report["hookmux"]}
    for plugin in report["plugins"].values():
        found.update({v["key"]: (v["value"], v["source"]) for v in plugin["values"]})
    return found


def test_each_value_names_its_source(hm: Env, project: Path) -> None:
    user = hm.cli.config_home / "hookmux" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[hookmux]\ndedupe_ttl = 5\ndeadline = 20\n[plugins.beta]\nenabled = false\n")
    shared = project / ".claude" / "hookmux.toml"
    shared.write_text('[hookmux]\ndedupe_ttl = 7\n[plugins.alpha]\ngreeting = "shared"\n')
    local = project / ".claude" / "hookmux.local.toml"
    local.write_text("[plugins.beta]\nenabled = true\n")  # turning a plugin on needs no trust
    result = hm("config", "show", "--project-dir", str(project), "--json", HOOKMUX_DEADLINE="12")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    found = values(report)
    assert found["hookmux.dedupe_ttl"] == (7.0, str(shared))  # the project overrides the user
    assert found["hookmux.deadline"] == (12.0, "$HOOKMUX_DEADLINE")
    assert found["hookmux.disabled"] == ([], "default")
    assert found["plugins.alpha.greeting"] == ("shared", str(shared))
    assert found["plugins.alpha.enabled"] == (True, "default")
    assert found["plugins.beta.enabled"] == (True, str(local))
    assert [f["exists"] for f in report["files"]] == [True, True, True]
    assert report["errors"] == [] and report["ignored"] == []


def test_plugin_defaults_come_from_its_schema(hm: Env, project: Path) -> None:
    report = json.loads(hm("config", "show", "--project-dir", str(project), "--json").stdout)
    assert values(report)["plugins.alpha.greeting"] == ("alpha-context", "default")
    env = hm("config", "show", "--project-dir", str(project), "--json", HOOKMUX__ALPHA__GREETING='"env"')
    assert values(json.loads(env.stdout))["plugins.alpha.greeting"] == ("env", "$HOOKMUX__ALPHA__GREETING")


def test_disabled_by_the_core_list_names_that_source(hm: Env, project: Path) -> None:
    report = json.loads(
        hm("config", "show", "--project-dir", str(project), "--json", HOOKMUX_DISABLED="faulty").stdout
    )
    assert values(report)["plugins.faulty.enabled"] == (False, "$HOOKMUX_DISABLED")


def test_errors_and_unknown_plugins_are_listed(hm: Env, project: Path) -> None:
    (project / ".claude" / "hookmux.toml").write_text(
        "[plugins.alpha]\ngreeting = 5\n[plugins.ghost]\nx = 1\n"
    )
    result = hm("config", "show", "--project-dir", str(project))
    assert result.returncode == 0
    assert "plugins.alpha.greeting: expected a string, got int 5" in result.stdout
    assert "plugins.ghost: configured, but no plugin 'ghost' is installed" in result.stdout
    assert "[plugins.ghost]  # not installed" in result.stdout


def test_human_listing(hm: Env, project: Path) -> None:
    (project / ".claude" / "hookmux.toml").write_text("[hookmux]\ndedupe_ttl = 7\n")
    out = hm("config", "show", "--project-dir", str(project)).stdout
    lines = out.splitlines()
    assert "[hookmux]" in lines and "[plugins.alpha]" in lines
    timeout = next(x for x in lines if x.startswith("dedupe_ttl = 7.0"))
    assert timeout.endswith(f"# {project / '.claude' / 'hookmux.toml'}")
    assert next(x for x in lines if x.startswith("deadline = (none)")).endswith("# default")
