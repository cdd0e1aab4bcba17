"""Learned patterns and preferences: aggregate-patterns.sh and analyze-code-patterns.sh."""

from __future__ import annotations

from typing import Any

import pytest
from hookmux_feedback.learn import (
    aggregate_patterns,
    extract,
    pattern_lines,
    preference_lines,
    preferences,
    relevant_preferences,
    sample_confidence,
)


@pytest.mark.parametrize(
    ("samples", "confidence"),
    [(1, 0.3), (2, 0.3), (3, 0.6), (5, 0.6), (6, 0.8), (10, 0.8), (11, 0.95), (500, 0.95)],
)
def test_confidence_by_number_of_occurrences(samples: int, confidence: float) -> None:
    assert sample_confidence(samples) == confidence


def line(matched: str, project: str = "app", ts: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    return {"ts": ts, "project": project, "matched": matched, "cache_file": f"/c/{matched}.md"}


def test_patterns_are_grouped_across_projects_with_counts_rate_and_scope() -> None:
    wins = [line("great", "app", "2026-11-20T10:00:00Z"), line("great", "api", "2026-11-21T09:00:00Z")]
    wins += [line("great", "app")]
    losses = [line("wrong", "app"), line("great", "app", "2026-11-19T08:00:00Z")]
    patterns = {p["pattern"]: p for p in aggregate_patterns(wins, losses)}
    great = patterns["great"]
    assert great == {
        "pattern": "great",
        "type": "win",
        "projects": ["api", "app"],
        "win_count": 3,
        "loss_count": 1,
        "win_rate": 0.75,
        "confidence": 0.6,
        "global_scope": True,  # two projects
        "first_seen": "2026-11-19T08:00:00Z",
        "last_seen": "2026-11-21T09:00:00Z",
    }
    wrong = patterns["wrong"]
    assert (wrong["type"], wrong["win_rate"], wrong["confidence"], wrong["global_scope"]) == (
        "loss",
        0.0,
        0.3,
        False,
    )


def test_a_tie_is_a_loss_and_rates_are_truncated_like_bc() -> None:
    patterns = aggregate_patterns([line("ok"), line("ok")], [line("ok")])
    assert patterns[0]["win_rate"] == 0.6666  # bc scale=4 drops digits
    tie = aggregate_patterns([line("meh")], [line("meh")])[0]
    assert tie["type"] == "loss"  # wins must exceed losses


def test_one_project_is_global_only_with_five_samples_at_95_percent() -> None:
    assert aggregate_patterns([line("nice")] * 5, [])[0]["global_scope"] is True
    assert aggregate_patterns([line("nice")] * 4, [])[0]["global_scope"] is False
    assert aggregate_patterns([line("nice")] * 19, [line("nice")])[0]["global_scope"] is True  # exactly 0.95
    assert aggregate_patterns([line("nice")] * 18, [line("nice")])[0]["global_scope"] is False


def test_patterns_are_ordered_by_confidence_then_name() -> None:
    patterns = aggregate_patterns([line("b")] * 3 + [line("a")] + [line("c")] * 11, [])
    assert [p["pattern"] for p in patterns] == ["c", "b", "a"]
    patterns = aggregate_patterns([line("b"), line("a")], [])
    assert [p["pattern"] for p in patterns] == ["a", "b"]


def test_pattern_lines_use_the_original_formats_with_confidence() -> None:
    patterns = aggregate_patterns([line("great", "app"), line("great", "api")], [line("wrong", "app")] * 3)
    assert pattern_lines(patterns, 10) == [
        "✅ GLOBAL PATTERNS (1)",
        "  • great (win) - 100% win rate across 2 project(s) [confidence: 30%]",
        "",
        "📍 PROJECT-SPECIFIC PATTERNS (1)",
        "  • wrong (loss) - only in app [3 occurrences] [confidence: 60%]",
    ]
    assert pattern_lines(patterns, 1)[-1].startswith("  (1 more with lower confidence")


def test_extract_names_technologies_patterns_and_tools_as_whole_words() -> None:
    items = extract(
        "I used Python and React; the API now has error handling and a cache.", ["Edit", "Bash", "Edit"]
    )
    assert items["technology"] == ["API", "React", "Python"]
    assert items["pattern"] == ["cache", "error handling"]
    assert items["tool"] == ["Edit", "Bash"]
    # the original's grep -qi found "API" in "rapid" and "git" in "digit"
    assert extract("a rapid digit check", [])["technology"] == []


def test_preferences_need_two_occurrences_and_a_clear_win_rate() -> None:
    rows = [("technology", "React", "win")] * 3 + [("technology", "Docker", "loss")] * 2
    rows += [("technology", "Vue", "win"), ("technology", "Vue", "loss")]  # 50 %: neither
    rows += [("technology", "Swift", "win")]  # once: not enough
    rows += [("pattern", "caching", "win")] * 2 + [("tool", "Bash", "loss")] * 4
    prefs = preferences(rows, "2026-11-21T10:00:00Z")
    assert prefs["technologies"] == {"preferred": ["React"], "avoided": ["Docker"]}
    assert prefs["patterns"] == {"liked": ["caching"], "disliked": []}
    assert prefs["tools"] == {"preferred": [], "avoided": ["Bash"]}
    react = prefs["confidence_scores"]["technologies"]["React"]
    assert react == {
        "win_count": 3,
        "loss_count": 0,
        "win_rate": 1.0,
        "confidence": 0.3,
        "total_occurrences": 3,
    }
    assert "Swift" not in prefs["confidence_scores"]["technologies"]
    assert prefs["confidence_scores"]["technologies"]["Vue"]["win_rate"] == 0.5
    assert preference_lines(prefs) == [
        "✅ PREFERRED TECHNOLOGIES:",
        "  • React",
        "",
        "✅ LIKED PATTERNS:",
        "  • caching",
        "",
        "⚠️  AVOID:",
        "  • Tech: Docker",
        "  • Tool: Bash",
        "",
    ]


def test_only_the_preferences_a_prompt_names_are_relevant() -> None:
    rows = [("technology", "React", "win")] * 3 + [("technology", "Docker", "loss")] * 2
    prefs = preferences(rows, "2026-11-21T10:00:00Z")
    assert relevant_preferences(prefs, "build the settings form in react") == [
        "  ✅ Prefer: React (technology) - 3 win(s), 0 loss(es) [confidence: 30%]"
    ]
    assert relevant_preferences(prefs, "ship it with docker compose") == [
        "  ⚠️ Avoid: Docker (technology) - 0 win(s), 2 loss(es) [confidence: 20%]"
    ]
    assert relevant_preferences(prefs, "reactive streams please") == []
    assert relevant_preferences({}, "react") == []
