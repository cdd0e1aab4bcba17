"""Storage: the original's JSONL logs, markdown memories and SQLite tables, under concurrency."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from hookmux_feedback.config import Paths
from hookmux_feedback.sessions import first_seen
from hookmux_feedback.storage import (
    Hit,
    record,
    refresh_learned,
    remember_response,
)

NOW = dt.datetime(2026, 11, 21, 20, 15, 3, tzinfo=dt.UTC)


def hit(
    kind: str = "loss", pattern: str = "totally wrong", message: str = "that's totally wrong", **kw: str
) -> Hit:
    fields = {
        "session_id": "s1",
        "project": "myproj",
        "user_message": message,
        "context_summary": "✏️ notes.py",
        "ai_summary": "Recent conversation:\n\nUSER: make notes.py print final",
        "transcript_path": "/home/u/.claude/projects/-p/s1.jsonl",
    }
    fields.update(kw)
    return Hit(kind=kind, pattern=pattern, **fields)


def rows(paths: Paths, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(paths.db)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_a_loss_is_written_to_the_memory_file_sqlite_and_the_losses_log(paths: Paths) -> None:
    [recorded] = record(paths, [hit()], NOW)
    local = NOW.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert recorded.cache_file == os.path.join(paths.cache_dir, "loss-2026-11-21-20-15-03.md")
    assert Path(recorded.cache_file).read_text(encoding="utf-8") == (
        "# Loss: totally wrong\n\n"
        f"**Time:** {local}\n**Project:** myproj\n**Pattern:** totally wrong\n\n"
        "## AI Summary\nRecent conversation:\n\nUSER: make notes.py print final\n\n"
        "## Quick Context\n✏️ notes.py\n\n"
        "## User Message\nthat's totally wrong\n"
    )
    [line] = Path(paths.losses).read_text(encoding="utf-8").splitlines()
    assert list(json.loads(line).items()) == [
        ("ts", "2026-11-21T20:15:03Z"),
        ("project", "myproj"),
        ("matched", "totally wrong"),
        ("cache_file", recorded.cache_file),
    ]
    assert not os.path.exists(paths.wins)
    assert rows(
        paths,
        "SELECT ts, session_id, project, pattern, type, user_message, context_summary, transcript_path,"
        " cache_file FROM feedback_entries",
    ) == [
        (
            "2026-11-21T20:15:03Z", "s1", "myproj", "totally wrong", "loss", "that's totally wrong",
            "✏️ notes.py", "/home/u/.claude/projects/-p/s1.jsonl", recorded.cache_file,
        )
    ]  # fmt: skip
    assert rows(paths, "SELECT feedback_id FROM feedback_fts WHERE feedback_fts MATCH 'wrong'") == [(1,)]
    assert rows(paths, "SELECT session_id, win_count, loss_count FROM sessions") == [("s1", 0, 1)]
    assert rows(paths, "PRAGMA journal_mode") == [("wal",)]


def test_a_win_and_a_loss_in_one_second_get_two_files_and_rows(paths: Paths) -> None:
    done = record(paths, [hit("win", "nice", "nice but wrong"), hit("loss", "wrong", "nice but wrong")], NOW)
    assert [os.path.basename(r.cache_file) for r in done] == [
        "win-2026-11-21-20-15-03.md",
        "loss-2026-11-21-20-15-03.md",
    ]
    again = record(paths, [hit("loss", "wrong", "wrong")], NOW)
    assert os.path.basename(again[0].cache_file) == "loss-2026-11-21-20-15-03-2.md"  # never overwritten
    assert rows(paths, "SELECT type, pattern FROM feedback_entries ORDER BY id") == [
        ("win", "nice"),
        ("loss", "wrong"),
        ("loss", "wrong"),
    ]
    assert rows(paths, "SELECT win_count, loss_count FROM sessions") == [(1, 2)]


def test_secrets_are_redacted_before_anything_is_stored(paths: Paths) -> None:
    secret = "sk-ant-api03-abcdefghijklmnopqrstu"
    [recorded] = record(
        paths,
        [hit(message=f"wrong: {secret}", ai_summary=f"USER: export ANTHROPIC_API_KEY={secret}")],
        NOW,
    )
    stored = Path(recorded.cache_file).read_text(encoding="utf-8")
    db = b"".join(p.read_bytes() for p in Path(paths.data_dir).glob("claudarity.db*"))
    assert secret not in stored and "[REDACTED]" in stored
    assert secret.encode() not in db
    assert rows(paths, "SELECT user_message FROM feedback_entries") == [("wrong: [REDACTED]",)]


def test_a_session_is_first_seen_exactly_once(paths: Paths) -> None:
    assert first_seen(paths, "abc-123") is True
    assert first_seen(paths, "abc-123") is False
    assert first_seen(paths, "other") is True
    assert Path(paths.log("last-session-id")).read_text() == "other\n"
    assert first_seen(paths, "../../etc/passwd") is True  # a hashed marker name, inside sessions/
    assert all(Path(paths.sessions_dir, n).is_file() for n in os.listdir(paths.sessions_dir))
    assert first_seen(paths, "") is False


def test_feedback_judges_the_patterns_of_the_previous_answer(paths: Paths) -> None:
    items = {"technology": ["React"], "pattern": ["caching"], "tool": ["Edit"]}
    assert remember_response(paths, "s1", "myproj", "Built it with React and caching.", items, NOW)
    assert not remember_response(
        paths, "s1", "myproj", "Built it with React and caching.", items, NOW
    )  # once
    for _ in range(3):
        record(paths, [hit("win", "great", "great")], NOW)
    record(paths, [hit("win", "great", "great", session_id="other")], NOW)  # another session: no items
    patterns, prefs = refresh_learned(paths, NOW)
    assert [(p["pattern"], p["win_count"], p["confidence"]) for p in patterns] == [("great", 4, 0.6)]
    assert prefs["technologies"]["preferred"] == ["React"]
    assert prefs["patterns"]["liked"] == ["caching"]
    assert prefs["tools"]["preferred"] == ["Edit"]
    assert json.loads(Path(paths.preferences).read_text(encoding="utf-8")) == prefs
    assert [
        json.loads(x) for x in Path(paths.patterns_out).read_text(encoding="utf-8").splitlines()
    ] == patterns
    assert rows(
        paths, "SELECT category, item, preference, win_count, confidence FROM code_preferences ORDER BY 1"
    ) == [
        ("pattern", "caching", "preferred", 3, 0.3),
        ("technology", "React", "preferred", 3, 0.3),
        ("tool", "Edit", "preferred", 3, 0.3),
    ]
    assert rows(paths, "SELECT pattern, win_count, confidence, projects FROM cross_project_patterns") == [
        ("great", 4, 0.6, '["myproj"]')
    ]


WRITER = """
import datetime as dt, sys
from hookmux_feedback.config import Config, resolve_paths
from hookmux_feedback.storage import Hit, record
paths = resolve_paths(Config(), sys.argv[1])
for i in range(int(sys.argv[2])):
    kind = "win" if i % 2 else "loss"
    record(paths, [Hit(kind=kind, pattern="p" + sys.argv[3], session_id="s" + sys.argv[3], project="proj",
                       user_message="x" * 300, context_summary="c" * 2000, ai_summary="a" * 4000)])
"""


def test_concurrent_sessions_never_corrupt_the_logs_or_the_database(paths: Paths) -> None:
    writers, each = 4, 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, paths.data_dir, str(each), str(n)], stderr=subprocess.PIPE
        )
        for n in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    lines = Path(paths.wins).read_text().splitlines() + Path(paths.losses).read_text().splitlines()
    assert len(lines) == writers * each
    parsed = [json.loads(x) for x in lines]  # every line whole
    assert len({p["cache_file"] for p in parsed}) == writers * each  # no memory file overwritten
    assert all(os.path.isfile(p["cache_file"]) for p in parsed)
    assert rows(paths, "SELECT count(*) FROM feedback_entries") == [(writers * each,)]
    assert rows(paths, "PRAGMA integrity_check") == [("ok",)]
    assert sorted(rows(paths, "SELECT session_id, win_count + loss_count FROM sessions")) == [
        (f"s{n}", each) for n in range(writers)
    ]
