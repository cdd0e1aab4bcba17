"""hookmux behind the real Codex CLI 0.171.0 and Gemini CLI 0.61.0, offline.

Each CLI is configured only by what ``hookmux install --agent ...`` wrote (plus its
offline settings), trusted the way a user trusts it (Codex: its /hooks review, through
``codex app-server``; Gemini CLI: the trusted-folder answer), and run against a loopback
stand-in of its model API, in a loopback-only network namespace where possible. The test
plugin ``alpha`` denies ``hmtest-deny`` shell commands and adds context to prompts
``hmtest-prompt`` and to ``hmtest-context`` command results.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hookmux.testing import hookmux_executable
from tests.support import agent_cli

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def codex() -> Path:
    return agent_cli.require("codex")


@pytest.fixture(scope="module")
def gemini() -> Path:
    return agent_cli.require("gemini")


class Setup:
    def __init__(self, root: Path, plugins: str) -> None:
        self.root = root
        self.home = root / "home"
        self.project = root / "project"
        self.home.mkdir()
        self.project.mkdir()
        self.hookmux_env = {
            "HOOKMUX_HOME": str(root / "hookmux-home"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "HOOKMUX_PLUGINS": plugins,
            "HOOKMUX_SERVE": "0",
        }

    def hookmux(self, *args: str, project: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", "CODEX", "GEMINI"))
        }
        env.update(HOME=str(self.home), CODEX_HOME=str(self.home / ".codex"), **self.hookmux_env)
        where = [f"--project-dir={self.project}"] if project else []
        return subprocess.run([hookmux_executable(), *args, *where], env=env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    def install(self, agent: str) -> None:
        proc = self.hookmux("install", f"--agent={agent}")
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def records(self) -> list[dict[str, Any]]:
        """Every event hookmux routed (its explain records)."""
        proc = self.hookmux("explain", "--json", "--last=1000", project=False)
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout))


def request_text(request: dict[str, Any]) -> str:
    return json.dumps(request.get("body", {}), ensure_ascii=False)


# -- Codex CLI ------------------------------------------------------------------------


def codex_setup(tmp_path: Path, plugins: str = "alpha") -> Setup:
    setup = Setup(tmp_path, plugins)
    agent_cli.prepare_codex(setup.home)
    setup.install("codex")
    return setup


def test_codex_skips_untrusted_hooks_and_doctor_says_so(codex: Path, tmp_path: Path) -> None:
    setup = codex_setup(tmp_path)
    doctor = setup.hookmux("doctor", "--agent=codex", "--json")
    assert doctor.returncode == 1
    assert any("skips it silently" in c["message"] for c in json.loads(doctor.stdout)["checks"])
    run = agent_cli.run_codex(codex, setup.project, setup.home, "run it [[cmd:echo hmtest-deny now]]",
                              extra_env=setup.hookmux_env, trust=False)  # fmt: skip
    assert run.returncode == 0, run.describe()
    assert setup.records() == []  # untrusted: Codex ran none of hookmux's hooks
    assert "hmtest-deny now" in run.model_requests()[-1]["body"]["input"][-1]["output"]  # the command ran


def test_codex_deny_stops_the_shell_call_and_the_model_gets_the_reason(codex: Path, tmp_path: Path) -> None:
    setup = codex_setup(tmp_path)
    marker = setup.project / "ran"
    run = agent_cli.run_codex(codex, setup.project, setup.home, f"run it [[cmd:hmtest-deny && touch {marker}]]",
                              extra_env=setup.hookmux_env)  # fmt: skip
    assert run.returncode == 0, run.describe()
    assert run.before and run.before[0]["trusted"], run.before  # the user's trust step, as /hooks takes it
    assert not marker.exists()
    output = run.model_requests()[-1]["body"]["input"][-1]["output"]
    assert "Command blocked by PreToolUse hook: alpha refuses" in output
    doctor = setup.hookmux("doctor", "--agent=codex", "--json")
    assert [c["status"] for c in json.loads(doctor.stdout)["checks"] if c["area"] == "codex user"] == ["ok"]


def test_doctor_asks_codex_which_hooks_it_trusts_and_finds_changed_ones(codex: Path, tmp_path: Path) -> None:
    setup = codex_setup(tmp_path)
    run = agent_cli.run_codex(codex, setup.project, setup.home, "hmtest-prompt", extra_env=setup.hookmux_env)
    assert run.returncode == 0 and run.before[0]["trusted"], run.describe()  # the user's /hooks review

    def doctor() -> list[dict[str, str]]:
        netns = ["unshare", "-n"] if agent_cli.netns_available() else []
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", "CODEX", "GEMINI"))
        }
        env.update(HOME=str(setup.home), CODEX_HOME=str(setup.home / ".codex"), **setup.hookmux_env)
        proc = subprocess.run([*netns, hookmux_executable(), "doctor", "--agent=codex", f"--codex={codex}", "--json",
                               f"--project-dir={setup.project}"], env=env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
        return [c for c in json.loads(proc.stdout)["checks"] if c["area"] == "codex user"]

    assert [c["status"] for c in doctor()] == ["ok"]  # Codex itself says: trusted
    setup.hookmux_env["HOOKMUX_PLUGINS"] = "alpha,beta"  # beta takes Bash calls too: new budgets
    proc = setup.hookmux("install", "--agent=codex")
    assert "Codex skips a changed hook until you trust it again" in proc.stderr
    changed = [c["message"] for c in doctor() if c["status"] == "problem"]
    assert changed and all("changed since you trusted it" in m for m in changed), changed


def test_codex_context_reaches_the_models_next_request(codex: Path, tmp_path: Path) -> None:
    setup = codex_setup(tmp_path)
    run = agent_cli.run_codex(codex, setup.project, setup.home, "hmtest-prompt", extra_env=setup.hookmux_env)
    assert run.returncode == 0, run.describe()
    (first,) = [r for r in run.model_requests()][:1]
    assert "alpha-context" in request_text(first)  # alpha's greeting, a developer message
    run = agent_cli.run_codex(codex, setup.project, setup.home, "go [[cmd:echo hmtest-context]]",
                              extra_env=setup.hookmux_env)  # fmt: skip
    after_tool = run.model_requests()[-1]
    assert "alpha-context for call_" in request_text(after_tool)
    explained = [e for e in setup.records() if e["event"] == "PostToolUse"]
    assert explained and explained[-1]["agent"] == "codex"


# -- Gemini CLI -----------------------------------------------------------------------


def gemini_setup(tmp_path: Path, plugins: str = "alpha") -> Setup:
    setup = Setup(tmp_path, plugins)
    agent_cli.prepare_gemini(setup.home, setup.project)
    setup.install("gemini")
    return setup


def test_gemini_deny_stops_the_shell_call_and_the_model_gets_the_reason(gemini: Path, tmp_path: Path) -> None:
    setup = gemini_setup(tmp_path)
    marker = setup.project / "ran"
    run = agent_cli.run_gemini(gemini, setup.project, setup.home, f"[[cmd:hmtest-deny && touch {marker}]]",
                               extra_env=setup.hookmux_env)  # fmt: skip
    assert run.returncode == 0, run.describe()
    assert not marker.exists()
    last = request_text(run.model_requests()[-1])
    assert "Tool execution blocked: alpha refuses" in last, run.describe()
    settings = json.loads((setup.home / ".gemini" / "settings.json").read_text())
    assert settings["privacy"] == {"usageStatisticsEnabled": False}  # the user's settings, kept


def test_gemini_context_reaches_the_models_next_request(gemini: Path, tmp_path: Path) -> None:
    setup = gemini_setup(tmp_path)
    run = agent_cli.run_gemini(
        gemini, setup.project, setup.home, "hmtest-prompt", extra_env=setup.hookmux_env
    )
    assert run.returncode == 0, run.describe()
    first = next(r for r in run.model_requests() if r.get("api") == "streamGenerateContent")
    assert "alpha-context" in request_text(first), run.describe()
    run = agent_cli.run_gemini(gemini, setup.project, setup.home, "[[cmd:echo hmtest-context]]",
                               extra_env=setup.hookmux_env)  # fmt: skip
    assert "<hook_context>alpha-context" in request_text(run.model_requests()[-1]), run.describe()
    assert any(e["event"] == "PostToolUse" and e["agent"] == "gemini" for e in setup.records())
