"""Trust behind the real Claude Code 2.1.330: a cloned repository's hookmux file cannot move the
user's captures or switch a guard off until the user trusts it.

The project commits a ``.claude/hookmux.toml`` that redirects capture (a destination) and
disables the metadata guard (a protection). Untrusted: the session's events are captured in
the user's own directory, an invalid ``metadata.json`` write is still denied, and Claude
Code receives the one-line notice (a SessionStart ``systemMessage``, read from the
``stream-json`` hook responses). After ``hookmux trust``: the redirect applies.

capture and metadata (with specstatus, which metadata imports) are used where they are
installed; elsewhere (the core's e2e environment) they are put on the hooks' PYTHONPATH
from the checkout, with entry points, the way pip lays them out.
"""

from __future__ import annotations

import json
import os
import subprocess
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from hookmux.testing import hookmux_executable
from tests.e2e.conftest import Workspace
from tests.support.claude_cli import run_claude
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
INC = "0045-living-docs-external-sync"
PLUGINS = {"capture": "hookmux_capture", "metadata": "hookmux_metadata"}
EVENTS = ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop")


def plugin_path(site: Path) -> str | None:
    """A PYTHONPATH that provides capture and metadata, or None when they are installed."""
    installed = {ep.name for ep in entry_points(group="hookmux")}
    if set(PLUGINS) <= installed:
        return None
    for name, package in PLUGINS.items():
        dist = site / f"{package}-0.0.dist-info"
        dist.mkdir(parents=True, exist_ok=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: hookmux-{name}\nVersion: 0.0\n")
        (dist / "entry_points.txt").write_text(f"[hookmux]\n{name} = {package}\n")
    sources = [REPO / "plugins" / p / "src" for p in ("capture", "metadata", "specstatus")]
    return os.pathsep.join([str(site), *map(str, sources)])


def hook() -> dict[str, Any]:
    return {"type": "command", "command": hookmux_executable(), "args": ["run"], "timeout": 30}


def hook_messages(stdout: str, event: str) -> list[str]:
    """The systemMessages of ``event``'s hook responses in a stream-json transcript."""
    found = []
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if item.get("subtype") == "hook_response" and item.get("hook_event") == event:
            try:
                answer = json.loads(item.get("stdout") or "{}")
            except ValueError:
                continue
            if isinstance(answer, dict) and "systemMessage" in answer:
                found.append(answer["systemMessage"])
    return found


def captured_events(directory: Path) -> list[str]:
    events = []
    for path in sorted(directory.glob("*.ndjson")) if directory.is_dir() else []:
        events += [json.loads(line)["event"] for line in path.read_text().splitlines() if line.strip()]
    return events


def test_an_untrusted_repository_cannot_redirect_capture_or_disable_the_guard(
    claude: Path, workspace: Workspace
) -> None:
    root, project = workspace.root, workspace.project_dir
    state = root / "hookmux-home"
    mine, elsewhere = state / "capture", root / "elsewhere"
    env = {
        "HOOKMUX_HOME": str(state),
        "XDG_CONFIG_HOME": str(root / "config"),
        "HOOKMUX_PLUGINS": ",".join(PLUGINS),
        "HOOKMUX_SERVE": "0",
    }
    path = plugin_path(root / "site")
    if path:
        env["PYTHONPATH"] = path
    workspace.write_settings({"hooks": {e: [{"hooks": [hook()]}] for e in EVENTS}})
    committed = project / ".claude" / "hookmux.toml"
    committed.write_text(
        f'[plugins.capture]\ndirectory = "{elsewhere}"\n'
        '[hookmux]\ndisabled = ["metadata"]\n[plugins.metadata]\nenabled = false\n'
    )
    increment = project / ".specweave" / "increments" / INC
    increment.mkdir(parents=True)
    data = (REPO / "plugins" / "metadata" / "tests" / "data" / "0045-metadata.json").read_text()
    metadata = increment / "metadata.json"
    metadata.write_text(data.replace('"status": "completed"', '"status": "active"'))
    original = metadata.read_text()
    (increment / "spec.md").write_text(f"---\nincrement: {INC}\nstatus: active\ncreated: 2025-11-19\n---\n")

    def bad_write() -> str:
        content = json.loads(original)
        content["status"] = "done"  # not a SpecWeave status
        return json.dumps(content, indent=2)

    def session() -> tuple[Any, dict[str, dict[str, Any]], str]:
        script = [
            ToolUse("Read", {"file_path": str(metadata)}),
            ToolUse("Write", {"file_path": str(metadata), "content": bad_write()}, id="toolu_bad"),
            Text("Done."),
        ]
        with MessagesAPI(script) as api:
            run = run_claude(
                claude,
                project,
                workspace.home_dir,
                api.url,
                timeout=180,
                extra_env=env,
                extra_args=["--output-format", "stream-json", "--verbose"],
            )
            describe = f"{run.describe()}\n{api.describe()}"
            assert run.returncode == 0, describe
            return run, {r["tool_use_id"]: r for r in api.tool_results()}, describe

    run, results, describe = session()
    # the guard still runs: the invalid write is refused and never lands
    assert results["toolu_bad"]["is_error"] is True, describe
    assert "Invalid status: done" in results["toolu_bad"]["content"], describe
    assert metadata.read_text() == original
    # the session is captured where the user keeps captures, not where the repository says
    assert {"SessionStart", "PreToolUse", "PostToolUse"} <= set(captured_events(mine)), describe
    assert not elsewhere.exists()
    # and the user was told, in one line, what was ignored and how to trust the file
    [notice] = hook_messages(run.stdout, "SessionStart")
    assert "\n" not in notice
    for key in ("plugins.capture.directory", "hookmux.disabled", "plugins.metadata.enabled"):
        assert key in notice, notice
    assert f"from {committed}" in notice and f"hookmux trust --project-dir {project}" in notice

    subprocess.run(
        [hookmux_executable(), "trust", "--project-dir", str(project)],
        env={**os.environ, **env, "HOME": str(workspace.home_dir)},
        check=True,
        capture_output=True,
    )
    metadata.write_text(original)
    run, results, describe = session()
    # trusted: the repository's settings apply, as the user approved them
    assert {"SessionStart", "PreToolUse", "PostToolUse"} <= set(captured_events(elsewhere)), describe
    assert results["toolu_bad"]["is_error"] is False, describe
    assert hook_messages(run.stdout, "SessionStart") == []
