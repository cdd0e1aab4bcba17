"""GHAP with Codex CLI and Gemini CLI payloads, in-process (their adapters both ways)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hookmux_ghap as plugin

from hookmux.testing import EventRun, run_event


def gemini_tool(event: str, project: Path, command: str, **extra: Any) -> dict[str, Any]:
    return {"hook_event_name": event, "session_id": "g-1", "cwd": str(project),
            "tool_name": "run_shell_command", "tool_input": {"command": command}, **extra}  # fmt: skip


def codex_post(project: Path, command: str, output: str) -> dict[str, Any]:
    return {"hook_event_name": "PostToolUse", "session_id": "c-1", "turn_id": "t", "cwd": str(project),
            "model": "gpt-5.5", "tool_name": "Bash", "tool_input": {"command": command},
            "tool_response": output, "tool_use_id": "call_1"}  # fmt: skip


def run(payload: dict[str, Any], agent: str) -> EventRun:
    return run_event(payload, plugins={"ghap": plugin}, agent=agent)


def start_ghap(journal_dir: Path) -> None:
    from hookmux_ghap.journal import Journal

    Journal(str(journal_dir)).create(
        "debugging",
        "read-the-error",
        "Fix the login test",
        "The cookie expires",
        "Freeze the clock",
        "It passes",
    )


def test_gemini_gets_the_check_in_with_the_tenth_calls_result(project: Path, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    start_ghap(journal_dir)
    result = {"llmContent": "<untrusted_context>\nOutput: x\n</untrusted_context>", "returnDisplay": "x"}
    answers = []
    for _ in range(10):
        before = run(gemini_tool("BeforeTool", project, "ls"), "gemini")
        assert before.output is None and before.notes == []  # nothing Gemini CLI would drop
        answers.append(run(gemini_tool("AfterTool", project, "ls", tool_response=result), "gemini").output)
    assert answers[:9] == [None] * 9
    assert answers[9] is not None
    context = answers[9]["hookSpecificOutput"]
    assert context["hookEventName"] == "AfterTool"
    assert context["additionalContext"].startswith("## GHAP Check-in (10 tools since last update)")
    assert run(gemini_tool("AfterTool", project, "ls", tool_response=result), "gemini").output is None  # once


def test_codex_test_outcomes_come_from_the_output_it_sends(project: Path, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    start_ghap(journal_dir)
    failed = run(codex_post(project, "pytest -q", "F..\n1 failed, 2 passed in 0.1s\n"), "codex")
    text = failed.output["hookSpecificOutput"]["additionalContext"]  # type: ignore[index]
    assert "Tests: 2 passed, 1 failed" in text
    # no summary and no exit code: GHAP claims nothing
    assert run(codex_post(project, "make build", "done\n"), "codex").output is None


def test_a_failing_gemini_test_run_is_a_failure_with_its_counts(project: Path, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    start_ghap(journal_dir)
    result = {"llmContent": "<untrusted_context>\nOutput: F..\n1 failed, 2 passed in 0.1s\nExit Code: 1\n"
              "Process Group PGID: 7\n</untrusted_context>", "returnDisplay": ""}  # fmt: skip
    answer = run(gemini_tool("AfterTool", project, "pytest -q", tool_response=result), "gemini").output
    assert answer is not None
    context = answer["hookSpecificOutput"]
    assert context["hookEventName"] == "AfterTool"  # Gemini CLI's name for the event, as it expects
    assert "Tests: 2 passed, 1 failed" in context["additionalContext"]
    from hookmux_ghap.journal import LAST_OUTCOME

    outcome = json.loads((journal_dir / LAST_OUTCOME).read_text())
    assert outcome["success"] is False and outcome["failed"] == 1 and outcome["command"] == "pytest -q"
