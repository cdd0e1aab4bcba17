"""End to end with the real Claude Code 2.1.330 CLI, wired by ``hookmux install``: a Write that
sets an invalid status is refused and the model receives the reason; a valid one goes through and
its transition is recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from hookmux.testing import hookmux_executable  # noqa: E402
from tests.support.claude_cli import (  # noqa: E402
    require_claude,
    run_claude,
)
from tests.support.messages_api import MessagesAPI, Text, ToolUse  # noqa: E402

pytestmark = pytest.mark.e2e

OURS = ("specstatus", "metadata")
INC = "0045-living-docs-external-sync"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def claude() -> Path:
    """The pinned Claude Code; skipped only when node is absent."""
    return require_claude()


def env_for(root: Path) -> dict[str, str]:
    return {
        "HOOKMUX_HOME": str(root / "hookmux-home"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "HOOKMUX_PLUGINS": ",".join(OURS),
    }


def install(root: Path, project: Path, home: Path) -> dict[str, Any]:
    from hookmux.routing.discovery import installed_plugins

    others = [name for name, *_ in installed_plugins() if name not in OURS]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
    env.update(env_for(root), HOME=str(home), HOOKMUX_DISABLED=",".join(others))
    subprocess.run(
        [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(project)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    settings: dict[str, Any] = json.loads((project / ".claude" / "settings.json").read_text())
    return settings


def test_an_invalid_status_is_refused_and_the_model_gets_the_reason(claude: Path, tmp_path: Path) -> None:
    root = tmp_path.resolve()
    project, home = root / "project", root / "home"
    home.mkdir()
    increment = project / ".specweave" / "increments" / INC
    increment.mkdir(parents=True)
    original = (
        (DATA / "0045-metadata.json").read_text().replace('"status": "completed"', '"status": "active"')
    )
    metadata = increment / "metadata.json"
    metadata.write_text(original)
    (increment / "spec.md").write_text(f"---\nincrement: {INC}\nstatus: active\ncreated: 2025-11-19\n---\n")
    settings = install(root, project, home)
    pre = [(g["matcher"], g["hooks"][0].get("if")) for g in settings["hooks"]["PreToolUse"]]
    assert ("Write", "Write(//**/.specweave/increments/*/metadata.json)") in pre

    def status(value: str) -> str:
        data = json.loads(original)
        data["status"] = value
        return json.dumps(data, indent=2)

    script = [
        ToolUse("Read", {"file_path": str(metadata)}),
        ToolUse("Write", {"file_path": str(metadata), "content": status("done")}, id="toolu_bad"),
        ToolUse("Write", {"file_path": str(metadata), "content": status("paused")}, id="toolu_good"),
        Text("Paused the increment."),
    ]
    with MessagesAPI(script) as api:
        run = run_claude(claude, project, home, api.url, timeout=180, extra_env=env_for(root))
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        results = {r["tool_use_id"]: r for r in api.tool_results()}

    refused = results["toolu_bad"]
    assert refused["is_error"] is True, describe
    assert "SpecWeave: this Write would leave .specweave/increments/" in refused["content"], refused
    assert (
        "- Invalid status: done (must be one of: planning, active, backlog, paused, completed, abandoned)"
        in (refused["content"])
    )
    assert results["toolu_good"]["is_error"] is False, describe
    assert json.loads(metadata.read_text())["status"] == "paused"  # the bad Write never landed

    path = project / ".specweave" / "state" / "status-transitions.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["from"], r["to"], r["tool"], r["toolUseId"]) for r in records] == [
        ("active", "paused", "Write", "toolu_good")
    ]
