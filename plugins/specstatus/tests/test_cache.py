"""The status line cache: SpecWeave's choice of increment, counts and exact file format."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from hookmux_specstatus.cache import compute, write_cache
from specstatus_support import INCREMENT, active_0045, cache_file, make_project, real

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def spec(status: str, created: str | None) -> str:
    created_line = f"created: {created}\n" if created is not None else ""
    acs = "- [x] **AC-US1-01**: a\n- [ ] **AC-US1-02**: b\n"
    return f"---\nincrement: x\nstatus: {status}\n{created_line}---\n{acs}"


def test_the_file_is_what_update_status_line_sh_writes(project: Path) -> None:
    cache = write_cache(str(project))
    text = cache_file(project).read_text()
    assert STAMP.match(cache["lastUpdate"])
    assert text == (
        "{\n"
        '  "current": {\n'
        '    "id": "0045-living-docs-external-sync",\n'
        '    "name": "0045-living-docs-external-sync",\n'
        '    "completed": 0,\n'
        '    "total": 10,\n'
        '    "percentage": 0,\n'
        '    "acsCompleted": 7,\n'
        '    "acsTotal": 7\n'
        "  },\n"
        '  "openCount": 1,\n'
        f'  "lastUpdate": "{cache["lastUpdate"]}"\n'
        "}\n"
    )


def test_the_oldest_open_increment_is_current_and_the_others_are_counted(tmp_path: Path) -> None:
    tasks48 = real("0048-tasks-us-linked.md").replace(
        "**Status**: [x] completed", "**Status**: [ ] pending", 2
    )
    root = make_project(
        tmp_path,
        {
            INCREMENT: active_0045(),  # created 2025-11-19T00:00:00.000Z
            "0048-external-tool-import-enhancement": {
                "spec.md": spec("planning", "2025-11-18"),
                "tasks.md": tasks48,
            },
            "0050-later": {"spec.md": spec("in-progress", "2025-12-01")},
            "0044-done": {"spec.md": spec("completed", "2025-01-01")},
            "0046-quoted": {"spec.md": spec("'active'", "2025-01-01")},  # not an open status for grep
            "_archive": {"spec.md": spec("active", "2000-01-01")},
            ".hidden": {"spec.md": spec("active", "2000-01-01")},
        },
    )
    cache = compute(str(root))
    assert cache["openCount"] == 4  # 0045, 0048, 0050 and _archive (SpecWeave's glob takes it too)
    assert cache["current"]["id"] == "_archive"  # created 2000: the oldest


def test_created_orders_and_a_missing_created_sorts_as_1970(tmp_path: Path) -> None:
    tasks48 = real("0048-tasks-us-linked.md").replace(
        "**Status**: [x] completed", "**Status**: [ ] pending", 2
    )
    root = make_project(
        tmp_path,
        {
            INCREMENT: active_0045(),
            "0048-external-tool-import-enhancement": {
                "spec.md": spec("planning", "2025-11-18"),
                "tasks.md": tasks48,
            },
        },
    )
    current = compute(str(root))["current"]
    assert (current["id"], current["completed"], current["total"], current["percentage"]) == (
        "0048-external-tool-import-enhancement",
        6,
        8,
        75,
    )
    assert (current["acsCompleted"], current["acsTotal"]) == (1, 2)
    (root / ".specweave" / "increments" / INCREMENT / "spec.md").write_text(spec("active", None))
    assert compute(str(root))["current"]["id"] == INCREMENT


def test_no_open_increment(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"0044-done": {"spec.md": spec("completed", "2025-01-01")}})
    cache = write_cache(str(root))
    assert list(cache) == ["current", "openCount", "lastUpdate"]
    assert cache["current"] is None and cache["openCount"] == 0
    assert cache_file(root).read_text().startswith('{\n  "current": null,\n  "openCount": 0,\n')
    assert compute(str(make_project(tmp_path / "empty", {})))["openCount"] == 0


def test_an_increment_without_tasks_md_counts_zero(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"0001-demo": {"spec.md": spec("planning", "2025-01-01")}})
    current = compute(str(root))["current"]
    assert (current["completed"], current["total"], current["percentage"]) == (0, 0, 0)


def test_the_cache_is_replaced_atomically(project: Path) -> None:
    write_cache(str(project))
    first = os.stat(cache_file(project)).st_ino
    write_cache(str(project))
    assert os.stat(cache_file(project)).st_ino != first  # a new file renamed over the old one
    assert sorted(p.name for p in cache_file(project).parent.iterdir()) == ["status-line.json"]
    assert json.loads(cache_file(project).read_text())["current"]["id"] == INCREMENT
