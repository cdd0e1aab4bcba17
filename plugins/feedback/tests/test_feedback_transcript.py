"""Reading the real Claude Code 2.1.330 transcript as log-feedback.sh's jq does."""

from __future__ import annotations

import json
from pathlib import Path

from feedback_support import TRANSCRIPT
from hookmux_feedback.transcript import (
    context_summary,
    recent_conversation,
    tail_lines,
    tools_of_last_turn,
)


def test_quick_context_lists_edits_writes_and_reads_by_file_name() -> None:
    # Write, Read, Edit of notes.py, then Bash (not a file tool)
    assert context_summary(str(TRANSCRIPT)) == "✏️ notes.py, 📖 notes.py, ✏️ notes.py"


def _assistant_tool_line(name: str, file_path: str) -> str:
    block = {"type": "tool_use", "id": "t", "name": name, "input": {"file_path": file_path}}
    return json.dumps({"type": "assistant", "message": {"role": "assistant", "content": [block]}})


def test_quick_context_keeps_the_last_25_skips_own_logs_and_caps_at_1000(tmp_path: Path) -> None:
    lines = [
        _assistant_tool_line("Read", "/x/logs/debug.log"),
        _assistant_tool_line("Read", "/x/session-wins.jsonl"),
    ]
    lines += [_assistant_tool_line("Edit", f"/src/file{i:02d}.py") for i in range(30)]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = context_summary(str(path)).split(", ")
    assert items[0] == "✏️ file05.py" and items[-1] == "✏️ file29.py" and len(items) == 25

    long_names = [_assistant_tool_line("Write", f"/src/{'n' * 60}{i}.py") for i in range(25)]
    path.write_text("\n".join(long_names) + "\n", encoding="utf-8")
    summary = context_summary(str(path))
    assert len(summary) == 1003 and summary.endswith("...")


def test_quick_context_is_empty_without_a_transcript(tmp_path: Path) -> None:
    assert context_summary(str(tmp_path / "absent.jsonl")) == ""


def test_recent_conversation_is_the_fallback_summary_of_user_and_assistant_text() -> None:
    text = recent_conversation(str(TRANSCRIPT))
    assert text.splitlines() == [
        "Recent conversation:",
        "",
        "USER: make notes.py print final",
        "ASSISTANT: I refactored notes.py with Python and added error handling.",
        "USER: nice work, now run it",
        "ASSISTANT: Thanks! I ran it with Bash: it prints final.",
    ]


def test_tools_of_the_last_turn_restart_at_each_user_prompt(tmp_path: Path) -> None:
    assert tools_of_last_turn(str(TRANSCRIPT)) == ["Bash"]  # the second turn
    lines = TRANSCRIPT.read_text(encoding="utf-8").splitlines(keepends=True)
    second_prompt = next(
        i
        for i, line in enumerate(lines)
        if json.loads(line).get("message", {}).get("content") == "nice work, now run it"
    )
    first_turn = tmp_path / "first.jsonl"
    first_turn.write_text("".join(lines[:second_prompt]), encoding="utf-8")
    assert tools_of_last_turn(str(first_turn)) == ["Write", "Read", "Edit"]


def test_tail_reads_only_the_end_and_drops_the_cut_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text("".join(f'{{"n": {i}}}\n' for i in range(1000)), encoding="utf-8")
    assert tail_lines(str(path), 3) == ['{"n": 997}', '{"n": 998}', '{"n": 999}']
    tail = tail_lines(str(path), 1000, max_bytes=100)
    assert tail[-1] == '{"n": 999}' and all(line.startswith('{"n": ') for line in tail)
    assert len(tail) < 20
