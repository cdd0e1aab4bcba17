"""Learned patterns: what feedback says about Claude's work, with a confidence.

Two aggregates, as in Claudarity:

* **Cross-project patterns** (``aggregate-patterns.sh``): the feedback patterns
  themselves ("great", "totally wrong"), grouped across projects, with the
  confidence of the sample size: 0.3 (at most 2 entries), 0.6 (at most 5),
  0.8 (at most 10), else 0.95.
* **Code preferences** (``analyze-code-patterns.sh``): technologies,
  implementation patterns and tools seen in the assistant's answer that got the
  feedback; preferred at a win rate of at least 0.7, avoided at most 0.3, once
  seen twice; confidence ``min(total / 10, 1)``.

The keyword lists are the original's. Where the original matched them as
substrings (``grep -qi``, so "API" matched "rapid"), they are matched here as
whole words.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

TECH_KEYWORDS: tuple[str, ...] = (
    "SwiftUI", "SwiftData", "CoreData", "UIKit", "Combine", "async/await",
    "Anthropic API", "Claude", "Haiku", "Sonnet", "Opus",
    "bash", "shell script", "jq", "curl", "git", "rsync",
    "hook", "webhook", "API", "REST", "JSON", "JSONL",
    "React", "Vue", "Angular", "Node.js", "Express",
    "Python", "Ruby", "JavaScript", "TypeScript", "Swift",
    "Docker", "Kubernetes", "AWS", "Firebase",
    "MCP", "Claude Code", "terminal", "iTerm2",
)  # fmt: skip

PATTERN_KEYWORDS: tuple[str, ...] = (
    "hook", "automation", "background process", "async", "parallel",
    "cache", "memory", "database", "JSONL", "markdown",
    "API integration", "debugging", "error handling", "validation",
    "clean architecture", "separation of concerns", "modular",
    "refactoring", "optimization", "performance",
    "user feedback", "logging", "monitoring",
)  # fmt: skip

#: category in the tables -> (code-preferences.json key, its two lists)
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "technology": ("technologies", "preferred", "avoided"),
    "pattern": ("patterns", "liked", "disliked"),
    "tool": ("tools", "preferred", "avoided"),
}

_BOUNDED: dict[str, re.Pattern[str]] = {}


def word_pattern(term: str) -> re.Pattern[str]:
    """``term`` as a whole word or phrase, case-insensitive."""
    pattern = _BOUNDED.get(term)
    if pattern is None:
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
        _BOUNDED[term] = pattern
    return pattern


def extract(message: str, tools: Sequence[str] = ()) -> dict[str, list[str]]:
    """The technologies and implementation patterns ``message`` names, and ``tools``."""
    return {
        "technology": [k for k in TECH_KEYWORDS if word_pattern(k).search(message)],
        "pattern": [k for k in PATTERN_KEYWORDS if word_pattern(k).search(message)],
        "tool": list(dict.fromkeys(tools)),
    }


def sample_confidence(total: int) -> float:
    """``aggregate-patterns.sh``'s confidence by sample size."""
    if total <= 2:
        return 0.3
    if total <= 5:
        return 0.6
    if total <= 10:
        return 0.8
    return 0.95


def _truncate(value: float, places: int = 4) -> float:
    """``bc`` with ``scale=4``: digits beyond the scale are dropped, not rounded."""
    factor = 10.0**places
    return float(math.floor(value * factor + 1e-9)) / factor


def percent(value: float) -> int:
    """jq's ``value * 100 | floor``, without float noise (0.95 -> 95)."""
    return math.floor(value * 100 + 1e-9)


def aggregate_patterns(
    wins: Iterable[Mapping[str, Any]], losses: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``cross-project-patterns.jsonl``: one object per ``matched`` pattern, by confidence."""
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    for kind, lines in (("win", wins), ("loss", losses)):
        for line in lines:
            matched = line.get("matched")
            if isinstance(matched, str) and matched:
                groups[matched].append((kind, line))
    out: list[dict[str, Any]] = []
    for pattern in sorted(groups):
        items = groups[pattern]
        win_count = sum(1 for kind, _ in items if kind == "win")
        loss_count = len(items) - win_count
        total = win_count + loss_count
        projects = sorted({str(line.get("project", "")) for _, line in items})
        stamps = sorted(str(line.get("ts", "")) for _, line in items)
        win_rate = _truncate(win_count / total) if total else 0.0
        out.append(
            {
                "pattern": pattern,
                "type": "win" if win_count > loss_count else "loss",
                "projects": projects,
                "win_count": win_count,
                "loss_count": loss_count,
                "win_rate": win_rate,
                "confidence": sample_confidence(total),
                "global_scope": len(projects) >= 2 or (total >= 5 and win_rate >= 0.95),
                "first_seen": stamps[0],
                "last_seen": stamps[-1],
            }
        )
    out.sort(key=lambda p: -p["confidence"])  # stable, as jq's sort_by
    return out


def pattern_lines(patterns: Sequence[Mapping[str, Any]], limit: int) -> list[str]:
    """The ``🌐 CROSS-PROJECT PATTERNS`` block of the summary (no banners)."""
    lines: list[str] = []
    shown = list(patterns[:limit])
    hidden = len(patterns) - len(shown)
    global_ = [p for p in shown if p["global_scope"]]
    local = [p for p in shown if not p["global_scope"]]
    if global_:
        lines.append(f"✅ GLOBAL PATTERNS ({len(global_)})")
        lines.extend(
            f"  • {p['pattern']} ({p['type']}) - {percent(p['win_rate'])}% win rate across "
            f"{len(p['projects'])} project(s) [confidence: {percent(p['confidence'])}%]"
            for p in global_
        )
    lines.append("")
    if local:
        lines.append(f"📍 PROJECT-SPECIFIC PATTERNS ({len(local)})")
        lines.extend(
            f"  • {p['pattern']} ({p['type']}) - only in {p['projects'][0]} "
            f"[{p['win_count'] + p['loss_count']} occurrences] [confidence: {percent(p['confidence'])}%]"
            for p in local
        )
    if hidden > 0:
        lines.append(f"  ({hidden} more with lower confidence: hookmux feedback summary --json)")
    return lines


def preferences(rows: Iterable[tuple[str, str, str]], last_updated: str) -> dict[str, Any]:
    """``code-preferences.json`` from ``(category, item, 'win'|'loss')`` rows."""
    counts: dict[str, dict[str, list[int]]] = {c: defaultdict(lambda: [0, 0]) for c in CATEGORIES}
    for category, item, kind in rows:
        if category in counts:
            counts[category][item][0 if kind == "win" else 1] += 1
    prefs: dict[str, Any] = {
        "version": "1.0",
        "last_updated": last_updated,
        "libraries": {"preferred": [], "avoided": []},
        "frameworks": {"preferred": [], "avoided": []},
        "technologies": {"preferred": [], "avoided": []},
        "patterns": {"liked": [], "disliked": []},
        "tools": {"preferred": [], "avoided": []},
        "naming": {"style": "inferred", "examples": []},
        "confidence_scores": {},
    }
    for category, (key, good, bad) in CATEGORIES.items():
        scores: dict[str, Any] = {}
        for item, (win_count, loss_count) in counts[category].items():
            total = win_count + loss_count
            if total < 2:  # the original's minimum occurrences
                continue
            win_rate = win_count / total
            scores[item] = {
                "win_count": win_count,
                "loss_count": loss_count,
                "win_rate": round(win_rate, 4),
                "confidence": round(min(total / 10.0, 1.0), 2),
                "total_occurrences": total,
            }
            if win_rate >= 0.7:
                prefs[key][good].append(item)
            elif win_rate <= 0.3:
                prefs[key][bad].append(item)
        prefs[key][good].sort()
        prefs[key][bad].sort()
        prefs["confidence_scores"][key] = scores
    return prefs


def preference_lines(prefs: Mapping[str, Any]) -> list[str]:
    """The ``🧠 CODE PREFERENCES`` block (no banners), or [] when nothing is learned."""
    lines: list[str] = []
    sections = (
        ("✅ PREFERRED TECHNOLOGIES:", "technologies", "preferred"),
        ("✅ LIKED PATTERNS:", "patterns", "liked"),
        ("✅ PREFERRED TOOLS:", "tools", "preferred"),
    )
    for title, key, which in sections:
        items = _items(prefs, key, which)
        if items:
            lines.append(title)
            lines.extend(f"  • {item}" for item in items[:5])
            lines.append("")
    avoid = [
        (label, item)
        for label, key, which in (("Tech", "technologies", "avoided"), ("Pattern", "patterns", "disliked"),
                                  ("Tool", "tools", "avoided"))
        for item in _items(prefs, key, which)
    ]  # fmt: skip
    if avoid:
        lines.append("⚠️  AVOID:")
        lines.extend(f"  • {label}: {item}" for label, item in avoid)
        lines.append("")
    return lines


def _items(prefs: Mapping[str, Any], key: str, which: str) -> list[str]:
    table = prefs.get(key)
    items = table.get(which) if isinstance(table, dict) else None
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []


def relevant_preferences(prefs: Mapping[str, Any], prompt: str) -> list[str]:
    """Lines for the learned preferences whose item the prompt names (whole word)."""
    lines: list[str] = []
    scores = prefs.get("confidence_scores")
    scores = scores if isinstance(scores, dict) else {}
    for category, (key, good, bad) in CATEGORIES.items():
        for which, verb in ((good, "✅ Prefer"), (bad, "⚠️ Avoid")):
            for item in _items(prefs, key, which):
                if not word_pattern(item).search(prompt):
                    continue
                score = scores.get(key, {}).get(item, {}) if isinstance(scores.get(key), dict) else {}
                detail = ""
                if isinstance(score, dict) and "win_count" in score:
                    detail = (
                        f" - {score['win_count']} win(s), {score['loss_count']} loss(es)"
                        f" [confidence: {percent(float(score.get('confidence', 0)))}%]"
                    )
                lines.append(f"  {verb}: {item} ({category}){detail}")
    return lines


def load_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None
