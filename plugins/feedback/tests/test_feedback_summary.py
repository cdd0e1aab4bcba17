"""The SessionStart summary: session-start.sh's layout, retention window and a size budget."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
from hookmux_feedback.config import Config, Paths
from hookmux_feedback.storage import Hit, record
from hookmux_feedback.summary import BANNER, fits, summary, utf16_len

NOW = dt.datetime(2026, 11, 21, 12, 0, 0, tzinfo=dt.UTC)


def add(
    paths: Paths, kind: str, pattern: str, when: dt.datetime, ai: str = "Recent conversation:\n\nUSER: hi"
) -> str:
    hit = Hit(
        kind=kind, pattern=pattern, session_id="s", project="myproj", user_message=pattern,
        context_summary="✏️ app.py", ai_summary=ai,
    )  # fmt: skip
    return record(paths, [hit], when)[0].cache_file


def test_an_empty_memory_still_says_zero_wins_and_losses(paths: Paths) -> None:
    assert summary(paths, Config(), NOW).split("\n") == [
        BANNER, "📊 MEMORY (Last 7 Days)", BANNER, "", "🏆 WINS: 0", "", "💥 LOSSES: 0", "", BANNER,
    ]  # fmt: skip


def test_recent_memories_are_shown_with_their_counts_and_the_patterns(paths: Paths) -> None:
    add(paths, "loss", "totally wrong", NOW - dt.timedelta(days=8))  # outside the window
    add(paths, "loss", "totally wrong", NOW - dt.timedelta(hours=3))
    add(paths, "win", "nice work", NOW - dt.timedelta(hours=2))
    text = summary(paths, Config(), NOW)
    assert "🏆 WINS: 1\n\n# Win: nice work\n" in text
    assert "💥 LOSSES: 1\n\n# Loss: totally wrong\n" in text  # the 8-day-old loss is not counted
    assert text.count("# Loss: totally wrong") == 1
    assert "**Project:** myproj" in text and "## User Message\ntotally wrong\n\n---" in text
    assert "🌐 CROSS-PROJECT PATTERNS" in text
    assert "  • totally wrong (loss) - only in myproj [2 occurrences] [confidence: 30%]" in text
    assert text.index("🏆 WINS") < text.index("💥 LOSSES") < text.index("🌐 CROSS-PROJECT PATTERNS")


def test_the_window_follows_retention_days(paths: Paths) -> None:
    add(paths, "win", "great", NOW - dt.timedelta(days=8))
    assert "🏆 WINS: 0" in summary(paths, Config(), NOW)
    text = summary(paths, Config(retention_days=10), NOW)
    assert "📊 MEMORY (Last 10 Days)" in text and "🏆 WINS: 1" in text


def test_only_the_last_five_of_each_kind_are_shown(paths: Paths) -> None:
    for i in range(7):
        add(paths, "win", f"win{i}", NOW - dt.timedelta(minutes=60 - i))
    text = summary(paths, Config(), NOW)
    assert "🏆 WINS: 7" in text
    assert [f"# Win: win{i}" in text for i in range(7)] == [False, False, True, True, True, True, True]


def test_a_deleted_memory_file_is_counted_but_not_shown(paths: Paths) -> None:
    Path(add(paths, "loss", "bad call", NOW)).unlink()
    text = summary(paths, Config(), NOW)
    assert "💥 LOSSES: 1" in text and "# Loss: bad call" not in text


def test_long_ai_summaries_are_shortened_to_their_last_lines(paths: Paths) -> None:
    conversation = "Recent conversation:\n\n" + "\n".join(f"USER: line {i}" for i in range(40))
    add(paths, "win", "great", NOW, conversation)
    text = summary(paths, Config(ai_summary_lines=3), NOW)
    assert "USER: line 39" in text and "USER: line 37" in text and "USER: line 36" not in text
    assert "(… 38 earlier line(s); hookmux feedback list --json)" in text


def test_the_summary_always_fits_its_budget(paths: Paths) -> None:
    big = "Recent conversation:\n\n" + "\n".join(f"ASSISTANT: {'x' * 150} {i}" for i in range(50))
    for i in range(12):
        add(paths, "win" if i % 2 else "loss", f"pattern{i}", NOW - dt.timedelta(minutes=i), big)
    config = Config()
    text = summary(paths, config, NOW)
    assert fits(text, config)
    assert utf16_len(text) <= 6000 and len(text.split("\n")) <= 150
    assert "🏆 WINS: 6" in text and "💥 LOSSES: 6" in text  # the counts survive the cut
    tiny = attrs.evolve(config, max_context_chars=300, max_context_lines=12)
    cut = summary(paths, tiny, NOW)
    assert fits(cut, tiny) and cut.endswith("(… cut to fit; hookmux feedback summary)")


def test_learned_code_preferences_are_shown(paths: Paths) -> None:
    prefs = {
        "last_updated": "2026-11-20T10:00:00Z",
        "technologies": {"preferred": ["React"], "avoided": ["Docker"]},
        "patterns": {"liked": [], "disliked": []},
        "tools": {"preferred": [], "avoided": []},
    }
    Path(paths.logs_dir).mkdir(parents=True, exist_ok=True)
    Path(paths.preferences).write_text(json.dumps(prefs), encoding="utf-8")
    text = summary(paths, Config(), NOW)
    assert "🧠 CODE PREFERENCES (Updated: 2026-11-20)" in text
    assert "✅ PREFERRED TECHNOLOGIES:\n  • React" in text and "  • Tech: Docker" in text
