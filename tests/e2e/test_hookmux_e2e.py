"""hookmux behind the real Claude Code 2.1.330: what the model receives is what counts.

Project hooks run ``hookmux run`` in exec form (the absolute console script of
this environment, no shell). The test plugins (tests/plugins/testplugins) are
installed next to the core: alpha (priority 80) denies ``hmtest-deny`` and, like
beta (priority 20), adds context after ``hmtest-context`` commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hookmux.testing import hookmux_executable
from tests.e2e.conftest import Workspace
from tests.support.claude_cli import run_claude
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e


def hookmux_hook() -> dict[str, Any]:
    return {"type": "command", "command": hookmux_executable(), "args": ["run"], "timeout": 30}


def test_plugin_deny_stops_bash_and_two_plugins_context_reaches_the_model_in_priority_order(
    claude: Path, workspace: Workspace
) -> None:
    marker = workspace.project_dir / "must-not-exist"
    workspace.write_settings(
        {
            "hooks": {
                "PreToolUse": [{"matcher": "Bash", "hooks": [hookmux_hook()]}],
                "PostToolUse": [{"matcher": "Bash", "hooks": [hookmux_hook()]}],
            }
        }
    )
    script = [
        ToolUse(
            "Bash", {"command": f"hmtest-deny; touch {marker}", "description": "denied"}, id="toolu_deny"
        ),
        ToolUse("Bash", {"command": "echo hmtest-context", "description": "context"}, id="toolu_ctx"),
        Text("All done."),
    ]
    with MessagesAPI(script) as api:
        run = run_claude(claude, workspace.project_dir, workspace.home_dir, api.url, timeout=120)
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        results = {r["tool_use_id"]: r for r in api.tool_results()}

        denied = results["toolu_deny"]
        assert denied["is_error"] is True, describe
        assert "alpha refuses" in denied["content"], describe
        assert not marker.exists()  # the command never ran

        allowed = results["toolu_ctx"]
        assert allowed["is_error"] is False and "hmtest-context" in allowed["content"], describe
        sent = api.text_sent_to_model()
        first = sent.find("alpha-context for toolu_ctx")
        second = sent.find("beta-context for toolu_ctx")
        assert first != -1 and second != -1, describe
        assert first < second  # priority 80 before priority 20


def test_events_no_plugin_wants_leave_claude_code_undisturbed(claude: Path, workspace: Workspace) -> None:
    """hookmux on every event of a session: nothing matches, so nothing changes."""
    events = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"]
    workspace.write_settings({"hooks": {e: [{"hooks": [hookmux_hook()]}] for e in events}})
    script = [
        ToolUse("Write", {"file_path": str(workspace.project_dir / "a.txt"), "content": "hi\n"}),
        Text("ok"),
    ]
    with MessagesAPI(script) as api:
        run = run_claude(claude, workspace.project_dir, workspace.home_dir, api.url, timeout=120)
        assert run.returncode == 0, run.describe()
        assert (workspace.project_dir / "a.txt").read_text() == "hi\n"
        assert run.result is not None and run.result.get("is_error") is False, json.dumps(run.result)
        assert "hook error" not in api.text_sent_to_model()
