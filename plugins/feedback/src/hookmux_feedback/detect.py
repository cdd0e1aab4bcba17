"""Praise and loss detection: Claudarity's ``log-feedback.sh`` rules.

* Only short prompts count: at most ``max_words`` words (whitespace separated,
  as ``wc -w`` counts) **and** at most ``max_chars`` characters.
* The prompt is lowercased; within each kind the **phrases** are tried first,
  as case-insensitive substrings (``grep -qi``), then the **words**, as whole
  words (``grep -qiw``: not preceded or followed by a letter, digit or ``_``).
  The first pattern of the list that matches wins.
* Praise and loss are checked **independently**: one prompt can be both.
* No negation handling ("not bad" is a loss, as in the original).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

KINDS = ("praise", "loss")
LISTS = ("phrases", "words")
#: praise is recorded as a win, loss as a loss
ENTRY_TYPE = {"praise": "win", "loss": "loss"}


@attrs.frozen
class Patterns:
    """The four lists of a ``feedback-patterns.json``."""

    praise_phrases: tuple[str, ...]
    praise_words: tuple[str, ...]
    loss_phrases: tuple[str, ...]
    loss_words: tuple[str, ...]
    #: where the lists came from, for messages
    source: str = "default"

    def lists(self, kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if kind == "praise":
            return self.praise_phrases, self.praise_words
        return self.loss_phrases, self.loss_words

    def as_json(self) -> dict[str, dict[str, list[str]]]:
        return {kind: dict(zip(LISTS, map(list, self.lists(kind)), strict=True)) for kind in KINDS}


@attrs.frozen
class Detection:
    """What a prompt matched: the pattern of each kind, or None."""

    win: str | None = None
    loss: str | None = None

    def hits(self) -> list[tuple[str, str]]:
        """``(entry type, pattern)`` for each kind that matched: wins first."""
        found = [("win", self.win), ("loss", self.loss)]
        return [(kind, pattern) for kind, pattern in found if pattern is not None]


def validate(data: Any, where: str) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """The lists ``data`` defines (any subset of the schema), and what is wrong with it."""
    errors: list[str] = []
    found: dict[str, dict[str, list[str]]] = {}
    if not isinstance(data, dict):
        return {}, [f"{where}: expected a JSON object with 'praise' and 'loss'"]
    for key in data:
        if key not in KINDS:
            errors.append(f"{where}: unknown key {key!r} (expected 'praise' and 'loss')")
    for kind in KINDS:
        if kind not in data:
            continue
        table = data[kind]
        if not isinstance(table, dict):
            errors.append(f"{where}: {kind}: expected an object with 'phrases' and 'words'")
            continue
        for key in table:
            if key not in LISTS:
                errors.append(f"{where}: {kind}: unknown key {key!r} (expected 'phrases' and 'words')")
        for name in LISTS:
            if name not in table:
                continue
            items = table[name]
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                errors.append(f"{where}: {kind}.{name}: expected a list of strings")
                continue
            found.setdefault(kind, {})[name] = [i for i in items if i.strip()]
    return found, errors


def shipped_patterns() -> Patterns:
    """The lists shipped with the plugin: Claudarity's ``feedback-patterns.template.json``."""
    with open(os.path.join(os.path.dirname(__file__), "feedback-patterns.json"), encoding="utf-8") as fh:
        text = fh.read()
    lists, errors = validate(json.loads(text), "shipped feedback-patterns.json")
    if errors:  # pragma: no cover - the shipped file is tested
        raise ValueError("; ".join(errors))
    return _build(lists, "default")


def _build(lists: Mapping[str, Mapping[str, Sequence[str]]], source: str) -> Patterns:
    def get(kind: str, name: str) -> tuple[str, ...]:
        return tuple(lists.get(kind, {}).get(name, ()))

    return Patterns(
        praise_phrases=get("praise", "phrases"),
        praise_words=get("praise", "words"),
        loss_phrases=get("loss", "phrases"),
        loss_words=get("loss", "words"),
        source=source,
    )


def load_patterns(user_file: str | None) -> tuple[Patterns, list[str]]:
    """The shipped lists, each replaced by the user file's list of the same name.

    A user file that is missing is not an error; one that cannot be read or does
    not fit the schema is reported and ignored as a whole.
    """
    shipped = shipped_patterns()
    if not user_file or not os.path.isfile(user_file):
        return shipped, []
    try:
        with open(user_file, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        return shipped, [f"{user_file}: cannot read: {exc}"]
    lists, errors = validate(data, user_file)
    if errors:
        return shipped, errors
    merged = {kind: dict(zip(LISTS, map(list, shipped.lists(kind)), strict=True)) for kind in KINDS}
    for kind, table in lists.items():
        merged[kind].update(table)
    return _build(merged, user_file), []


def is_short(message: str, max_words: int = 5, max_chars: int = 50) -> bool:
    """The original's filter: feedback is a short prompt (both limits hold)."""
    return bool(message) and len(message.split()) <= max_words and len(message) <= max_chars


_WORD_CACHE: dict[str, re.Pattern[str]] = {}


def _whole_word(word: str) -> re.Pattern[str]:
    pattern = _WORD_CACHE.get(word)
    if pattern is None:
        pattern = re.compile(rf"(?<!\w){re.escape(word.lower())}(?!\w)", re.IGNORECASE)
        _WORD_CACHE[word] = pattern
    return pattern


def match_kind(lower: str, phrases: Sequence[str], words: Sequence[str]) -> str | None:
    """The first phrase found as a substring, else the first whole word, else None."""
    for phrase in phrases:
        if phrase.lower() in lower:
            return phrase
    for word in words:
        if _whole_word(word).search(lower):
            return word
    return None


def detect(message: str, patterns: Patterns, max_words: int = 5, max_chars: int = 50) -> Detection:
    """Praise and loss in ``message``, or an empty Detection for a long or empty one."""
    if not is_short(message, max_words, max_chars):
        return Detection()
    lower = message.lower()
    return Detection(
        win=match_kind(lower, *patterns.lists("praise")),
        loss=match_kind(lower, *patterns.lists("loss")),
    )
