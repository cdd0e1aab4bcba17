"""Prove the end-to-end harness against the real Claude Code CLI (no hookmux here).

Each test starts the Messages API stand-in, writes project hooks into
``<project>/.claude/settings.json`` (small stdlib-only Python scripts run with this
interpreter), runs ``claude -p`` offline and asserts on what the hooks received and
on what the scripted model was sent.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.support.claude_cli import ClaudeRun, run_claude
from tests.support.messages_api import (
    MessagesAPI,
    ScriptEntry,
    Text,
    ToolUse,
)

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 120.0

DENY_REASON = "blocked by harness-test policy: no shell today"
CONTEXT_MARKER = "HARNESS-CONTEXT-7f3a: the answer is 42"

DENY_HOOK = f"""\
import json, sys
event = json.load(sys.stdin)
command = event.get("tool_input", {{}}).get("command", "")
print(json.dumps({{"hookSpecificOutput": {{
    "hookEventName": "PreToolUse",
    "permissionDecision": "deny",
    "permissionDecisionReason": {DENY_REASON!r} + " (" + command + ")",
}}}}))
"""

CONTEXT_HOOK = f"""\
import json, sys
json.load(sys.stdin)
print(json.dumps({{"hookSpecificOutput": {{
    "hookEventName": "UserPromptSubmit",
    "additionalContext": {CONTEXT_MARKER!r},
}}}}))
"""

RECORD_HOOK = """\
import json, sys
event = json.load(sys.stdin)
with open(sys.argv[1], "a", encoding="utf-8") as log:
    log.write(json.dumps(event, sort_keys=True) + "\\n")
"""


def exec_hook(script: Path, *args: str) -> dict[str, Any]:
    """A command hook in exec form (no shell)."""
    return {
        "type": "command",
        "command": sys.executable,
        "args": [str(script), *args],
        "timeout": 60,
    }


def shell_hook(script: Path, *args: str) -> dict[str, Any]:
    """A command hook in shell form."""
    command = " ".join(shlex.quote(part) for part in (sys.executable, str(script), *args))
    return {"type": "command", "command": command, "timeout": 60}


def diagnostics(run: ClaudeRun, api: MessagesAPI) -> str:
    return f"{run.describe()}\n--- Messages API stand-in ---\n{api.describe()}"


def drive(
    claude: Path,
    workspace: Workspace,
    script: Sequence[ScriptEntry],
    prompt: str = "go",
) -> tuple[ClaudeRun, MessagesAPI]:
    """Run Claude Code once against a fresh stand-in; check the session completed."""
    with MessagesAPI(script) as api:
        run = run_claude(
            claude,
            workspace.project_dir,
            workspace.home_dir,
            api.url,
            prompt=prompt,
            timeout=RUN_TIMEOUT,
        )
    info = diagnostics(run, api)
    assert run.returncode == 0, info
    assert run.result is not None, info
    assert run.result.get("is_error") is False, info
    assert api.main_requests, info
    assert not api.errors, info
    return run, api


def test_pretooluse_deny_stops_bash(claude: Path, workspace: Workspace) -> None:
    deny = workspace.hook_script("deny.py", DENY_HOOK)
    workspace.write_settings({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [exec_hook(deny)]}]}})
    written = workspace.project_dir / "written.txt"
    script: list[ScriptEntry] = [
        [  # one assistant turn with two parallel tool calls; only Bash matches the hook
            ToolUse(
                "Bash",
                {"command": "touch bash-ran.txt", "description": "touch"},
                id="toolu_bash",
            ),
            ToolUse(
                "Write",
                {"file_path": str(written), "content": "written\n"},
                id="toolu_write",
            ),
        ],
        Text("Finished."),
    ]
    run, api = drive(claude, workspace, script)
    info = diagnostics(run, api)

    assert not (workspace.project_dir / "bash-ran.txt").exists(), "denied Bash command ran\n" + info
    assert written.read_text(encoding="utf-8") == "written\n", info
    results = {r["tool_use_id"]: r for r in api.tool_results()}
    assert set(results) == {"toolu_bash", "toolu_write"}, f"{results}\n{info}"
    bash = results["toolu_bash"]
    assert bash["is_error"] is True, f"{bash}\n{info}"
    expected = f"PreToolUse:Bash hook error: {DENY_REASON} (touch bash-ran.txt)"
    assert bash["content"] == expected, f"{bash}\n{info}"
    assert results["toolu_write"]["is_error"] is False, f"{results}\n{info}"
    assert run.result is not None
    denials = run.result.get("permission_denials", [])
    assert [d.get("tool_use_id") for d in denials] == ["toolu_bash"], f"{denials}\n{info}"
    assert run.result.get("result") == "Finished.", info


def test_user_prompt_submit_additional_context_reaches_model(claude: Path, workspace: Workspace) -> None:
    context = workspace.hook_script("context.py", CONTEXT_HOOK)
    workspace.write_settings({"hooks": {"UserPromptSubmit": [{"hooks": [shell_hook(context)]}]}})
    run, api = drive(claude, workspace, [Text("Finished.")], prompt="hello there")
    info = diagnostics(run, api)

    sent = api.text_sent_to_model()
    assert CONTEXT_MARKER in sent, f"additionalContext not in the model's request\n{info}"
    assert "hello there" in sent, info
    assert not api.tool_results(), info


def test_hooks_receive_real_payloads(claude: Path, workspace: Workspace) -> None:
    log = workspace.root / "events.ndjson"
    record = workspace.hook_script("record.py", RECORD_HOOK)
    hook = exec_hook(record, str(log))
    tool_events = ("PreToolUse", "PostToolUse")
    other_events = ("SessionStart", "UserPromptSubmit", "Stop", "SessionEnd")
    hooks: dict[str, list[dict[str, Any]]] = {
        name: [{"matcher": "*", "hooks": [hook]}] for name in tool_events
    }
    hooks.update({name: [{"hooks": [hook]}] for name in other_events})
    workspace.write_settings({"hooks": hooks})
    script: list[ScriptEntry] = [
        ToolUse(
            "Bash",
            {"command": "echo payload-check", "description": "echo"},
            id="toolu_payload",
        ),
        Text("All done."),
    ]
    run, api = drive(claude, workspace, script, prompt="record the payloads")
    info = diagnostics(run, api)

    assert log.exists(), "no hook ever ran\n" + info
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    names = [e.get("hook_event_name") for e in events]
    info = f"hook events seen: {names}\n{info}"
    expected_order = [
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "Stop",
    ]
    for name in expected_order:
        assert name in names, f"{name} hook did not run\n{info}"
    positions = [names.index(name) for name in expected_order]
    assert positions == sorted(positions), f"events out of order\n{info}"

    by_name = {e["hook_event_name"]: e for e in events}
    assert run.result is not None
    assert {e.get("session_id") for e in events} == {run.result.get("session_id")}, info
    for event in events:
        assert event.get("cwd") == str(workspace.project_dir), f"{event}\n{info}"
        assert event.get("transcript_path"), f"{event}\n{info}"
    assert by_name["SessionStart"].get("source") == "startup", info
    assert by_name["UserPromptSubmit"].get("prompt") == "record the payloads", info
    pre, post = by_name["PreToolUse"], by_name["PostToolUse"]
    for event in (pre, post):
        assert event.get("tool_name") == "Bash", f"{event}\n{info}"
        assert event.get("tool_use_id") == "toolu_payload", f"{event}\n{info}"
        assert event.get("tool_input", {}).get("command") == "echo payload-check", f"{event}\n{info}"
    assert "payload-check" in post.get("tool_response", {}).get("stdout", ""), f"{post}\n{info}"
    stop = by_name["Stop"]
    assert stop.get("stop_hook_active") is False, f"{stop}\n{info}"
    assert stop.get("last_assistant_message") == "All done.", f"{stop}\n{info}"
    assert [r["tool_use_id"] for r in api.tool_results()] == ["toolu_payload"], info
