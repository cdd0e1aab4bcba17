"""hookmux-ghap behind the real Codex CLI 0.171.0 and Gemini CLI 0.61.0, wired by
``hookmux install --agent``, offline: the check-in after the tenth tool call with a GHAP
active reaches the model's next request (Codex: PreToolUse context, a developer message;
Gemini CLI, which takes context only after a tool: with the tenth call's result).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ghap_helpers import PLUGIN

from hookmux.testing import hookmux_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.support

from tests.support import agent_cli

pytestmark = pytest.mark.e2e

CHECK_IN = "GHAP Check-in (10 tools since last update)"


def start_command() -> str:
    return shlex.join([
        hookmux_executable(), "ghap", "start", "--domain", "debugging", "--strategy", "read-the-error",
        "--goal", "Make the login test pass", "--hypothesis", "The session cookie expires",
        "--action", "Run the login test", "--prediction", "The login test will pass",
    ])  # fmt: skip


def setup(root: Path, agent: str) -> tuple[Path, Path, dict[str, str]]:
    home, project = root / "agent-home", root / "project"
    home.mkdir()
    project.mkdir()
    hook_env = {"HOOKMUX_HOME": str(root / "state"), "XDG_CONFIG_HOME": str(root / "config"),
                "HOOKMUX_PLUGINS": PLUGIN, "HOOKMUX_SERVE": "0"}  # fmt: skip
    if agent == "codex":
        agent_cli.prepare_codex(home)
    else:
        agent_cli.prepare_gemini(home, project)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOOKMUX", "CLAUDE", "CLAMS", "CODEX", "GEMINI"))
    }
    env.update(HOME=str(home), CODEX_HOME=str(home / ".codex"), **hook_env)
    command = [hookmux_executable(), "install", f"--agent={agent}", "--project-dir", str(project)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return home, project, hook_env


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_the_tenth_tool_calls_check_in_reaches_the_models_next_request(agent: str, tmp_path: Path) -> None:
    executable = agent_cli.require(agent)
    home, project, hook_env = setup(tmp_path.resolve(), agent)
    # call 1 starts the GHAP (and resets the count), calls 2-10 are the next nine, then the tenth
    prompt = f"[[cmd:{start_command()}]] [[repeat:9:echo next-{{n}}]] [[cmd:echo tenth]]"
    if agent == "codex":
        run = agent_cli.run_codex(executable, project, home, prompt, extra_env=hook_env, timeout=300)
        requests = run.model_requests()
    else:
        run = agent_cli.run_gemini(executable, project, home, prompt, extra_env=hook_env, timeout=300)
        requests = [r for r in run.model_requests() if r.get("api") == "streamGenerateContent"]
    assert run.returncode == 0, run.describe()
    texts = [json.dumps(r.get("body"), ensure_ascii=False) for r in requests]
    assert len(texts) == 12, run.describe()  # one request per tool call, and the final one
    assert "Started ghap_" in texts[1], run.describe()
    assert all(CHECK_IN not in text for text in texts[:11]), run.describe()
    assert texts[11].count(CHECK_IN) == 1, run.describe()
    assert "**Current Goal**: Make the login test pass" in texts[11]
    journal = project / ".claude" / "journal"
    assert (journal / ".tool_count").read_text() == "0"  # reset by the check-in
    current: dict[str, Any] = json.loads((journal / "current_ghap.json").read_text())
    assert current["goal"] == "Make the login test pass"
