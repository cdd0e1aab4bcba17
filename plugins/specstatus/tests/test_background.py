"""Through the real ``hookmux run`` and its detached worker: Claude Code never waits, bursts
coalesce, the cache ends up right, and three failures open the circuit breaker."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RunHook
from hookmux_specstatus import logs
from hookmux_specstatus.update import cache_lock
from specstatus_support import INCREMENT, PLUGINS, cache_file, edit_event, tasks_file

from hookmux.entry import worker
from hookmux.routing.context import HookContext
from hookmux.testing import HookmuxCLI, hookmux_executable

TASKS = f".specweave/increments/{INCREMENT}/tasks.md"


def wait_for(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def completed(root: Path) -> int | None:
    try:
        return int(json.loads(cache_file(root).read_text())["current"]["completed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def tick(root: Path, count: int) -> None:
    text = tasks_file(root).read_text().replace("**Status**: [x] completed", "**Status**: Completed")
    tasks_file(root).write_text(text.replace("**Status**: Completed", "**Status**: [x] completed", count))


def test_claude_code_gets_its_answer_before_the_recompute_runs(
    run_hook: RunHook, hookmux_cli: HookmuxCLI, project: Path
) -> None:
    tick(project, 3)
    ctx = HookContext(
        plugin="specstatus", config=None, project_dir=str(project), home=str(hookmux_cli.home), deadline=0
    )
    with cache_lock(ctx, str(project)):  # the recompute cannot run while the test holds the lock
        started = time.monotonic()
        result = run_hook(edit_event(project, str(project / TASKS)))
        elapsed = time.monotonic() - started
        assert (result.returncode, result.stdout) == (0, b""), result.stderr
        assert elapsed < 4.0  # well before the worker would give up waiting for the lock (5 s)
        time.sleep(0.5)
        assert not cache_file(project).exists()  # the hook did not do the work itself
    assert wait_for(lambda: completed(project) == 3)


def test_twenty_edit_events_end_in_the_right_counts_with_few_recomputes(
    run_hook: RunHook, project: Path
) -> None:
    env = {"HOOKMUX__SPECSTATUS__DEBOUNCE_SECONDS": "1"}
    event = edit_event(project, str(project / TASKS))
    edits = 20
    started = time.monotonic()
    for n in range(1, edits + 1):
        tick(project, (n + 1) // 2)  # ten tasks done after twenty edits
        assert run_hook(event, **env).returncode == 0
    assert wait_for(lambda: completed(project) == 10, timeout=20)
    time.sleep(1.5)  # anything still queued has run by now
    window = time.monotonic() - started  # about 6 s here; longer on a loaded machine
    updates = [m for m in logs.metrics(str(project)) if m["event"] == "status_line_updated"]
    # Debounced (leading and trailing, 1 s): at most two recomputes a second while the edits
    # come and the queue drains, never one per edit.
    most = min(edits - 2, 2 * math.ceil(window))
    assert 2 <= len(updates) <= most, (window, [m["event"] for m in logs.metrics(str(project))])
    assert updates[-1]["completed"] == 10
    assert completed(project) == 10


def test_three_failures_open_the_circuit_breaker(
    hookmux_cli: HookmuxCLI, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(hookmux_cli.home)
    monkeypatch.setenv("HOOKMUX__SPECSTATUS__DEBOUNCE_SECONDS", "0.01")
    state = project / ".specweave" / "state"
    state.write_text("not a directory")  # every cache write fails
    raw = edit_event(project, str(project / TASKS))
    job = {
        "payload": json.dumps(raw),
        "plugin": "specstatus",
        "handler": "hookmux_post_tool_use",
        "hook": "hookmux_post_tool_use",
        "trailing_key": None,
    }
    statuses = []
    for _ in range(4):
        statuses.append(worker.run_job(home, job).status)
        time.sleep(0.05)
    assert statuses == ["error", "error", "error", "open"]
    state.unlink()
    assert worker.run_job(home, job).status == "open"  # until the cooldown ends


def test_the_hook_process_leaves_the_plugin_to_the_worker(hookmux_cli: HookmuxCLI, project: Path) -> None:
    """The PostToolUse hook only queues the job: neither this plugin nor its parsers load there."""
    event = edit_event(project, str(project / TASKS))
    env = hookmux_cli.env(HOOKMUX_PLUGINS=PLUGINS)
    subprocess.run([hookmux_executable(), "run"], input=json.dumps(event).encode(), env=env, check=True)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "run"],
        input=json.dumps(event).encode(),
        capture_output=True,
        env=env,
        check=True,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "hookmux.routing.dispatch" in modules  # the event was routed
    assert not {m for m in modules if m.startswith("hookmux_specstatus")}, sorted(modules)
    assert wait_for(lambda: completed(project) == 0)  # and the worker did the work
