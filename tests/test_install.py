"""`hookmux install` / `uninstall` through the real console script, on real settings files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from plugin_site import install_plugin

from hookmux.entry import nativelauncher
from hookmux.state.launcher import launcher_path, launcher_python
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

TEST_PLUGINS = "alpha,beta,faulty,guarded,guards"

#: A settings file as users have them: permissions, env, a status line, foreign hooks
#: (one sharing a matcher group with nothing of hookmux's), a prompt hook.
EXISTING = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"], "defaultMode": "default"},
    "env": {"FOO": "bar"},
    "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "/usr/local/bin/audit", "timeout": 5}],
            }
        ],
        "PostToolUse": [
            {
                "matcher": "Edit|Write",
                "hooks": [{"type": "command", "command": "prettier --write", "timeout": 20}],
            }
        ],
        "Stop": [{"hooks": [{"type": "prompt", "prompt": "Is the task done? $ARGUMENTS"}]}],
    },
    "model": "opus",
}


class Env:
    """Runs `hookmux ...` with a private HOOKMUX_HOME, config dir and HOME."""

    def __init__(self, cli: HookmuxCLI, tmp: Path) -> None:
        self.cli = cli
        self.home = tmp / "home"
        self.home.mkdir(exist_ok=True)
        self.extra: dict[str, str] = {}

    def env(self, **extra: str) -> dict[str, str]:
        return self.cli.env(HOME=str(self.home), **self.extra, **extra)

    def __call__(self, *args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [hookmux_executable(), *args],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
            timeout=120,
        )

    def run_handler(
        self, handler: dict[str, Any], payload: dict[str, Any], **extra: str
    ) -> dict[str, Any] | None:
        """Run an installed handler the way Claude Code does (exec form: command + args)."""
        proc = subprocess.run(
            [handler["command"], *handler["args"]],
            input=json.dumps(payload),
            env=self.env(**extra),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.fixture
def hm(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    return Env(hookmux_cli, tmp_path)


def settings_file(project: Path, name: str = "settings.json") -> Path:
    return project / ".claude" / name


def console_script_python() -> str:
    """The interpreter pip's console script starts (what `hookmux install` runs under)."""
    with open(hookmux_executable(), encoding="utf-8") as fh:
        return fh.readline()[2:].strip()


def wired_launcher(home: str | Path) -> str:
    """What install wires for this environment: the native launcher where a C compiler
    builds one, else the Python launcher."""
    python_launcher = launcher_path(str(home), console_script_python())
    if nativelauncher.compiler() is None:
        return python_launcher
    return nativelauncher.native_path(python_launcher)


def interpreter_behind(command: str) -> str | None:
    """The interpreter a wired launcher (native or Python) starts, or None."""
    return launcher_python(nativelauncher.python_launcher_of(command) or command)


def hookmux_entries(settings: dict[str, Any]) -> dict[str, list[tuple[str | None, dict[str, Any]]]]:
    found: dict[str, list[tuple[str | None, dict[str, Any]]]] = {}
    for event, groups in settings.get("hooks", {}).items():
        for group in groups:
            for handler in group["hooks"]:
                if interpreter_behind(str(handler.get("command"))) == console_script_python():
                    found.setdefault(event, []).append((group.get("matcher"), handler))
    return found


def backups(hm: Env) -> list[Path]:
    directory = hm.cli.home / "backups"
    return sorted(directory.iterdir()) if directory.exists() else []


def test_install_wires_only_what_the_plugins_handle_in_exec_form(hm: Env, project: Path) -> None:
    result = hm("install", "--scope", "project", "--project-dir", str(project))
    assert result.returncode == 0, result.stderr
    assert f"install: wrote {settings_file(project)}" in result.stdout
    settings = json.loads(settings_file(project).read_text())
    entries = hookmux_entries(settings)
    # the test plugins: Bash commands starting with hmtest (PreToolUse), `*hmtest-context*`
    # after Bash (PostToolUse), prompts, TaskCompleted; SessionStart for the staleness check
    assert set(entries) == {"PreToolUse", "PostToolUse", "UserPromptSubmit", "TaskCompleted", "SessionStart"}
    ((matcher, pre),) = entries["PreToolUse"]
    assert (matcher, pre["if"]) == ("Bash", "Bash(hmtest-*)")
    ((matcher, post),) = entries["PostToolUse"]
    assert matcher == "Bash" and "if" not in post  # a leading wildcard has no safe rule
    assert entries["SessionStart"][0][0] == "startup"
    for event, found in entries.items():
        for _, handler in found:
            assert handler["type"] == "command" and os.path.isabs(handler["command"])
            assert handler["args"][0] == "run" and isinstance(handler["timeout"], int)
            deadline = float(next(a for a in handler["args"] if a.startswith("--deadline="))[11:])
            assert 0 < deadline < handler["timeout"], event
    assert entries["UserPromptSubmit"][0][1]["timeout"] <= 30
    # what Claude Code runs answers
    deny = make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": "hmtest-deny x"})
    answer = hm.run_handler(pre, deny)
    assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    start = make_event("SessionStart", cwd=project, source="startup")
    assert hm.run_handler(entries["SessionStart"][0][1], start) is None  # fresh wiring: silent


def test_install_keeps_every_other_setting_and_uninstall_restores_the_file(hm: Env, project: Path) -> None:
    original = json.dumps(EXISTING, indent=2) + "\n"
    settings_file(project).write_text(original)
    assert hm("install", "--scope", "project", "--project-dir", str(project)).returncode == 0
    installed = json.loads(settings_file(project).read_text())
    for key in ("$schema", "permissions", "env", "statusLine", "model"):
        assert installed[key] == EXISTING[key]
    assert list(installed) == list(EXISTING)
    for event, groups in EXISTING["hooks"].items():  # type: ignore[attr-defined]
        for group in groups:
            assert group in installed["hooks"][event]
    assert backups(hm)[0].read_text() == original

    result = hm("uninstall", "--scope", "project", "--project-dir", str(project))
    assert result.returncode == 0, result.stderr
    assert "removed 5 hookmux handler(s)" in result.stdout
    assert settings_file(project).read_text() == original


def test_second_install_changes_nothing(hm: Env, project: Path) -> None:
    settings_file(project).write_text(json.dumps(EXISTING, indent=4))
    assert hm("install", "--scope", "project", "--project-dir", str(project)).returncode == 0
    text = settings_file(project).read_text()
    assert '\n    "permissions"' in text  # the file's own indentation is kept
    mtime = settings_file(project).stat().st_mtime_ns
    count = len(backups(hm))
    again = hm("install", "--scope", "project", "--project-dir", str(project))
    assert again.returncode == 0
    assert "already up to date, nothing written" in again.stdout
    assert settings_file(project).read_text() == text
    assert settings_file(project).stat().st_mtime_ns == mtime
    assert len(backups(hm)) == count


def test_dry_run_prints_the_diff_and_writes_nothing(hm: Env, project: Path) -> None:
    result = hm("install", "--scope", "project", "--project-dir", str(project), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"--- /dev/null\n+++ {settings_file(project)}\n")
    assert '+            "if": "Bash(hmtest-*)"' in result.stdout
    assert not settings_file(project).exists()

    settings_file(project).write_text(json.dumps(EXISTING, indent=2) + "\n")
    before = settings_file(project).read_text()
    result = hm("install", "--scope", "project", "--project-dir", str(project), "--dry-run", "--json")
    report = json.loads(result.stdout)
    assert report["changed"] is True and report["written"] is False
    assert report["diff"].startswith(f"--- {settings_file(project)}\n")
    assert "-" + json.dumps(EXISTING["permissions"]) not in report["diff"]  # only additions
    assert all(not line.startswith("-") or line.startswith("---") for line in report["diff"].splitlines())
    assert settings_file(project).read_text() == before

    hm("install", "--scope", "project", "--project-dir", str(project))
    result = hm("uninstall", "--scope", "project", "--project-dir", str(project), "--dry-run")
    assert result.returncode == 0 and '-            "if": "Bash(hmtest-*)"' in result.stdout
    assert "Bash(hmtest-*)" in settings_file(project).read_text()


def test_backup_holds_the_previous_file(hm: Env, project: Path) -> None:
    hm("install", "--scope", "project", "--project-dir", str(project))
    first = settings_file(project).read_text()
    # the user turns a plugin off (a project file could not: it is a protection key)
    user_config = hm.cli.config_home / "hookmux" / "config.toml"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    user_config.write_text("[plugins.alpha]\nenabled = false\n")
    result = hm("install", "--scope", "project", "--project-dir", str(project), "--json")
    report = json.loads(result.stdout)
    assert report["written"] is True
    assert Path(report["backup"]).read_text() == first
    assert settings_file(project).read_text() != first
    assert oct(Path(report["backup"]).stat().st_mode & 0o777) == "0o600"


def test_user_and_local_scopes(hm: Env, project: Path, tmp_path: Path) -> None:
    assert hm("install", "--project-dir", str(project)).returncode == 0  # default scope: user
    user = hm.home / ".claude" / "settings.json"
    assert hookmux_entries(json.loads(user.read_text()))
    assert not settings_file(project).exists()

    config_dir = tmp_path / "claude-config"
    assert hm("install", "--scope", "user", CLAUDE_CONFIG_DIR=str(config_dir)).returncode == 0
    assert (config_dir / "settings.json").exists()

    result = hm("install", "--scope", "local", "--project-dir", str(project))
    assert result.returncode == 0
    assert hookmux_entries(json.loads(settings_file(project, "settings.local.json").read_text()))
    assert "hookmux is also wired in user" in result.stderr  # the same plugins wired twice
    assert hm("uninstall", "--scope", "user", "--project-dir", str(project)).returncode == 0
    assert json.loads(user.read_text()) == {}


def test_symlinked_settings_file_stays_a_symlink(hm: Env, project: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "settings.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text('{"model": "opus"}\n')
    settings_file(project).symlink_to(dotfiles)
    assert hm("install", "--scope", "project", "--project-dir", str(project)).returncode == 0
    assert settings_file(project).is_symlink()
    assert hookmux_entries(json.loads(dotfiles.read_text()))


def test_file_permissions_are_kept(hm: Env, project: Path) -> None:
    settings_file(project).write_text("{}\n")
    settings_file(project).chmod(0o640)
    hm("install", "--scope", "project", "--project-dir", str(project))
    assert oct(settings_file(project).stat().st_mode & 0o777) == "0o640"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"hooks": {', "not valid JSON"),
        ("[1, 2]", "holds a JSON list, expected an object"),
        ('{"hooks": []}', "'hooks' is a JSON list, not an object"),
    ],
)
def test_settings_it_cannot_read_are_left_alone(hm: Env, project: Path, text: str, message: str) -> None:
    settings_file(project).write_text(text)
    for command in ("install", "uninstall"):
        result = hm(command, "--scope", "project", "--project-dir", str(project))
        assert result.returncode == 1
        assert message in result.stderr and str(settings_file(project)) in result.stderr
        assert settings_file(project).read_text() == text


def test_disabled_plugins_are_not_wired(hm: Env, project: Path) -> None:
    result = hm("install", "--scope", "project", "--project-dir", str(project), HOOKMUX_DISABLED=TEST_PLUGINS)
    assert result.returncode == 0
    assert "no enabled plugin handles any event" in result.stdout
    assert set(hookmux_entries(json.loads(settings_file(project).read_text()))) == {"SessionStart"}
    hm("install", "--scope", "project", "--project-dir", str(project), HOOKMUX_PLUGINS="alpha")
    entries = hookmux_entries(json.loads(settings_file(project).read_text()))
    assert set(entries) == {"PreToolUse", "PostToolUse", "UserPromptSubmit", "TaskCompleted", "SessionStart"}
    assert entries["PreToolUse"][0][1]["if"] == "Bash(hmtest-deny*)"  # alpha's glob alone


def test_usage_errors_exit_64_and_every_command_has_help(hm: Env) -> None:
    assert hm("install", "--scope", "galaxy").returncode == 64
    for command in (
        ["install"],
        ["uninstall"],
        ["doctor"],
        ["config", "show"],
        ["config"],
        ["replay"],
        ["demo"],
    ):
        result = hm(*command, "--help")
        assert result.returncode == 0 and "Usage: hookmux" in result.stdout, command


# -- the SessionStart staleness check ---------------------------------------------

GREETER = """
from hookmux import hookimpl
from hookmux.protocol.answers import SessionStartAnswer

@hookimpl
def hookmux_session_start(event):
    return SessionStartAnswer(additional_context="greeter says hi", system_message="greeter is on")
"""


def test_a_plugin_installed_after_install_is_announced_at_session_start(
    hm: Env, project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    hm.extra["PYTHONPATH"] = str(site)
    hm("install", "--scope", "project", "--project-dir", str(project))
    handler = hookmux_entries(json.loads(settings_file(project).read_text()))["SessionStart"][0][1]
    start = make_event("SessionStart", cwd=project, source="startup")
    assert hm.run_handler(handler, start) is None

    install_plugin(site, "greeter", GREETER)  # pip install, after `hookmux install`
    answer = hm.run_handler(handler, start)
    assert answer is not None
    # the notice merges with the new plugin's own answer (first: it must not be cut)
    assert answer["systemMessage"].startswith("hookmux: the installed plugins changed")
    assert answer["systemMessage"].endswith("\ngreeter is on")
    assert "run `hookmux install` again" in answer["systemMessage"]
    assert answer["hookSpecificOutput"]["additionalContext"] == "greeter says hi"

    doctor = hm("doctor", "--project-dir", str(project), "--claude", str(tmp_path / "no-claude"))
    assert doctor.returncode == 1
    assert "written for other plugins than the ones installed now: run `hookmux install --scope project`" in (
        doctor.stdout
    )

    result = hm("install", "--scope", "project", "--project-dir", str(project))
    assert "matcher startup" not in result.stdout  # the greeter takes every SessionStart
    handler = hookmux_entries(json.loads(settings_file(project).read_text()))["SessionStart"][0][1]
    answer = hm.run_handler(handler, start)
    assert answer == {
        "systemMessage": "greeter is on",
        "hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": "greeter says hi"},
    }


def test_the_notice_can_be_silenced_like_a_plugin(hm: Env, project: Path) -> None:
    start = make_event("SessionStart", cwd=project, source="startup")
    handler = {"command": hookmux_executable(), "args": ["run", "--wiring=0123456789ab"]}
    assert "installed plugins changed" in hm.run_handler(handler, start)["systemMessage"]  # type: ignore[index]
    silence = "[plugins.hookmux-wiring]\nenabled = false\n"
    (project / ".claude" / "hookmux.toml").write_text(silence)
    # a repository cannot silence it (turning something off takes a trusted file) ...
    assert "installed plugins changed" in hm.run_handler(handler, start)["systemMessage"]  # type: ignore[index]
    user = hm.cli.config_home / "hookmux" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(silence)  # ... the user can
    assert hm.run_handler(handler, start) is None


def test_the_check_costs_no_import_on_a_fresh_session_start(hm: Env, project: Path) -> None:
    hm("install", "--scope", "project", "--project-dir", str(project))
    handler = hookmux_entries(json.loads(settings_file(project).read_text()))["SessionStart"][0][1]
    start = json.dumps(make_event("SessionStart", cwd=project, source="startup"))
    hm.run_handler(handler, json.loads(start))  # builds the manifest
    proc = subprocess.run(  # with no daemon, the native launcher hands the event to Python
        [handler["command"], *handler["args"]],
        input=start.encode(),
        capture_output=True,
        env=hm.env(PYTHONPROFILEIMPORTTIME="1"),
        check=True,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "hookmux.entry.route" in modules
    heavy = {
        "hookmux.agents.claude.stalewiring",
        "hookmux.routing.dispatch",
        "hookmux.agents.claude.wiring",
        "attrs",
        "pluggy",
        "json",
        "hashlib",
    }
    assert not heavy & modules, sorted(heavy & modules)


def test_uninstall_without_hookmux_touches_nothing(hm: Env, project: Path) -> None:
    settings_file(project).write_text(json.dumps(EXISTING))
    result = hm("uninstall", "--scope", "project", "--project-dir", str(project))
    assert result.returncode == 0 and "no hookmux entry, nothing written" in result.stdout
    assert settings_file(project).read_text() == json.dumps(EXISTING)
    assert backups(hm) == []
