"""End to end with the real Claude Code 2.1.330 CLI, wired by ``hookmux install``.

A scripted model (the loopback Messages API stand-in in ``tests/support``) makes
Claude Code edit ``tasks.md``; the hooks ``hookmux install --scope project``
wrote run this plugin, and the ``statusLine`` command it wrote prints the line.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from hookmux_specstatus import logs  # noqa: E402

from hookmux.entry import nativelauncher  # noqa: E402
from hookmux.state.launcher import launcher_python  # noqa: E402
from hookmux.testing import hookmux_executable  # noqa: E402
from tests.support.claude_cli import (  # noqa: E402
    CLAUDE_CODE_VERSION,
    require_claude,
    run_claude,
)
from tests.support.messages_api import MessagesAPI, Text, ToolUse  # noqa: E402

pytestmark = pytest.mark.e2e

OURS = ("specstatus", "metadata")
INCREMENT = "0001-demo"
MARKER = "SPECSTATUS_E2E_RUN"


@pytest.fixture(scope="session")
def claude() -> Path:
    """The pinned Claude Code; skipped only when node is absent."""
    return require_claude()


def other_plugins() -> list[str]:
    from hookmux.routing.discovery import installed_plugins

    return [name for name, *_ in installed_plugins() if name not in OURS]


def spec_md() -> str:
    return (
        "---\nincrement: 0001-demo\ntitle: 'Demo'\nstatus: active\ntype: feature\n"
        "created: 2025-11-19T00:00:00.000Z\n---\n\n# Demo\n\n### US-001: Demo (Priority: P1)\n\n"
        "**Acceptance Criteria**:\n- [x] **AC-US1-01**: first\n- [ ] **AC-US1-02**: second\n"
    )


def tasks_md(total: int, done: int) -> str:
    lines = [f"---\ntotal_tasks: {total}\ncompleted: {done}\n---\n\n## User Story: US-001 - Demo\n"]
    for n in range(1, total + 1):
        mark = "[x] completed" if n <= done else "[ ] pending"
        lines.append(f"\n### T-{n:03d}: Task {n}\n**User Story**: US-001\n**Status**: {mark}\n")
    return "".join(lines)


class Project:
    def __init__(self, root: Path, total: int, done: int) -> None:
        self.root = root
        self.dir = root / "project"
        self.home = root / "home"
        self.state = root / "hookmux-home"
        self.home.mkdir()
        inc = self.dir / ".specweave" / "increments" / INCREMENT
        inc.mkdir(parents=True)
        (inc / "spec.md").write_text(spec_md())
        (inc / "tasks.md").write_text(tasks_md(total, done))
        self.tasks = inc / "tasks.md"
        self.cache = self.dir / ".specweave" / "state" / "status-line.json"
        self.run_id = uuid.uuid4().hex

    def env(self) -> dict[str, str]:
        return {
            "HOOKMUX_HOME": str(self.state),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "HOOKMUX_PLUGINS": ",".join(OURS),
            MARKER: self.run_id,
        }

    def install(self) -> dict[str, Any]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
        env.update(self.env(), HOME=str(self.home), HOOKMUX_DISABLED=",".join(other_plugins()))
        subprocess.run(
            [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(self.dir)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        settings: dict[str, Any] = json.loads((self.dir / ".claude" / "settings.json").read_text())
        return settings

    def statusline(self, command: str) -> str:
        """Run the settings' statusLine command as Claude Code does (shell form, JSON on stdin)."""
        status = {
            "session_id": "e2e",
            "cwd": str(self.dir),
            "workspace": {"current_dir": str(self.dir), "project_dir": str(self.dir)},
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet"},
            "version": CLAUDE_CODE_VERSION,
        }
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home), **self.env()}
        proc = subprocess.run(
            ["/bin/sh", "-c", command],
            check=False,
            input=json.dumps(status),
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def updates(self) -> list[dict[str, Any]]:
        return [m for m in logs.metrics(str(self.dir)) if m["event"] == "status_line_updated"]


@pytest.fixture
def make_project(tmp_path: Path) -> Iterator[Any]:
    made: list[Project] = []

    def make(total: int, done: int) -> Project:
        project = Project(tmp_path.resolve(), total, done)
        made.append(project)
        return project

    yield make
    for project in made:  # the detached processes this test's hooks started: let them finish, then end them
        end_processes(project.run_id)


def pids_with(value: str) -> list[int]:
    needle = f"{MARKER}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def end_processes(run_id: str, grace: float = 3.0) -> None:
    """End what this test's hooks left running (background workers, a warm hookmux daemon),
    found by the marker only this test's processes carry."""
    deadline = time.monotonic() + grace
    while pids_with(run_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids_with(run_id):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def wait_for(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


def tick(n: int) -> dict[str, str]:
    head = f"### T-{n:03d}: Task {n}\n**User Story**: US-001\n**Status**: "
    return {"old_string": head + "[ ] pending", "new_string": head + "[x] completed"}


def test_claude_ticks_a_task_and_the_status_line_shows_it_within_the_debounce_window(
    claude: Path, make_project: Any
) -> None:
    project = make_project(total=5, done=2)
    settings = project.install()
    command = settings["statusLine"]["command"]
    program, *args = shlex.split(command)
    assert args == ["statusline"]
    # hookmux's launcher of this environment (native where a compiler built it, else Python)
    assert launcher_python(nativelauncher.python_launcher_of(program) or program), command
    assert project.statusline(command) == "No active increment\n"  # no cache yet: nothing recomputed

    script = [
        ToolUse("Read", {"file_path": str(project.tasks)}),
        ToolUse("Edit", {"file_path": str(project.tasks), **tick(3)}, id="toolu_tick"),
        Text("Ticked T-003."),
    ]
    with MessagesAPI(script) as api:
        run = run_claude(
            claude,
            project.dir,
            project.home,
            api.url,
            timeout=120,
            extra_env=project.env(),
            keep_leftovers=True,
        )
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        results = {r["tool_use_id"]: r for r in api.tool_results()}
    assert results["toolu_tick"]["is_error"] is False, describe
    edited = project.tasks.stat().st_mtime

    assert wait_for(lambda: "3/5 tasks" in project.statusline(command), timeout=5.0), project.statusline(
        command
    )
    line = project.statusline(command)
    assert line == "[0001-demo] | ████░░░░ | 3/5 tasks | 1/2 ACs\n"
    latency = project.cache.stat().st_mtime - edited
    assert 0 <= latency < 5.0, latency  # inside SpecWeave's 5 s debounce window
    print(f"\nstatus line cache written {latency * 1000:.0f} ms after Claude's edit")


def test_fifty_rapid_edits_end_in_the_right_counts_with_far_fewer_recomputes(
    claude: Path, make_project: Any
) -> None:
    project = make_project(total=50, done=0)
    command = project.install()["statusLine"]["command"]
    edits = [
        ToolUse("Edit", {"file_path": str(project.tasks), **tick(n)}, id=f"toolu_e{n}") for n in range(1, 51)
    ]
    script: list[Any] = [
        ToolUse("Read", {"file_path": str(project.tasks)}),
        *edits,
        Text("All fifty ticked."),
    ]
    with MessagesAPI(script) as api:
        started = time.monotonic()
        run = run_claude(
            claude,
            project.dir,
            project.home,
            api.url,
            timeout=600,
            extra_env=project.env(),
            keep_leftovers=True,
        )
        took = time.monotonic() - started
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        results = [r for r in api.tool_results() if r["tool_use_id"].startswith("toolu_e")]
    assert len(results) == 50 and not any(r["is_error"] for r in results), describe
    assert project.tasks.read_text() == tasks_md(50, 50).replace("completed: 50", "completed: 0")

    # SpecWeave's 5 s debounce: the trailing run lands at most ~5 s after the last edit
    assert wait_for(lambda: "50/50 tasks" in project.statusline(command), timeout=12.0), project.statusline(
        command
    )
    assert project.statusline(command) == "[0001-demo] | ████████ | 50/50 tasks | 1/2 ACs\n"
    time.sleep(1.0)
    updates = project.updates()
    assert 1 <= len(updates) <= 12, [u["completed"] for u in updates]  # far fewer than 50
    assert updates[-1]["completed"] == 50
    counts = [u["completed"] for u in updates]
    print(f"\n50 edits in {took:.1f} s of Claude Code; {len(updates)} recomputes: {counts}")
