"""hookmux-metadata behind the real Codex CLI 0.171.0 and Gemini CLI 0.61.0, wired by
``hookmux install --agent``, offline: a change that would leave metadata.json invalid is
refused and the model receives the reason (Codex: an ``apply_patch`` updating the file;
Gemini CLI: a ``write_file``); a valid one goes through and its transition is recorded."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from hookmux.testing import hookmux_executable  # noqa: E402
from tests.support import agent_cli  # noqa: E402

pytestmark = pytest.mark.e2e

OURS = ("specstatus", "metadata")
INC = "0045-living-docs-external-sync"
DATA = Path(__file__).parent / "data"
REASON = "- Invalid status: done (must be one of: planning, active, backlog, paused, completed, abandoned)"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def patch(path: str, old: str, new: str) -> str:
    return f"*** Begin Patch\n*** Update File: {path}\n@@\n-{old}\n+{new}\n*** End Patch\n"


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_an_invalid_status_is_refused_and_the_model_gets_the_reason(agent: str, tmp_path: Path) -> None:
    executable = agent_cli.require(agent)
    root = tmp_path.resolve()
    project, home = root / "project", root / "agent-home"
    home.mkdir()
    increment = project / ".specweave" / "increments" / INC
    increment.mkdir(parents=True)
    original = (
        (DATA / "0045-metadata.json").read_text().replace('"status": "completed"', '"status": "active"')
    )
    metadata = increment / "metadata.json"
    metadata.write_text(original)
    (increment / "spec.md").write_text(f"---\nincrement: {INC}\nstatus: active\ncreated: 2025-11-19\n---\n")
    hook_env = {"HOOKMUX_HOME": str(root / "hookmux-home"), "XDG_CONFIG_HOME": str(root / "config"),
                "HOOKMUX_PLUGINS": ",".join(OURS), "HOOKMUX_SERVE": "0"}  # fmt: skip
    if agent == "codex":
        agent_cli.prepare_codex(home)
    else:
        agent_cli.prepare_gemini(home, project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", "CODEX", "GEMINI"))}
    env.update(HOME=str(home), CODEX_HOME=str(home / ".codex"), **hook_env)
    command = [hookmux_executable(), "install", f"--agent={agent}", "--project-dir", str(project)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    relative = f".specweave/increments/{INC}/metadata.json"
    if agent == "codex":
        bad = patch(relative, '  "status": "active",', '  "status": "done",')
        good = patch(relative, '  "status": "active",', '  "status": "paused",')
        prompt = f"[[patch64:{b64(bad)}]] [[patch64:{b64(good)}]]"
        run = agent_cli.run_codex(executable, project, home, prompt, extra_env=hook_env, timeout=240)
        outputs = [r["body"]["input"][-1].get("output", "") for r in run.model_requests()[1:]]
        refused, accepted = outputs[0], outputs[1]
        assert "Command blocked by PreToolUse hook: SpecWeave: this Edit would leave" in refused, (
            run.describe()
        )
    else:
        bad = original.replace('"status": "active"', '"status": "done"')
        good = original.replace('"status": "active"', '"status": "paused"')
        prompt = f"[[write64:{relative}:{b64(bad)}]] [[write64:{relative}:{b64(good)}]]"
        run = agent_cli.run_gemini(executable, project, home, prompt, extra_env=hook_env, timeout=240)
        main = [r for r in run.model_requests() if r.get("api") == "streamGenerateContent"]
        outputs = [json.dumps(r["body"]["contents"][-1], ensure_ascii=False) for r in main[1:]]
        refused, accepted = outputs[0], outputs[1]
        assert "Tool execution blocked: SpecWeave: this Write would leave" in refused, run.describe()
    assert run.returncode == 0, run.describe()
    assert REASON in refused.replace("\\n", "\n"), refused
    assert "blocked" not in accepted, accepted
    assert json.loads(metadata.read_text())["status"] == "paused"  # the bad change never landed
    path = project / ".specweave" / "state" / "status-transitions.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["from"], r["to"]) for r in records] == [("active", "paused")]
