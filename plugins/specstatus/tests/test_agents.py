"""The AC sync on edits from Codex CLI (apply_patch, any file of the patch) and Gemini CLI
(replace), through the real ``hookmux run --agent`` and its detached worker."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from specstatus_support import INCREMENT, PLUGINS, cache_file, tasks_file

from hookmux.testing import HookmuxCLI

TASKS = f".specweave/increments/{INCREMENT}/tasks.md"


def completed(root: Path) -> int | None:
    try:
        return int(json.loads(cache_file(root).read_text())["current"]["completed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def wait_for_completed(root: Path, count: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and completed(root) != count:
        time.sleep(0.05)
    return completed(root) == count


def tick(root: Path, count: int) -> None:
    text = tasks_file(root).read_text().replace("**Status**: [x] completed", "**Status**: Completed")
    tasks_file(root).write_text(text.replace("**Status**: Completed", "**Status**: [x] completed", count))


def codex_event(project: Path) -> dict[str, Any]:
    patch = (
        "*** Begin Patch\n*** Add File: notes.md\n+x\n"
        f"*** Update File: {TASKS}\n@@\n-**Status**: Completed\n+**Status**: [x] completed\n*** End Patch\n"
    )
    return {"hook_event_name": "PostToolUse", "session_id": "c-1", "turn_id": "t", "cwd": str(project),
            "model": "gpt-5.5", "tool_name": "apply_patch", "tool_input": {"command": patch},
            "tool_response": "Success. Updated the following files:\nA notes.md\nM tasks.md\n",
            "tool_use_id": "call_1"}  # fmt: skip


def gemini_event(project: Path) -> dict[str, Any]:
    return {"hook_event_name": "AfterTool", "session_id": "g-1", "cwd": str(project), "tool_name": "replace",
            "tool_input": {"file_path": TASKS, "old_string": "**Status**: Completed",
                           "new_string": "**Status**: [x] completed", "instruction": "tick"},
            "tool_response": {"llmContent": "Successfully modified file", "returnDisplay": {}}}  # fmt: skip


@pytest.mark.parametrize(("agent", "make"), [("codex", codex_event), ("gemini", gemini_event)])
def test_an_edit_from_another_agent_syncs_the_status_line(
    agent: str, make: Any, hookmux_cli: HookmuxCLI, project: Path
) -> None:
    tick(project, 2)  # the edit is on disk (the tool ran)
    result = hookmux_cli.run(make(project), f"--agent={agent}", env={"HOOKMUX_PLUGINS": PLUGINS})
    assert (result.returncode, result.stdout) == (0, b""), result.stderr
    assert wait_for_completed(project, 2)
