"""The feedback summary Claude gets at SessionStart: ``session-start.sh``'s layout.

::

    ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
    📊 MEMORY (Last 7 Days)
    ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━

    🏆 WINS: 2
    <the last 5 win memories, each followed by --->

    💥 LOSSES: 1
    <the last 5 loss memories>
    ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━

then 🧠 CODE PREFERENCES (when learned) and 🌐 CROSS-PROJECT PATTERNS with
their confidence. The text is fitted to a budget (``max_context_chars`` /
``max_context_lines``, under Claude Code's 8000 units / 200 lines): first the
AI-summary part of each memory is shortened, then the oldest memories go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from hookmux_feedback.config import Config, Paths
from hookmux_feedback.learn import aggregate_patterns, load_json, pattern_lines, preference_lines
from hookmux_feedback.storage import read_jsonl, utc_iso

BANNER = "━" * 45


@attrs.frozen(kw_only=True)
class Memory:
    """What the summary knows, before it is rendered."""

    retention_days: int
    cutoff: str
    wins: Sequence[Mapping[str, Any]]
    losses: Sequence[Mapping[str, Any]]
    patterns: Sequence[Mapping[str, Any]]
    preferences: Mapping[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "retention_days": self.retention_days,
            "since": self.cutoff,
            "wins": {"count": len(self.wins), "entries": [dict(w) for w in self.wins]},
            "losses": {"count": len(self.losses), "entries": [dict(w) for w in self.losses]},
            "patterns": [dict(p) for p in self.patterns],
            "preferences": dict(self.preferences) if self.preferences else None,
        }


def gather(paths: Paths, config: Config, now: dt.datetime | None = None) -> Memory:
    """Read the logs: entries within the retention window, patterns, preferences."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = utc_iso(now - dt.timedelta(days=config.retention_days))
    all_wins, all_losses = read_jsonl(paths.wins), read_jsonl(paths.losses)
    prefs = load_json(paths.preferences)
    return Memory(
        retention_days=config.retention_days,
        cutoff=cutoff,
        wins=[w for w in all_wins if str(w.get("ts", "")) >= cutoff],
        losses=[w for w in all_losses if str(w.get("ts", "")) >= cutoff],
        patterns=aggregate_patterns(all_wins, all_losses),
        preferences=prefs if isinstance(prefs, dict) else None,
    )


def _read_memory(path: str, texts: dict[str, str | None]) -> str | None:
    """A memory file's text (None when it is gone), read once per summary, which is
    rendered again and again until it fits (each file read up to four times cost a
    SessionStart some 2 ms)."""
    if path not in texts:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                texts[path] = fh.read()
        except OSError:
            texts[path] = None  # deleted by the cache cleanup: not shown, still counted
    return texts[path]


def _memory_text(text: str, ai_lines: int) -> str:
    """A memory file's text with its ``## AI Summary`` cut to its last ``ai_lines`` lines."""
    lines = text.rstrip("\n").split("\n")
    try:
        start = lines.index("## AI Summary") + 1
        end = lines.index("## Quick Context", start)
    except ValueError:
        return "\n".join(lines)
    body = [line for line in lines[start:end] if line.strip()]
    if len(body) > ai_lines:
        cut = len(body) - ai_lines
        body = ([f"(… {cut} earlier line(s); hookmux feedback list --json)"] if ai_lines else []) + (
            body[-ai_lines:] if ai_lines else []
        )
    return "\n".join([*lines[:start], *body, "", *lines[end:]])


def _kind_lines(
    title: str,
    entries: Sequence[Mapping[str, Any]],
    per_kind: int,
    ai_lines: int,
    texts: dict[str, str | None],
) -> list[str]:
    lines = [f"{title}: {len(entries)}"]
    shown = [e for e in entries if isinstance(e.get("cache_file"), str)][-per_kind:] if per_kind else []
    if entries and shown:
        lines.append("")
        for entry in shown:
            text = _read_memory(str(entry["cache_file"]), texts)
            if text is None:
                continue
            lines.extend([*_memory_text(text, ai_lines).split("\n"), "", "---", ""])
    return lines


def render(
    memory: Memory,
    config: Config,
    per_kind: int,
    ai_lines: int,
    texts: dict[str, str | None] | None = None,
) -> str:
    """The summary; ``texts``: the memory files read so far (path -> text), shared by
    the renderings of one summary."""
    texts = {} if texts is None else texts
    lines = ["", BANNER, f"📊 MEMORY (Last {memory.retention_days} Days)", BANNER, ""]
    lines += _kind_lines("🏆 WINS", memory.wins, per_kind, ai_lines, texts)
    lines += [""]
    lines += _kind_lines("💥 LOSSES", memory.losses, per_kind, ai_lines, texts)
    lines += ["", BANNER]
    if memory.preferences:
        prefs = preference_lines(memory.preferences)
        if prefs:
            updated = str(memory.preferences.get("last_updated", ""))[:10]
            lines += ["", BANNER, f"🧠 CODE PREFERENCES (Updated: {updated})", BANNER, "", *prefs]
            lines += ["Details: hookmux feedback summary --json", "", BANNER]
    if memory.patterns:
        lines += ["", BANNER, "🌐 CROSS-PROJECT PATTERNS", BANNER, ""]
        lines += pattern_lines(memory.patterns, config.max_patterns_shown)
        lines += ["", BANNER]
    return "\n".join(lines).strip("\n")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, config: Config) -> bool:
    return utf16_len(text) <= config.max_context_chars and text.count("\n") + 1 <= config.max_context_lines


def summary_text(memory: Memory, config: Config) -> str:
    """The summary, shortened until it fits the budget."""
    per_kind, ai_lines = config.recent_per_kind, config.ai_summary_lines
    texts: dict[str, str | None] = {}
    text = render(memory, config, per_kind, ai_lines, texts)
    while not fits(text, config) and ai_lines > 0:
        ai_lines = ai_lines // 2
        text = render(memory, config, per_kind, ai_lines, texts)
    while not fits(text, config) and per_kind > 0:
        per_kind -= 1
        text = render(memory, config, per_kind, ai_lines, texts)
    if not fits(text, config):  # the patterns alone are too long: cut at a line
        kept: list[str] = []
        for line in text.split("\n"):
            candidate = "\n".join([*kept, line, "(… cut to fit; hookmux feedback summary)"])
            if not fits(candidate, config):
                break
            kept.append(line)
        text = "\n".join([*kept, "(… cut to fit; hookmux feedback summary)"])
    return text


def summary(paths: Paths, config: Config, now: dt.datetime | None = None) -> str:
    return summary_text(gather(paths, config, now), config)
