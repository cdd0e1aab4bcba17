"""hookmux-capture behind the real Codex CLI 0.171.0 and Gemini CLI 0.61.0, offline.

``hookmux install --agent ...`` wires every event the agent fires (capture takes them
all, the agents' own events included); an independent witness hook on every wired
event logs what the agent fired. The capture must hold one line per hook event the
witness saw, under its canonical name.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from capture_testing import wait_for

from hookmux.testing import hookmux_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.support

from tests.support import agent_cli

pytestmark = pytest.mark.e2e

WITNESS = """\
import fcntl, json, sys
event = json.load(sys.stdin)
with open(sys.argv[1], "a", encoding="utf-8") as log:
    fcntl.flock(log, fcntl.LOCK_EX)
    log.write(json.dumps({"event": event["hook_event_name"], "tool": event.get("tool_name"),
                          "error": bool((event.get("tool_response") or {}).get("error"))
                          if isinstance(event.get("tool_response"), dict) else False,
                          "session_id": event.get("session_id")}) + "\\n")
"""


class Setup:
    def __init__(self, root: Path, agent: str) -> None:
        self.agent = agent
        self.root = root
        self.project = root / "project"
        self.home = root / "home"
        self.state = root / "state"
        self.witness_log = root / "witness.ndjson"
        self.project.mkdir()
        self.home.mkdir()
        self.hookmux_env = {
            "HOOKMUX_HOME": str(self.state),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "HOOKMUX_PLUGINS": "capture",
            "HOOKMUX_SERVE": "0",
            "HOOKMUX__CAPTURE__AUTO_BUNDLE": "false",
        }
        if agent == "codex":
            agent_cli.prepare_codex(self.home)
        else:
            agent_cli.prepare_gemini(self.home, self.project)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", "CODEX", "GEMINI"))
        }
        env.update(HOME=str(self.home), CODEX_HOME=str(self.home / ".codex"), **self.hookmux_env)
        self.env = env
        command = [hookmux_executable(), "install", f"--agent={agent}", "--project-dir", str(self.project)]
        proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        hook_file = (
            self.home / ".codex" / "hooks.json"
            if agent == "codex"
            else self.home / ".gemini" / "settings.json"
        )
        document = json.loads(hook_file.read_text())
        script = root / "witness.py"
        script.write_text(WITNESS)
        witness = {
            "type": "command",
            "command": f"{sys.executable} {script} {self.witness_log}",
            "timeout": 30,
        }
        if agent == "gemini":
            witness.update(name="witness", timeout=30000)
        self.wired = sorted(document["hooks"])
        for groups in document["hooks"].values():
            groups.append({"hooks": [witness]})
        hook_file.write_text(json.dumps(document, indent=2))

    def witnessed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.witness_log.read_text().splitlines()]

    def captured(self, session: str) -> list[dict[str, Any]]:
        path = self.state / "capture" / f"{session}.ndjson"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def canonical(agent: str, seen: dict[str, Any]) -> str:
    if agent == "codex":
        return str(seen["event"])
    from hookmux.agents.gemini.adapter import EVENTS

    if seen["event"] == "AfterTool" and seen["error"]:
        return "PostToolUseFailure"
    return EVENTS[seen["event"]]


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_one_capture_line_per_hook_event_the_agent_fired(agent: str, tmp_path: Path) -> None:
    executable = agent_cli.require(agent)
    setup = Setup(tmp_path.resolve(), agent)
    from hookmux.agents.registry import adapter

    module = adapter(agent)
    assert module is not None
    assert setup.wired == sorted(module.EVENTS)  # capture takes every event: every one is wired
    prompt = "[[cmd:echo capture-e2e]] [[cmd:echo second]]"
    if agent == "codex":
        run = agent_cli.run_codex(executable, setup.project, setup.home, prompt, extra_env=setup.hookmux_env)
    else:
        run = agent_cli.run_gemini(executable, setup.project, setup.home, prompt, extra_env=setup.hookmux_env)
    assert run.returncode == 0, run.describe()
    seen = setup.witnessed()
    (session,) = {w["session_id"] for w in seen}
    fired = collections.Counter(canonical(agent, w) for w in seen)
    for needed in ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"):
        assert fired[needed] >= 1, (needed, fired)
    assert fired["PreToolUse"] == 2, fired
    wait_for(lambda: len(setup.captured(session)) >= len(seen), 15, "the capture to catch up")
    lines = setup.captured(session)
    assert collections.Counter(line["event"] for line in lines) == fired
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    # the bundle correlates each call's Pre and Post (Gemini CLI gives calls no id: the adapter does)
    proc = subprocess.run([hookmux_executable(), "capture", "bundle", session, "--json"], env=setup.env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    bundle = json.loads(proc.stdout)
    assert [c["status"] for c in bundle["tool_calls"]] == ["ok", "ok"], bundle["tool_calls"]
    assert bundle["correlation"]["missing-post"] == bundle["correlation"]["orphan-post"] == 0
    assert bundle["counts"]["tools"] == {"Bash": 2}
