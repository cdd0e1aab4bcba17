"""The detection rules of log-feedback.sh, on Claudarity's real pattern lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feedback_support import TEMPLATE
from hookmux_feedback.detect import (
    Detection,
    Patterns,
    detect,
    is_short,
    load_patterns,
    match_kind,
    shipped_patterns,
)


@pytest.fixture(scope="module")
def patterns() -> Patterns:
    return shipped_patterns()


def test_the_shipped_lists_are_claudaritys_template_verbatim() -> None:
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    assert shipped_patterns().as_json() == template
    shipped = shipped_patterns()
    assert (len(shipped.praise_phrases), len(shipped.praise_words)) == (36, 53)
    assert (len(shipped.loss_phrases), len(shipped.loss_words)) == (30, 48)


@pytest.mark.parametrize(
    ("prompt", "short"),
    [
        ("great", True),
        ("that was totally wrong my friend", False),  # 6 words
        ("one two three four five", True),  # 5 words: still feedback
        ("a" * 50, True),
        ("a" * 51, False),  # 51 characters, 1 word
        ("incomprehensibly wrong but acceptable", True),  # 4 words, 37 characters
        ("", False),
    ],
)
def test_only_short_prompts_count(prompt: str, short: bool) -> None:
    assert is_short(prompt) is short


def test_a_long_prompt_is_ignored_even_full_of_feedback_words(patterns: Patterns) -> None:
    # ADR-004's own false-positive example: 16 words, 95 characters
    prompt = "I think the authentication implementation is awesome but we need to refactor the error handling"
    assert detect(prompt, patterns) == Detection()
    assert detect("great job, but this is terrible and wrong!", patterns) == Detection()  # 8 words


def test_phrases_are_tried_before_words(patterns: Patterns) -> None:
    # "great" is a praise word listed before... but the phrase "great job" wins
    assert detect("great job", patterns).win == "great job"
    # "bad" is a loss word, "bad job" a loss phrase
    assert detect("bad job", patterns).loss == "bad job"
    # only the word
    assert detect("great", patterns).win == "great"


def test_phrases_match_as_substrings_words_only_as_whole_words(patterns: Patterns) -> None:
    assert detect("nailed it!!!", patterns).win == "nailed it"
    assert detect("you nailed itself", patterns).win == "nailed it"  # grep -qi: a substring
    assert detect("that's badly named", patterns).loss is None  # "bad" is a word: not in "badly"
    assert detect("prolific", patterns).win is None  # "pro" is not in "prolific"
    assert detect("wrong_name again", patterns).loss is None  # "_" is a word character for grep -w
    assert detect("wrong-name again", patterns).loss == "wrong"  # "-" is not


def test_matching_is_case_insensitive_and_keeps_the_listed_spelling(patterns: Patterns) -> None:
    assert detect("GREAT JOB", patterns).win == "great job"
    assert detect("W", patterns).win == "W"  # listed in upper case in the template
    assert detect("big w", patterns).win == "W"


def test_praise_and_loss_are_independent(patterns: Patterns) -> None:
    found = detect("nice but wrong", patterns)
    assert (found.win, found.loss) == ("nice", "wrong")
    assert found.hits() == [("win", "nice"), ("loss", "wrong")]
    assert detect("good job, bad call", patterns) == Detection(win="good job", loss="bad call")


def test_the_first_listed_pattern_wins_within_a_kind(patterns: Patterns) -> None:
    # "excellent" comes before "perfect" and "awesome" in the words list
    assert detect("perfect, awesome, excellent", patterns).win == "excellent"
    # "totally wrong" is a phrase: it beats the word "wrong"
    assert detect("wrong. totally wrong", patterns).loss == "totally wrong"


def test_no_negation_handling_as_in_the_original(patterns: Patterns) -> None:
    assert detect("not bad", patterns).loss == "bad"
    assert detect("not bad", patterns).win is None


def test_plain_prompts_match_nothing(patterns: Patterns) -> None:
    for prompt in ("run the tests", "what does this do?", "go", "make notes.py print final"):
        assert detect(prompt, patterns) == Detection(), prompt


def test_match_kind_returns_none_without_lists() -> None:
    assert match_kind("great job", (), ()) is None


def test_a_user_file_overrides_the_lists_it_names(tmp_path: Path) -> None:
    user = tmp_path / "feedback-patterns.json"
    user.write_text(json.dumps({"loss": {"words": ["meh"]}}), encoding="utf-8")
    patterns, errors = load_patterns(str(user))
    assert errors == []
    assert patterns.loss_words == ("meh",)
    assert patterns.loss_phrases == shipped_patterns().loss_phrases  # not named: kept
    assert patterns.praise_words == shipped_patterns().praise_words
    assert detect("meh", patterns).loss == "meh"
    assert detect("terrible", patterns).loss is None  # replaced, not extended


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps(["great"]),
        json.dumps({"praise": {"words": "great"}}),
        json.dumps({"praise": {"words": [1, 2]}}),
        json.dumps({"praize": {"words": ["great"]}}),
        json.dumps({"praise": {"word": ["great"]}}),
    ],
)
def test_a_broken_user_file_is_reported_and_ignored(tmp_path: Path, content: str) -> None:
    user = tmp_path / "feedback-patterns.json"
    user.write_text(content, encoding="utf-8")
    patterns, errors = load_patterns(str(user))
    assert errors and str(user) in errors[0]
    assert patterns == shipped_patterns()


def test_a_missing_user_file_means_the_shipped_lists(tmp_path: Path) -> None:
    assert load_patterns(str(tmp_path / "absent.json")) == (shipped_patterns(), [])
