"""Fitting merged text to Claude Code's caps: cut the lowest priority first, and say so."""

from __future__ import annotations

import random

import pytest

from hookmux.protocol.textfit import CAPS, SEPARATOR, fit_parts, line_count, utf16_units

CONTEXT = CAPS["additionalContext"]
MESSAGE = CAPS["systemMessage"]
EMOJI = "\U0001f600"  # an astral character: two UTF-16 code units


def js_length(text: str) -> int:
    """An independent oracle for JavaScript's ``String.length``."""
    return len(text.encode("utf-16-le")) // 2


def within(text: str, cap: tuple[int, int]) -> bool:
    return js_length(text) <= cap[0] and text.count("\n") + 1 <= cap[1]


def note_line(text: str) -> str:
    return text.rsplit("\n", 1)[-1]


def test_caps_are_claude_codes() -> None:
    assert CAPS["additionalContext"] == (8000, 200)
    assert CAPS["systemMessage"] == (4000, 20)
    assert CAPS["reason"] == (2000, 20)
    assert CAPS["stopReason"] == (2000, 20)
    assert CAPS["permissionDecisionReason"] == (2000, 20)


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("abc", 3),
        ("é", 1),
        ("€", 1),
        ("\uffff", 1),
        (EMOJI, 2),
        (f"a{EMOJI}b", 4),
        ("\U00010000", 2),
        ("\U0010ffff", 2),
        ("𝔘𝔫𝔦𝔠𝔬𝔡𝔢", 14),
        ("日本語", 3),
    ],
)
def test_utf16_units(text: str, units: int) -> None:
    assert utf16_units(text) == units
    assert utf16_units(text) == js_length(text)


def test_utf16_units_agrees_with_utf16_encoding_on_random_text() -> None:
    rng = random.Random(1234)
    alphabet = ["a", "\n", "é", "日", EMOJI, "\U0001d518", "\U0010fffd", " "]
    for _ in range(200):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 300)))
        assert utf16_units(text) == js_length(text)


@pytest.mark.parametrize(
    ("text", "lines"),
    [("", 0), ("a", 1), ("a\n", 2), ("a\nb", 2), ("\n\n", 3)],
)
def test_line_count(text: str, lines: int) -> None:
    assert line_count(text) == lines


@pytest.mark.parametrize(
    ("parts", "separator"),
    [
        ([("a", "hello")], SEPARATOR),
        ([("a", "hello"), ("b", "world")], SEPARATOR),
        ([("a", "hello"), ("b", "world")], "\n"),
        ([("a", "x" * 7998)], SEPARATOR),
        ([("a", "x" * 3999), ("b", "y" * 3999)], SEPARATOR),
        ([("a", EMOJI * 4000)], SEPARATOR),
        ([("a", "\n".join(["l"] * 200))], SEPARATOR),
        ([("a", "\n".join(["l"] * 99)), ("b", "\n".join(["m"] * 99))], SEPARATOR),
    ],
)
def test_fitting_text_is_left_untouched(parts: list[tuple[str, str]], separator: str) -> None:
    text, cut = fit_parts(parts, CONTEXT, "additionalContext", separator)
    assert text == separator.join(t for _, t in parts)
    assert cut == []
    assert "hookmux" not in text


def test_one_unit_over_the_cap_is_cut() -> None:
    text, cut = fit_parts([("a", "x" * 8001)], CONTEXT, "additionalContext")
    assert cut == ["a"]
    assert within(text, CONTEXT)
    assert text.startswith("x" * 7000)


def test_one_line_over_the_cap_is_cut() -> None:
    text, cut = fit_parts([("a", "\n".join(["l"] * 201))], CONTEXT, "additionalContext")
    assert cut == ["a"]
    assert within(text, CONTEXT)
    assert text.count("\n") + 1 == 200


def test_the_lowest_priority_part_is_cut_first() -> None:
    parts = [("high", "H" * 3000), ("mid", "M" * 3000), ("low", "L" * 3000)]
    text, cut = fit_parts(parts, CONTEXT, "additionalContext")
    assert cut == ["low"]
    assert text.startswith("H" * 3000 + SEPARATOR + "M" * 3000 + SEPARATOR + "L")
    assert text.count("H") == 3000
    assert text.count("M") == 3000
    assert 0 < text.count("L") < 3000
    note = note_line(text)
    assert note.startswith("[hookmux: additionalContext from low was cut")
    assert "8000" in note
    assert "200" in note
    assert "high" not in note
    assert "mid" not in note
    assert within(text, CONTEXT)


def test_parts_after_the_cut_one_are_dropped_and_named() -> None:
    parts = [("high", "H" * 7000), ("mid", "M" * 3000), ("low", "L" * 10)]
    text, cut = fit_parts(parts, CONTEXT, "additionalContext")
    assert cut == ["mid", "low"]
    assert text.startswith("H" * 7000 + SEPARATOR + "M")
    assert text.count("H") == 7000
    body = text.rsplit("\n", 1)[0]
    assert "L" not in body
    note = note_line(text)
    assert note.startswith("[hookmux: additionalContext from mid, low was cut")
    assert within(text, CONTEXT)


def test_a_too_long_highest_priority_part_is_cut_and_the_rest_dropped() -> None:
    parts = [("high", "H" * 9000), ("low", "L" * 10)]
    text, cut = fit_parts(parts, CONTEXT, "additionalContext")
    assert cut == ["high", "low"]
    body = text.rsplit("\n", 1)[0]
    assert set(body) == {"H"}
    assert "from high, low was cut" in note_line(text)
    assert within(text, CONTEXT)


def test_duplicate_sources_are_named_once() -> None:
    parts = [("a", "x" * 10), ("p", "y" * 5000), ("p", "z" * 5000)]
    text, cut = fit_parts(parts, CONTEXT, "additionalContext")
    assert cut == ["p"]
    assert "from p was cut" in note_line(text)


def test_the_line_cap_of_system_message_is_kept() -> None:
    block = "\n".join(f"line {i}" for i in range(15))
    parts = [("first", block), ("second", block.upper())]
    text, cut = fit_parts(parts, MESSAGE, "systemMessage", "\n")
    assert cut == ["second"]
    assert text.startswith(block + "\n" + "LINE 0")
    assert text.count("\n") + 1 <= 20
    assert note_line(text).startswith("[hookmux: systemMessage from second was cut")
    assert "4000 characters / 20 lines" in note_line(text)


@pytest.mark.parametrize("field", ["additionalContext", "systemMessage"])
@pytest.mark.parametrize("seed", range(150))
def test_every_result_fits_its_caps(field: str, seed: int) -> None:
    rng = random.Random(seed)
    cap = CAPS[field]
    separator = SEPARATOR if field == "additionalContext" else "\n"
    newline_weight = rng.choice([0, 1, 5, 40])
    astral_weight = rng.choice([0, 1, 30])
    parts = []
    for i in range(rng.randint(1, 6)):
        size = rng.choice([0, 1, 7, 50, 300, 1500, 3000, 4500, 9000, 20000])
        chars = rng.choices(
            ["a", "b", " ", "\n", "é", EMOJI, "\U0001d518"],
            [20, 20, 4, newline_weight, 1, astral_weight, 1],
            k=size,
        )
        parts.append((f"src{i}", "".join(chars)))
    whole = separator.join(t for _, t in parts)

    text, cut = fit_parts(parts, cap, field, separator)

    assert within(text, cap)
    if within(whole, cap):
        assert (text, cut) == (whole, [])
        return
    sources = [s for s, _ in parts]
    # the cut sources are always the lowest-priority tail of the parts
    assert cut
    assert cut == sources[len(sources) - len(cut) :]
    # higher parts are kept whole, in order, at the start
    kept = separator.join(t for _, t in parts[: len(sources) - len(cut)])
    if kept:
        assert text.startswith(kept + separator)
    # the cut is never silent: a note naming every cut source ends the text
    note = note_line(text)
    assert note.startswith(f"[hookmux: {field} from ")
    assert note.endswith("lines]")
    for source in cut:
        assert source in note
    # no lone surrogate can come out (it would not even encode as UTF-8)
    text.encode("utf-8")


@pytest.mark.parametrize("field", ["additionalContext", "systemMessage", "reason"])
@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc"])
def test_a_surrogate_pair_is_never_split(field: str, prefix: str) -> None:
    cap = CAPS[field]
    body = prefix + EMOJI * (cap[0] + 10)
    text, cut = fit_parts([("emoji", body)], cap, field)
    assert cut == ["emoji"]
    kept = text.split("\n", 1)[0]
    assert kept.startswith(prefix + EMOJI)
    assert set(kept[len(prefix) :]) == {EMOJI}
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    # counted as JavaScript counts it (pairs as two units), the result fits
    assert within(text, cap)
    assert utf16_units(text) == js_length(text)


def test_the_emoji_budget_is_counted_in_code_units() -> None:
    # 4000 emoji are 8000 units: they fit additionalContext exactly, not one more
    assert fit_parts([("a", EMOJI * 4000)], CONTEXT, "additionalContext") == (EMOJI * 4000, [])
    text, cut = fit_parts([("a", "x" + EMOJI * 4000)], CONTEXT, "additionalContext")
    assert cut == ["a"]
    assert within(text, CONTEXT)
    assert text.count(EMOJI) < 4000
