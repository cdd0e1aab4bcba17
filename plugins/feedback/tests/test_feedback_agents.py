"""The transcripts of Codex CLI 0.171.0 and Gemini CLI 0.61.0 (real ones, from a session each:
a shell call, then a new file), read as Claude Code's and backed up with the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from feedback_support import DATA
from hookmux_feedback.backup import backup
from hookmux_feedback.config import Paths
from hookmux_feedback.transcript import (
    checked_transcript,
    context_summary,
    recent_conversation,
    tools_of_last_turn,
)

CODEX = DATA / "codex-0.171.0-rollout.jsonl"
GEMINI = DATA / "gemini-0.61.0-session.jsonl"


@pytest.fixture
def codex_transcript(tmp_path: Path) -> Path:
    """Where Codex keeps it: $CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl (CODEX_HOME: ~/.codex)."""
    target = tmp_path / "home" / ".codex" / "sessions" / "2026" / "12" / "07" / f"rollout-{CODEX.name}"
    target.parent.mkdir(parents=True)
    shutil.copyfile(CODEX, target)
    return target


@pytest.fixture
def gemini_transcript(tmp_path: Path) -> Path:
    """Where Gemini CLI keeps it: ~/.gemini/tmp/<project>/chats/session-*.jsonl."""
    target = tmp_path / "home" / ".gemini" / "tmp" / "myproj" / "chats" / f"session-{GEMINI.name}"
    target.parent.mkdir(parents=True)
    shutil.copyfile(GEMINI, target)
    return target


def test_a_codex_transcript_reads_as_claude_codes(codex_transcript: Path) -> None:
    path = checked_transcript(str(codex_transcript))
    assert path == str(codex_transcript)
    assert tools_of_last_turn(path) == ["Bash", "Write"]  # exec_command, then apply_patch adding a file
    assert context_summary(path) == "✏️ a.txt"
    conversation = recent_conversation(path)
    assert "USER: say [[cmd:echo hi]]" in conversation and "ASSISTANT: FINAL: Exit code: 0" in conversation
    assert "<environment_context>" not in conversation


def test_a_gemini_transcript_reads_as_claude_codes(gemini_transcript: Path) -> None:
    path = checked_transcript(str(gemini_transcript))
    assert path == str(gemini_transcript)
    # each model message is written twice (before and after its tool calls): counted once
    assert tools_of_last_turn(path) == ["Bash", "Write"]
    assert context_summary(path) == "✏️ b.txt"
    conversation = recent_conversation(path)
    assert conversation.count("USER: ") == 1 and "USER: say [[cmd:echo hi]]" in conversation
    assert "ASSISTANT: FINAL:" in conversation


def test_codex_home_and_gemini_cli_home_are_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    codex = tmp_path / "elsewhere" / "sessions" / "2026" / "x.jsonl"
    codex.parent.mkdir(parents=True)
    codex.write_text("{}\n")
    assert checked_transcript(str(codex)) is None
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "elsewhere"))
    assert checked_transcript(str(codex)) == str(codex)


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_the_backup_keeps_each_agents_transcript_apart_and_redacted(
    agent: str, paths: Paths, codex_transcript: Path, gemini_transcript: Path
) -> None:
    transcript = codex_transcript if agent == "codex" else gemini_transcript
    secret = "sk-ant-api03-" + "x" * 40
    with transcript.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"type": "user", "content": [{"text": f"use {secret}"}]}) + "\n")
    result = backup(paths, str(transcript))
    assert result.transcript is not None
    copy = Path(result.transcript)
    folder = "codex-2026-12-07" if agent == "codex" else "gemini-myproj-chats"
    assert copy == Path(paths.backup_dir) / "transcripts" / folder / transcript.name
    text = copy.read_text(encoding="utf-8")
    assert secret not in text and len(text.splitlines()) == len(transcript.read_text().splitlines())
