"""The status line cache, ``.specweave/state/status-line.json``, as ``update-status-line.sh`` writes it.

1. Every ``.specweave/increments/*/spec.md`` whose first ``status:`` line says
   ``active``, ``planning`` or ``in-progress`` is open; its ``created:`` (spaces
   removed, ``1970-01-01`` when missing) orders it.
2. No open increment: ``{"current": null, "openCount": 0, "lastUpdate": ...}``.
3. Otherwise the oldest (``sort`` of ``"<created> <id>"`` lines) is current:
   its tasks counted by ``TaskCounter``, its ACs by the bold checkbox lines.

Written as jq writes it (two-space indent, final newline), atomically.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hookmux_specstatus.files import atomic_write_text, iso_now_s, read_text
from hookmux_specstatus.project import SPECWEAVE, increment_dir, state_dir
from hookmux_specstatus.specweave import OPEN_STATUSES, count_acs, count_tasks, first_field

CACHE_NAME = "status-line.json"


def cache_path(root: str) -> str:
    return os.path.join(state_dir(root), CACHE_NAME)


def open_increments(root: str) -> list[tuple[str, str]]:
    """(created, id) of each open increment, in the shell glob's (sorted) order."""
    increments = os.path.join(root, SPECWEAVE, "increments")
    try:
        names = sorted(os.listdir(increments))
    except OSError:
        return []
    found = []
    for name in names:
        if name.startswith("."):
            continue  # the shell's * skips hidden names
        spec = read_text(os.path.join(increments, name, "spec.md"))
        if spec is None:
            continue
        if first_field(spec, "status") in OPEN_STATUSES:
            created = first_field(spec, "created", rest=True)
            found.append((created if created is not None else "1970-01-01", name))
    return found


def compute(root: str) -> dict[str, Any]:
    """The cache object for ``root`` (key order as jq writes it)."""
    found = open_increments(root)
    if not found:
        return {"current": None, "openCount": 0, "lastUpdate": iso_now_s()}
    current = min(found, key=lambda item: f"{item[0]} {item[1]}")[1]
    directory = increment_dir(root, current)
    tasks = read_text(os.path.join(directory, "tasks.md"))
    count = count_tasks(tasks) if tasks is not None else None
    spec = read_text(os.path.join(directory, "spec.md")) or ""
    acs_completed, acs_total = count_acs(spec)
    return {
        "current": {
            "id": current,
            "name": current,
            "completed": count.completed if count else 0,
            "total": count.total if count else 0,
            "percentage": count.percentage if count else 0,
            "acsCompleted": acs_completed,
            "acsTotal": acs_total,
        },
        "openCount": len(found),
        "lastUpdate": iso_now_s(),
    }


def render_json(cache: dict[str, Any]) -> str:
    return json.dumps(cache, indent=2, ensure_ascii=False) + "\n"


def write_cache(root: str) -> dict[str, Any]:
    """Recompute and atomically replace the cache; returns what was written. Hold the lock."""
    cache = compute(root)
    atomic_write_text(cache_path(root), render_json(cache))
    return cache
