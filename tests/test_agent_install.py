"""`hookmux install/uninstall/doctor --agent codex|gemini` through the real console script,
on real hook files: each agent's own format, matcher rules and units, idempotent, backed
up, foreign hooks kept, and each agent's trust step explained, never taken."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hookmux.agents.codex.wiring import trust_key
from hookmux.agents.hookfiles import budget
from hookmux.testing import HookmuxCLI, hookmux_executable

#: Codex hooks.json as a user has it: a foreign hook in the Bash group, one on Stop.
CODEX_EXISTING = {
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/bin/audit", "timeout": 5}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    }
}
GEMINI_EXISTING = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "hooks": {
        "BeforeTool": [{"matcher": "write_file", "hooks": [{"type": "command", "command": "lint.sh"}]}]
    },
}


class Env:
    def __init__(self, cli: HookmuxCLI, tmp: Path) -> None:
        self.cli = cli
        self.home = tmp / "home"
        self.project = tmp / "project"
        self.home.mkdir()
        self.project.mkdir()
        self.codex_home = self.home / ".codex"

    def env(self, **extra: str) -> dict[str, str]:
        return self.cli.env(
            **{
                "HOME": str(self.home),
                "CODEX_HOME": str(self.codex_home),
                "HOOKMUX_PLUGINS": "alpha",
                **extra,
            }
        )

    def __call__(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [hookmux_executable(), *args, f"--project-dir={self.project}"],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    @property
    def codex_file(self) -> Path:
        return self.codex_home / "hooks.json"

    @property
    def gemini_file(self) -> Path:
        return self.home / ".gemini" / "settings.json"

    def backups(self) -> list[Path]:
        return sorted((self.cli.home / "backups").glob("*")) if (self.cli.home / "backups").exists() else []


@pytest.fixture
def env(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    return Env(hookmux_cli, tmp_path)


def ours(groups: list[dict[str, Any]]) -> list[tuple[str | None, dict[str, Any]]]:
    return [
        (g.get("matcher"), h) for g in groups for h in g["hooks"] if " run --agent=" in str(h.get("command"))
    ]


def test_codex_install_writes_hooks_json_in_codexs_shape(env: Env) -> None:
    proc = env("install", "--agent", "codex")
    assert proc.returncode == 0, proc.stderr
    hooks = json.loads(env.codex_file.read_text())["hooks"]
    # alpha handles Bash calls before and after, and prompts; nothing else is wired
    assert set(hooks) == {"PreToolUse", "PostToolUse", "UserPromptSubmit"}
    ((matcher, handler),) = ours(hooks["PreToolUse"])
    assert matcher == "Bash" and set(handler) == {"type", "command", "timeout"}
    argv = shlex.split(handler["command"])  # Codex runs `bash -c <command>`
    assert argv[1:3] == ["run", "--agent=codex"] and argv[3].startswith("--deadline=")
    timeout, deadline = budget([{"timeout": None}], 10.0, None, 120)
    assert handler["timeout"] == timeout and argv[3] == f"--deadline={deadline:g}"
    assert ours(hooks["UserPromptSubmit"])[0][0] is None  # Codex ignores matchers there
    # the trust step, said, and not taken
    assert "/hooks" in proc.stdout and "never trusts them for you" in proc.stdout
    assert not (env.codex_home / "config.toml").exists()


def test_codex_install_is_idempotent_backed_up_and_keeps_foreign_hooks(env: Env) -> None:
    env.codex_home.mkdir()
    env.codex_file.write_text(json.dumps(CODEX_EXISTING, indent=2) + "\n")
    assert env("install", "--agent=codex").returncode == 0
    hooks = json.loads(env.codex_file.read_text())["hooks"]
    assert CODEX_EXISTING["hooks"]["PreToolUse"][0] in hooks["PreToolUse"]
    assert hooks["Stop"] == CODEX_EXISTING["hooks"]["Stop"]
    (backup,) = env.backups()
    assert json.loads(backup.read_text()) == CODEX_EXISTING
    again = env("install", "--agent=codex")
    assert "already up to date, nothing written" in again.stdout and len(env.backups()) == 1
    removed = env("uninstall", "--agent=codex", "--json")
    assert json.loads(removed.stdout)["removed"] == 3
    assert json.loads(env.codex_file.read_text()) == CODEX_EXISTING


def test_gemini_install_speaks_geminis_names_matchers_and_milliseconds(env: Env) -> None:
    env.gemini_file.parent.mkdir(parents=True)
    env.gemini_file.write_text(json.dumps(GEMINI_EXISTING, indent=2) + "\n")
    proc = env("install", "--agent=gemini", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["agent"] == "gemini" and result["written"] and result["trust"]
    settings = json.loads(env.gemini_file.read_text())
    assert settings["security"] == GEMINI_EXISTING["security"] and settings["privacy"] == {
        "usageStatisticsEnabled": False
    }
    hooks = settings["hooks"]
    # what alpha takes, and SessionStart: hookmux tells the user when the plugins changed since
    assert set(hooks) == {"BeforeTool", "AfterTool", "BeforeAgent", "SessionStart"}
    assert GEMINI_EXISTING["hooks"]["BeforeTool"][0] in hooks["BeforeTool"]
    ((matcher, handler),) = ours(hooks["BeforeTool"])
    assert matcher == "^(?:run_shell_command)$"  # Bash, as Gemini CLI names it, anchored
    assert (
        handler["name"] == "hookmux"
        and handler["timeout"] == budget([{"timeout": None}], 10.0, None, 120)[0] * 1000
    )
    argv = shlex.split(handler["command"])
    assert argv[1:3] == ["run", "--agent=gemini"] and argv[-1].startswith("--wiring=")
    assert "trusted folder" in " ".join(result["trust"]) or "untrusted folder" in " ".join(result["trust"])
    assert env("uninstall", "--agent=gemini").returncode == 0
    assert json.loads(env.gemini_file.read_text()) == GEMINI_EXISTING


def test_project_scope_and_all(env: Env) -> None:
    proc = env("install", "--agent=all", "--scope=project")
    assert proc.returncode == 0, proc.stderr
    assert (env.project / ".codex" / "hooks.json").exists()
    assert (env.project / ".gemini" / "settings.json").exists()
    assert (env.project / ".claude" / "settings.json").exists()
    assert "trust this project" in proc.stdout  # Codex loads project hooks only in a trusted project


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--agent=codex", "--scope=local"), "--scope local is Claude Code's"),
        (("--agent=gemini", "--transport=http"), "have no http hooks"),
    ],
)
def test_options_the_agents_do_not_have_are_refused(env: Env, args: tuple[str, ...], message: str) -> None:
    proc = env("install", *args)
    assert proc.returncode != 0 and message in proc.stderr
    assert not env.codex_file.exists() and not env.gemini_file.exists()


def test_a_handler_for_claude_only_is_not_wired_into_the_others(env: Env, tmp_path: Path) -> None:
    from plugin_site import install_plugin

    site = tmp_path / "site"
    install_plugin(
        site,
        "claudeonly",
        "from hookmux import hookimpl\n\n@hookimpl(agents=['claude'])\ndef hookmux_stop():\n    return None\n",
    )
    extra = {"PYTHONPATH": str(site), "HOOKMUX_PLUGINS": "claudeonly"}
    proc = env("install", "--agent=codex", **extra)
    assert proc.returncode == 0 and "nothing is wired" in proc.stdout
    assert not env.codex_file.exists()  # nothing to wire: no file created
    assert env("install", "--agent=claude", **extra).returncode == 0
    assert "Stop" in json.loads((env.home / ".claude" / "settings.json").read_text())["hooks"]


# -- doctor: the hooks each agent will skip ------------------------------------------


def doctor(env: Env, agent: str, **extra: str) -> tuple[int, list[dict[str, str]]]:
    proc = env("doctor", f"--agent={agent}", "--json", **extra)
    return proc.returncode, [c for c in json.loads(proc.stdout)["checks"] if c["area"].startswith(agent)]


def test_doctor_finds_codex_hooks_codex_will_skip_until_trusted(env: Env) -> None:
    env("install", "--agent=codex")
    code, checks = doctor(env, "codex")
    untrusted = [c for c in checks if c["status"] == "problem"]
    assert code == 1 and len(untrusted) == 3
    assert all("skips it silently" in c["message"] and "/hooks" in c["message"] for c in untrusted)
    # what Codex's /hooks review records: a trusted hash per hook
    hooks = json.loads(env.codex_file.read_text())["hooks"]
    keys = [trust_key(str(env.codex_file), event, 0, 0) for event in hooks]
    (env.codex_home / "config.toml").write_text(
        "".join(f'[hooks.state."{k}"]\ntrusted_hash = "sha256:00"\n' for k in keys)
    )
    code, checks = doctor(env, "codex")
    assert [c["status"] for c in checks if c["area"] == "codex user"] == ["ok"]


def test_doctor_finds_an_untrusted_codex_project(env: Env) -> None:
    env("install", "--agent=codex", "--scope=project")
    _, checks = doctor(env, "codex")
    assert any(
        "is not trusted: Codex ignores" in c["message"] for c in checks if c["area"] == "codex project"
    )


def test_doctor_finds_a_folder_gemini_will_not_run_hooks_in(env: Env) -> None:
    env("install", "--agent=gemini")
    folders = env.home / ".gemini" / "trustedFolders.json"
    folders.write_text(json.dumps({str(env.project): "DO_NOT_TRUST"}))
    code, checks = doctor(env, "gemini")
    assert code == 1 and any("is not a trusted folder" in c["message"] for c in checks)
    folders.write_text(json.dumps({str(env.project.parent / "x"): "TRUST_PARENT"}))
    code, checks = doctor(env, "gemini")
    assert code == 0 and [c["status"] for c in checks if c["area"] == "gemini user"] == ["ok"]
    settings = json.loads(env.gemini_file.read_text())
    settings["hooksConfig"] = {"disabled": ["hookmux"]}
    env.gemini_file.write_text(json.dumps(settings))
    code, checks = doctor(env, "gemini")
    assert code == 1 and any("hooksConfig.disabled lists 'hookmux'" in c["message"] for c in checks)


def test_each_agent_gets_matchers_in_its_own_rules(env: Env, tmp_path: Path) -> None:
    from plugin_site import install_plugin

    site = tmp_path / "site"
    install_plugin(
        site,
        "matchy",
        "from hookmux import hookimpl\n\n"
        "@hookimpl(matcher='startup|resume')\ndef hookmux_session_start():\n    return None\n\n"
        "@hookimpl(matcher='Edit|Write')\ndef hookmux_pre_tool_use():\n    return None\n\n"
        "@hookimpl(matcher='mcp__.*')\ndef hookmux_post_tool_use():\n    return None\n",
    )
    extra = {"PYTHONPATH": str(site), "HOOKMUX_PLUGINS": "matchy"}
    assert env("install", "--agent=all", **extra).returncode == 0
    codex = json.loads(env.codex_file.read_text())["hooks"]
    gemini = json.loads(env.gemini_file.read_text())["hooks"]
    # Codex: one anchored regex per event; its apply_patch edits are named too
    assert [g.get("matcher") for g in codex["SessionStart"]] == ["resume|startup"]
    assert [g.get("matcher") for g in codex["PreToolUse"]] == ["Edit|Write|apply_patch"]
    # Gemini CLI: SessionStart compares one exact string per group; tools by its own names
    assert [g.get("matcher") for g in gemini["SessionStart"]] == ["resume", "startup"]
    assert [g.get("matcher") for g in gemini["BeforeTool"]] == ["^(?:replace|write_file)$"]
    # a regex over Claude Code's tool names means nothing to the others: every call
    assert [g.get("matcher") for g in codex["PostToolUse"]] == [None]
    assert [g.get("matcher") for g in gemini["AfterTool"]] == [None]
