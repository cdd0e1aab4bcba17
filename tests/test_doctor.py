"""`hookmux doctor`: one actionable line per problem, exit 1 when something needs fixing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from plugin_site import install_plugin
from test_install import Env

from hookmux.testing import HookmuxCLI

REAL_CLAUDE = (
    Path(__file__).resolve().parents[1] / ".cache" / "claude-code" / "node_modules" / ".bin" / "claude"
)


@pytest.fixture
def hm(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    return Env(hookmux_cli, tmp_path)


def fake_claude(tmp_path: Path, version: str) -> str:
    """A `claude` that reports ``version`` (old releases cannot be installed offline)."""
    path = tmp_path / "bin" / "claude"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{version} (Claude Code)'\n")
    path.chmod(0o755)
    return str(path)


def doctor(hm: Env, project: Path, *args: str, **env: str) -> tuple[int, list[dict[str, str]]]:
    result = hm("doctor", "--project-dir", str(project), "--json", *args, **env)
    report = json.loads(result.stdout)
    assert report["ok"] is (result.returncode == 0), result.stderr
    return result.returncode, report["checks"]


def problems(checks: list[dict[str, str]]) -> list[str]:
    return [c["message"] for c in checks if c["status"] == "problem"]


def test_not_wired_is_a_problem_with_the_fix(hm: Env, project: Path, tmp_path: Path) -> None:
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.330"))
    assert code == 1
    assert problems(checks) == ["hookmux is not wired into Claude Code: run `hookmux install`"]
    areas = {c["area"] for c in checks if c["status"] == "ok"}
    assert {"executable", "manifest", "plugin", "state", "claude"} <= areas


def test_everything_right_after_install(hm: Env, project: Path, tmp_path: Path) -> None:
    hm("install", "--scope", "local", "--project-dir", str(project))
    claude = str(REAL_CLAUDE) if REAL_CLAUDE.exists() else fake_claude(tmp_path, "2.1.330")
    result = hm("doctor", "--project-dir", str(project), "--claude", claude)
    assert result.returncode == 0, result.stdout
    assert "everything looks right" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "settings:local" in x)
    assert line.startswith("ok ") and f"{project}/.claude/settings.local.json: wired for" in line
    assert "Claude Code 2.1.330" in result.stdout and "supports the settings hookmux writes" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_old_claude_code_is_named_with_the_feature_it_lacks(hm: Env, project: Path, tmp_path: Path) -> None:
    hm("install", "--scope", "project", "--project-dir", str(project))
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.100"))
    assert code == 1
    (problem,) = problems(checks)
    assert "Claude Code 2.1.100" in problem and "`args` (since 2.1.139)" in problem
    assert "`if`" not in problem  # 2.1.100 has `if` (2.1.85)
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.80"))
    assert "`args` (since 2.1.139), `if` (since 2.1.85)" in problems(checks)[0]


def test_missing_claude_is_information_not_a_failure(hm: Env, project: Path, tmp_path: Path) -> None:
    hm("install", "--scope", "project", "--project-dir", str(project))
    code, checks = doctor(hm, project, PATH=str(tmp_path / "empty"))
    assert code == 0
    (claude,) = [c for c in checks if c["area"] == "claude"]
    assert claude["status"] == "info" and "not found on PATH" in claude["message"]


def test_wiring_of_another_environment_or_config_is_flagged(hm: Env, project: Path, tmp_path: Path) -> None:
    hm("install", "--scope", "project", "--project-dir", str(project))
    path = project / ".claude" / "settings.json"
    settings = json.loads(path.read_text())
    for groups in settings["hooks"].values():
        for group in groups:
            group["hooks"][0]["command"] = "/gone/venv/bin/hookmux"
    path.write_text(json.dumps(settings))
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.330"))
    assert code == 1
    assert problems(checks) == [
        f"{path}: runs /gone/venv/bin/hookmux, which does not exist: run `hookmux install --scope project`"
    ]

    hm("install", "--scope", "project", "--project-dir", str(project))
    (project / ".claude" / "hookmux.toml").write_text("[plugins.alpha]\nenabled = false\n")
    hm("trust", "--project-dir", str(project))  # turning a plugin off needs a trusted file
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.330"))
    assert problems(checks) == [
        f"{path}: differs from what install would write now (config changed?): "
        "run `hookmux install --scope project`"
    ]


def test_plugin_and_config_problems(hm: Env, project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site, "broken", "raise ImportError('needs frobnicate')\n")
    hm.extra["PYTHONPATH"] = str(site)
    hm("install", "--scope", "project", "--project-dir", str(project))
    (project / ".claude" / "hookmux.toml").write_text(
        '[plugins.alpha]\ngreeting = 5\n[hookmux]\nhandler_timeout = "x"\n'
    )
    toml = project / ".claude" / "hookmux.toml"
    # untrusted: the bad values are left out (the plugin still runs) and marked
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.330"))
    warned = [c["message"] for c in checks if c["status"] == "warn" and c["area"] == "trust"]
    assert (
        f'hookmux.handler_timeout = "x" from {toml} ignored: untrusted protection; in force: default'
        in warned
    )
    assert any(w.startswith(f"plugins.alpha.greeting = 5 from {toml} ignored: invalid (") for w in warned)
    hm("trust", "--project-dir", str(project))
    code, checks = doctor(hm, project, "--claude", fake_claude(tmp_path, "2.1.330"))
    assert code == 1
    found = problems(checks)
    assert f"{toml}: hookmux.handler_timeout: expected a number" in " ".join(found)
    assert f"{toml}: plugins.alpha.greeting: expected a string, got int 5" in found
    assert any(
        p.startswith("broken (hookmux-broken) cannot be loaded: ImportError: needs frobnicate") for p in found
    )


def test_unwritable_state_directory(hm: Env, project: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        state = tmp_path / "file-not-dir"
        state.write_text("")
        home = str(state / "hookmux")  # a directory below a file: fails even for root
    else:
        state = tmp_path / "ro"
        state.mkdir(mode=0o500)
        home = str(state / "hookmux")
    result = hm("doctor", "--project-dir", str(project), "--json", HOOKMUX_HOME=home)
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert any(
        c["area"] == "state" and "set HOOKMUX_HOME to a writable dir" in c["message"]
        for c in report["checks"]
    )
