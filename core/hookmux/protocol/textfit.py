"""Fit merged text to Claude Code 2.1.330's output caps, cutting visibly.

Claude Code truncates an over-long ``additionalContext`` (and friends) itself and
tells nobody. hookmux instead drops the lowest-priority contributions first and
says what it cut, inside the text Claude and the user see.
"""

from __future__ import annotations

from collections.abc import Sequence

#: (UTF-16 code units, lines) per output field, from the 2.1.330 CLI (BC/UC tables).
CAPS: dict[str, tuple[int, int]] = {
    "additionalContext": (8000, 200),
    "systemMessage": (4000, 20),
    "reason": (2000, 20),
    "stopReason": (2000, 20),
    "permissionDecisionReason": (2000, 20),
    "classifierContext": (2000, 20),
}
SEPARATOR = "\n\n"


def utf16_units(text: str) -> int:
    """Length as JavaScript counts it: astral characters count twice."""
    if text.isascii():
        return len(text)
    # In C, not a loop over every character of every answer: UTF-16 takes two bytes per
    # unit, an astral character two units, a lone surrogate (kept by surrogatepass) one.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def line_count(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def fits(text: str, cap: tuple[int, int]) -> bool:
    return utf16_units(text) <= cap[0] and line_count(text) <= cap[1]


def _truncate(text: str, cap: tuple[int, int]) -> str:
    """The longest prefix of ``text`` that fits ``cap`` (never splitting a surrogate pair)."""
    max_units, max_lines = cap
    lines = text.split("\n")[:max_lines]
    out: list[str] = []
    units = 0
    for ch in "\n".join(lines):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > max_units:
            break
        out.append(ch)
        units += width
    return "".join(out)


def fit_parts(
    parts: Sequence[tuple[str, str]], cap: tuple[int, int], field: str, separator: str = SEPARATOR
) -> tuple[str, list[str]]:
    """Join ``(source, text)`` parts (highest priority first) to fit ``cap``.

    Returns the text and the names of the sources that were cut or dropped.
    When anything is cut, a note naming them ends the text, so the cut is
    never silent.
    """
    whole = separator.join(t for _, t in parts)
    if fits(whole, cap):
        return whole, []
    # Keep the first k-1 parts whole, cut part k, drop the rest; lower k until it fits.
    for k in range(len(parts), 0, -1):
        cut = [s for s, _ in parts[k - 1 :]]
        note = _note(field, cut, cap)
        head = separator.join(t for _, t in parts[: k - 1])
        prefix = head + separator if head else ""
        units = cap[0] - utf16_units(prefix) - utf16_units(note) - 1
        lines = cap[1] - prefix.count("\n") - 1 - note.count("\n")
        if units < 40 or lines < 1:
            continue
        tail = _truncate(parts[k - 1][1], (units, lines)).rstrip()
        if tail:
            return prefix + tail + "\n" + note, cut
    cut = [s for s, _ in parts]
    return _truncate(_note(field, cut, cap), cap), cut


def _note(field: str, sources: Sequence[str], cap: tuple[int, int]) -> str:
    names = ", ".join(dict.fromkeys(sources))
    return (
        f"[hookmux: {field} from {names} was cut to fit Claude Code's limit of "
        f"{cap[0]} characters / {cap[1]} lines]"
    )
