"""The plugin author's guide (docs/plugins.md) keeps up with the code it documents."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from hookmux import hookspecs
from hookmux.markers import hookimpl
from hookmux.protocol.answers import ANSWER_CLASSES

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
#: ``### hookmux_pre_tool_use(event, ctx)``: a heading naming a hook and its arguments.
HOOK_HEADING = re.compile(r"^#{2,4}\s+`?(hookmux_\w+)\((.*?)\)`?\s*$", re.MULTILINE)


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def documented() -> dict[str, list[tuple[str, ...]]]:
    """hook name -> the argument lists of its headings."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for name, args in HOOK_HEADING.findall(guide()):
        found.setdefault(name, []).append(tuple(a.strip() for a in args.split(",") if a.strip()))
    return found


def hookspec_signatures() -> dict[str, tuple[str, ...]]:
    return {
        name: tuple(inspect.signature(function).parameters)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("hookmux_")
    }


@pytest.mark.parametrize("name", sorted(hookspec_signatures()))
def test_every_hookspec_has_one_heading_with_its_arguments(name: str) -> None:
    expected = hookspec_signatures()[name]
    headings = documented().get(name)
    assert headings is not None, f"docs/plugins.md has no '### {name}({', '.join(expected)})' section"
    assert headings == [expected], f"{name}: documented as {headings}, hookspec takes {expected}"


def test_no_heading_names_a_hook_that_does_not_exist() -> None:
    unknown = sorted(set(documented()) - set(hookspec_signatures()))
    assert unknown == [], f"docs/plugins.md documents hooks hookmux does not define: {unknown}"


def test_the_heading_pattern_sees_the_whole_reference() -> None:
    """Guards the checks above against a pattern that silently matches nothing."""
    assert len(documented()) == len(hookspec_signatures()) > 30


def test_every_hookimpl_option_is_documented() -> None:
    text = guide()
    options = [p for p in inspect.signature(hookimpl).parameters if p != "function"]
    missing = [o for o in options if f"| `{o}` |" not in text]
    assert missing == [], f"@hookimpl options missing from the options table: {missing}"


def test_every_answer_class_is_named() -> None:
    text = guide()
    missing = sorted(cls.__name__ for cls in ANSWER_CLASSES.values() if f"`{cls.__name__}`" not in text)
    assert missing == []


@pytest.mark.parametrize(
    "topic",
    [
        "## Matchers and priorities",
        "## Answers and the merge rules",
        "## Failures",
        "## Configuration",
        "## Commands",
        "## Guard-rail primitives (since 0.2)",
        "## Testing",
        "## Publishing",
        "ctx.dedupe(key, ttl=None) -> bool",
        "ctx.rate_limit(key, max_calls, per_seconds) -> bool",
        "ctx.lock(name, timeout=5.0)",
        "ctx.debounce(key, seconds) -> bool",
        "@hookimpl(background=True)",
        "ctx.correlation_id",
        "HOOKMUX__<NAME>__<KEY>",
        ".claude/hookmux.local.toml",
        "python -m build",
        "hookmux new-plugin",
    ],
)
def test_the_guide_covers(topic: str) -> None:
    assert topic in guide()
