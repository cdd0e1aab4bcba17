"""The edit handler: routing by matchers, and its guard rails on hookmux's real SQLite store."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import hookmux_specstatus
import pytest
from hookmux_specstatus import logs
from hookmux_specstatus.config import Config
from hookmux_specstatus.project import locate
from hookmux_specstatus.update import on_edit
from specstatus_support import (
    INCREMENT,
    active_0045,
    cache_file,
    edit_event,
    make_project,
    real_events,
    spec_file,
    tasks_file,
)

from hookmux.routing.context import HookContext
from hookmux.testing import run_event

TASKS = f".specweave/increments/{INCREMENT}/tasks.md"


def context(raw: dict[str, Any], trailing: str | None = None) -> HookContext:
    return HookContext(
        plugin="specstatus",
        config=None,
        project_dir=str(raw["cwd"]),
        home=os.environ["HOOKMUX_HOME"],
        deadline=time.monotonic() + 30,
        handler="hookmux_post_tool_use",
        hook="hookmux_post_tool_use",
        raw=raw,
        trailing_key=trailing,
    )


def events_of(root: Path) -> list[str]:
    return [m["event"] for m in logs.metrics(str(root))]


def tick(root: Path, count: int) -> None:
    """Mark the first ``count`` tasks of the real 0045 tasks.md done (the way SpecWeave's template does)."""
    text = tasks_file(root).read_text().replace("**Status**: [x] completed", "**Status**: Completed")
    tasks_file(root).write_text(text.replace("**Status**: Completed", "**Status**: [x] completed", count))


# -- routing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "path", "routed"),
    [
        ("Edit", "{root}/" + TASKS, True),
        ("Write", "{root}/.specweave/increments/0045-x/spec.md", True),
        ("MultiEdit", TASKS, True),  # relative to the event's cwd
        ("Edit", "{root}/.specweave/increments/0045-x/plan.md", False),
        ("Edit", "{root}/.specweave/increments/_archive/0045-x/tasks.md", False),
        ("Edit", "{root}/docs/tasks.md", False),
        ("Read", "{root}/" + TASKS, False),
    ],
)
def test_only_edits_of_spec_and_tasks_reach_the_handler(
    project: Path, tool: str, path: str, routed: bool
) -> None:
    event = edit_event(project, path.format(root=project), tool=tool)
    run = run_event(event, plugins={"specstatus": hookmux_specstatus})
    assert run.statuses == ({"specstatus.hookmux_post_tool_use": "queued"} if routed else {})
    assert run.output is None  # never a word to Claude Code


def test_the_real_recorded_edit_is_routed_in_the_background(project: Path) -> None:
    post = [e for e in real_events(project) if e["hook_event_name"] == "PostToolUse"]
    statuses = [run_event(e, plugins={"specstatus": hookmux_specstatus}).statuses for e in post]
    assert statuses == [{}, {"specstatus.hookmux_post_tool_use": "queued"}]  # the Read, then the Edit
    assert run_event(post[1], plugins={"specstatus": hookmux_specstatus}).result.jobs[0]["key"] == (
        f"tool_input.file_path={project}/.specweave/increments/0001-demo/tasks.md"
    )


def test_locate_accepts_relative_paths_from_a_subdirectory_and_refuses_escapes(project: Path) -> None:
    sub = project / "src"
    sub.mkdir()
    target = locate(edit_event(project, "../" + TASKS, cwd=sub), ("tasks.md",))
    assert target is not None and (target.root, target.increment) == (str(project), INCREMENT)
    outside = project.parent / "elsewhere"
    (outside / ".specweave" / "increments" / "x").mkdir(parents=True)
    assert locate(edit_event(project, f"{outside}/.specweave/increments/x/tasks.md"), ("tasks.md",)) is None
    link = project / ".specweave" / "increments" / "linked"
    link.symlink_to(outside / ".specweave" / "increments" / "x")
    assert locate(edit_event(project, str(link / "tasks.md")), ("tasks.md",)) is None


# -- the handler ---------------------------------------------------------------------------


def test_an_edit_updates_the_cache_and_syncs_acs(project: Path) -> None:
    spec_file(project).write_text(
        spec_file(project).read_text().replace("- [x] **AC-US1-01**", "- [ ] **AC-US1-01**")
    )
    tick(project, 3)
    raw = edit_event(project, str(project / TASKS))
    assert on_edit(raw, context(raw), Config()) == "updated"
    current = json.loads(cache_file(project).read_text())["current"]
    assert (current["completed"], current["total"], current["acsCompleted"]) == (3, 10, 7)
    assert "- [x] **AC-US1-01**" in spec_file(project).read_text()  # checked by the sync
    [record] = logs.metrics(str(project))
    assert record["event"] == "status_line_updated" and record["acsChecked"] == ["AC-US1-01"]
    assert (
        "Status line updated after .specweave/increments"
        in (project / ".specweave/logs/hooks-debug.log").read_text()
    )


def test_debounce_throttles_and_always_schedules_a_trailing_run(project: Path) -> None:
    config = Config(debounce_seconds=0.5, burst_edits=100)
    raw = edit_event(project, str(project / TASKS))
    first = context(raw)
    assert on_edit(raw, first, config) == "updated"  # leading edge
    assert first.stats.get("jobs") is None
    second = context(raw)
    tick(project, 2)
    assert on_edit(raw, second, config) == "debounced"
    [job] = second.stats["jobs"]  # hookmux queues this trailing run after the answer
    assert job["trailing_key"].startswith("edits:") and job["not_before"] > time.time()
    assert json.loads(cache_file(project).read_text())["current"]["completed"] == 0  # not yet

    time.sleep(0.55)  # SpecWeave's check: the last update is old enough now
    third = context(raw)
    assert on_edit(raw, third, config) == "updated"
    assert json.loads(cache_file(project).read_text())["current"]["completed"] == 2
    tick(project, 4)
    trailing = context(job["payload"], trailing=job["trailing_key"])
    assert on_edit(job["payload"], trailing, config) == "updated"  # the trailing run always works
    assert json.loads(cache_file(project).read_text())["current"]["completed"] == 4
    assert events_of(project) == [
        "status_line_updated",
        "debounced",
        "status_line_updated",
        "status_line_updated",
    ]


def test_a_burst_leaves_the_work_to_the_trailing_run(project: Path, tmp_path: Path) -> None:
    def burst(root: Path, config: Config) -> list[str]:
        raw = edit_event(root, str(root / TASKS))
        results = []
        for _ in range(6):
            results.append(on_edit(raw, context(raw), config))
            time.sleep(0.3)  # t = 0, 0.3, ... 1.5: the throttle alone updates again at 1.2
        return results

    other = make_project(tmp_path / "other", {INCREMENT: active_0045()})
    control = burst(other, Config(debounce_seconds=1.0, burst_edits=100))
    assert control[0] == "updated" and control[1] == "debounced" and "updated" in control[3:]  # throttled
    limited = burst(project, Config(debounce_seconds=1.0, burst_edits=3, burst_window_seconds=30))
    assert limited[0] == "updated" and "burst" not in limited[:3]
    assert limited[3:] == ["burst"] * 3  # nothing more until the trailing run
    assert "BURST DETECTED" in (project / ".specweave/logs/hooks-debug.log").read_text()


def test_the_recursion_guard_defers_and_a_stale_guard_is_ignored(project: Path) -> None:
    guard = project / ".specweave" / "state" / ".hook-recursion-guard"
    guard.parent.mkdir(parents=True)
    guard.touch()
    raw = edit_event(project, str(project / TASKS))
    ctx = context(raw)
    assert on_edit(raw, ctx, Config()) == "guarded"
    assert not cache_file(project).exists()
    [deferred] = ctx.stats["jobs"]  # the edit waits for a trailing run instead of being lost
    assert deferred["trailing_key"].startswith("edits:")
    old = time.time() - 3600
    os.utime(guard, (old, old))
    assert on_edit(raw, context(raw, trailing=deferred["trailing_key"]), Config()) == "updated"


def test_kill_switch_and_skip_ac_sync(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = edit_event(project, str(project / TASKS))
    monkeypatch.setenv("SPECWEAVE_DISABLE_HOOKS", "1")
    assert on_edit(raw, context(raw), Config()) == "disabled"
    assert not (project / ".specweave" / "state").exists()
    monkeypatch.delenv("SPECWEAVE_DISABLE_HOOKS")
    monkeypatch.setenv("SKIP_AC_SYNC", "true")
    spec_file(project).write_text(
        spec_file(project).read_text().replace("- [x] **AC-US1-01**", "- [ ] **AC-US1-01**")
    )
    assert on_edit(raw, context(raw), Config()) == "updated"
    assert "- [ ] **AC-US1-01**" in spec_file(project).read_text()


def test_edits_outside_a_specweave_project_do_nothing(tmp_path: Path) -> None:
    raw = edit_event(tmp_path, str(tmp_path / TASKS))
    assert on_edit(raw, context(raw), Config()) == "ignored"
    assert not (tmp_path / ".specweave").exists()
