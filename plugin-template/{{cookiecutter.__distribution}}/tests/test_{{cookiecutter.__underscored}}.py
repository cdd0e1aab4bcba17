"""Tests for {{ cookiecutter.__distribution }}: in-process, then through the real ``hookmux run``."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from hookmux.testing import (
    HookmuxCLI,
    check_sensitive_key,
    make_event,
    run_event,
    sensitive_keys,
)

import {{ cookiecutter.__module }} as plugin

NAME = "{{ cookiecutter.plugin_name }}"
HANDLER = f"{NAME}.hookmux_pre_tool_use"


def bash(command: str, project: Path) -> dict[str, Any]:
    """A PreToolUse payload for a Bash call, shaped like Claude Code's."""
    return make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": command})


def decision(output: dict[str, Any] | None) -> tuple[str, str]:
    assert output is not None, "hookmux printed nothing"
    answer = output["hookSpecificOutput"]
    assert answer["hookEventName"] == "PreToolUse"
    return answer["permissionDecision"], answer["permissionDecisionReason"]


@pytest.mark.parametrize(
    "command", ["git push --force origin main", "cd repo && git push -f", "git push origin main -f"]
)
def test_asks_before_a_force_push(command: str, tmp_path: Path) -> None:
    run = run_event(bash(command, tmp_path), plugins={NAME: plugin})
    assert run.statuses == {HANDLER: "ok"}
    permission, reason = decision(run.output)
    assert permission == "ask"
    assert "rewrites the remote branch's history" in reason


@pytest.mark.parametrize(
    "command",
    [
        "git push origin main",
        "git push --force-with-lease origin main",
        "git push && rm -f notes.txt",
    ],
)
def test_stays_silent_on_other_pushes(command: str, tmp_path: Path) -> None:
    run = run_event(bash(command, tmp_path), plugins={NAME: plugin})
    assert run.statuses == {HANDLER: "silent"}
    assert run.output is None


def test_matchers_keep_other_calls_away(tmp_path: Path) -> None:
    """Not a Bash `git push`: the handler is not even called."""
    for payload in (
        bash("git status", tmp_path),
        make_event("PreToolUse", cwd=tmp_path, tool_name="Write",
                   tool_input={"file_path": "notes.txt", "content": "git push --force"}),
        make_event("PostToolUse", cwd=tmp_path, tool_name="Bash",
                   tool_input={"command": "git push --force"}),
    ):  # fmt: skip
        run = run_event(payload, plugins={NAME: plugin})
        assert run.statuses == {}
        assert run.output is None


def test_project_config_can_deny(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "hookmux.toml").write_text(f'[plugins.{NAME}]\ndecision = "deny"\n')
    run = run_event(bash("git push --force", tmp_path), plugins={NAME: plugin})
    assert decision(run.output)[0] == "deny"


def test_environment_overrides_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}FLAGS", '["--force", "-f", "--mirror"]')
    run = run_event(bash("git push --mirror backup", tmp_path), plugins={NAME: plugin})
    assert decision(run.output) == ("ask", "--mirror rewrites the remote branch's history; "
                                    "push without it, or use --force-with-lease")  # fmt: skip


def test_invalid_config_skips_the_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}DECISION", "maybe")
    run = run_event(bash("git push --force", tmp_path), plugins={NAME: plugin})
    assert run.statuses == {HANDLER: "skipped"}
    assert run.output is None


def test_a_repository_cannot_weaken_the_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``decision`` is a protection: an untrusted project file may not turn your deny into ask."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    user = tmp_path / "config" / "hookmux" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text(f'[plugins.{NAME}]\ndecision = "deny"\n')
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "hookmux.toml").write_text(f'[plugins.{NAME}]\ndecision = "ask"\n')
    run = run_event(bash("git push --force", tmp_path), plugins={NAME: plugin})
    assert decision(run.output)[0] == "deny"


@pytest.mark.parametrize("key", sensitive_keys(plugin.Config))
def test_a_sensitive_key_needs_the_users_trust(key: str, tmp_path: Path) -> None:
    """From a project file: ignored until `hookmux trust`, again after a change; the user
    file always applies; the managed file always wins."""
    check_sensitive_key(NAME, plugin.Config, key, tmp_path)


def test_through_the_real_hookmux_run(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """What Claude Code runs: the installed ``hookmux`` finds the plugin by its entry point."""
    if NAME not in {ep.name for ep in entry_points(group="hookmux")}:
        pytest.fail(f"{NAME} is not installed in this environment: pip install -e '.[test]'")
    asked = hookmux_cli.run(bash("git push --force origin main", tmp_path))
    assert asked.returncode == 0, asked.stderr
    assert decision(asked.output)[0] == "ask"

    quiet = hookmux_cli.run(bash("git push origin main", tmp_path))
    assert (quiet.returncode, quiet.stdout) == (0, b"")
