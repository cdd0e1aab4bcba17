"""``hookmux statusline``: exactly SpecWeave's line, from the cache only, always one line and exit 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hookmux_specstatus.cache import write_cache
from hookmux_specstatus.statusline import render
from specstatus_support import INCREMENT, PLUGINS, cache_file, tasks_file

from hookmux.testing import HookmuxCLI, hookmux_executable


def inc(name: str = "0001-demo", completed: int = 3, total: int = 5, **more: Any) -> dict[str, Any]:
    return {"id": name, "name": name, "completed": completed, "total": total, "percentage": 0, **more}


def test_the_issue_example() -> None:
    cache = {"current": inc(acsCompleted=4, acsTotal=7), "openCount": 1, "lastUpdate": "2025-11-19T07:48:21Z"}
    assert render(cache) == "[0001-demo] | ████░░░░ | 3/5 tasks | 4/7 ACs"


@pytest.mark.parametrize(
    ("completed", "total", "bar"),
    [(0, 0, "░░░░░░░░"), (0, 5, "░░░░░░░░"), (5, 5, "████████"), (7, 5, "████████"), (1, 8, "█░░░░░░░"),
     (7, 8, "███████░"), (2, 3, "█████░░░")],
)  # fmt: skip
def test_progress_bar(completed: int, total: int, bar: str) -> None:
    assert (
        render({"current": inc(completed=completed, total=total)})
        == f"[0001-demo] | {bar} | {completed}/{total} tasks"
    )


def test_names_are_cut_to_30_alone_and_20_beside_another() -> None:
    name = "0045-living-docs-external-sync-and-more"
    assert render({"current": inc(name)}).startswith("[0045-living-docs-external-syn…] |")
    assert render({"current": inc(name[:30])}).startswith(f"[{name[:30]}] |")
    two = {"activeIncrements": [inc(name), inc("0046-b", 1, 2)], "openCount": 4}
    assert render(two) == (
        "[0045-living-docs-ex…] | ████░░░░ | 3/5 tasks · [0046-b] | ████░░░░ | 1/2 tasks · (+2 more)"
    )


def test_more_open_increments_than_shown() -> None:
    assert render({"current": inc(), "openCount": 3}).endswith(" · (+2 more)")
    assert render({"current": inc(), "openCount": 1}) == "[0001-demo] | ████░░░░ | 3/5 tasks"


def test_lines_over_120_characters_are_cut_as_specweave_cuts_them() -> None:
    names = [f"00{n}-" + "x" * 30 for n in range(10, 12)]
    acs = {"acsCompleted": 12, "acsTotal": 30}
    line = render({"activeIncrements": [inc(n, 30, 40, **acs) for n in names], "openCount": 9})
    assert line is not None and len(line) == 120
    assert line.endswith("…...")  # substring(0, 116) + '…' + '...'
    full = "[0010-xxxxxxxxxxxxxx…] | ██████░░ | 30/40 tasks | 12/30 ACs · [0011-xxxxxxxxxxxxxx…] | ██████░░"
    assert line.startswith(full)


def test_what_is_shown_without_an_increment() -> None:
    assert render(None) == "No active increment"
    assert render({"current": None, "openCount": 0, "lastUpdate": "x"}) == "No active increment"
    message = 'No active increments. Start with /specweave:increment "feature name"'
    assert render({"activeIncrements": [], "current": inc(), "message": message}) == message  # [] wins
    assert render({"current": {"id": "x"}}) == "No active increment"  # a malformed cache


def test_specweave_config_json_settings() -> None:
    cache = {"current": inc("0001-a-rather-long-name", acsCompleted=1, acsTotal=2)}
    assert render(cache, {"progressBarWidth": 10, "maxNameLength": 10}) == (
        "[0001-a-ra…] | ██████░░░░ | 3/5 tasks | 1/2 ACs"
    )
    assert render(cache, {"enabled": False}) is None


# -- the command, as Claude Code runs it ------------------------------------------------------


def status_json(directory: Path) -> str:
    """What Claude Code 2.1.330 sends a statusLine command (abridged)."""
    return json.dumps(
        {
            "session_id": "0b1f2a3c",
            "transcript_path": "/tmp/t.jsonl",
            "cwd": str(directory),
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet 4.5"},
            "workspace": {"current_dir": str(directory), "project_dir": str(directory), "added_dirs": []},
            "version": "2.1.330",
            "output_style": {"name": "default"},
            "cost": {"total_cost_usd": 0.01, "total_duration_ms": 1000},
        }
    )


def statusline(
    cli: HookmuxCLI, stdin: str | bytes, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [hookmux_executable(), "statusline", *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        env=cli.env(HOOKMUX_PLUGINS=PLUGINS),
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_the_command_renders_the_cache_found_from_claude_codes_directory(
    hookmux_cli: HookmuxCLI, project: Path
) -> None:
    write_cache(str(project))
    subdir = project / "src" / "deep"
    subdir.mkdir(parents=True)
    proc = statusline(hookmux_cli, status_json(subdir))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == f"[{INCREMENT}] | ░░░░░░░░ | 0/10 tasks | 7/7 ACs\n"


def test_it_never_recomputes(hookmux_cli: HookmuxCLI, project: Path) -> None:
    write_cache(str(project))
    before = cache_file(project).stat().st_mtime_ns
    tasks_file(project).write_text("### T-001: x\n**Status**: [x] completed\n")  # the files move on
    proc = statusline(hookmux_cli, status_json(project))
    assert proc.stdout.decode().startswith(f"[{INCREMENT}] | ░░░░░░░░ | 0/10 tasks")  # the cache's word
    assert cache_file(project).stat().st_mtime_ns == before
    assert sorted(p.name for p in cache_file(project).parent.iterdir()) == ["status-line.json"]


@pytest.mark.parametrize("stdin", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"cwd": 5}'])
def test_bad_input_still_prints_one_line_and_exits_0(
    hookmux_cli: HookmuxCLI, project: Path, stdin: bytes
) -> None:
    write_cache(str(project))
    proc = statusline(hookmux_cli, stdin, cwd=project)  # falls back to its own directory
    assert proc.returncode == 0
    assert proc.stdout.decode() == f"[{INCREMENT}] | ░░░░░░░░ | 0/10 tasks | 7/7 ACs\n"


def test_outside_a_specweave_project(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    proc = statusline(hookmux_cli, status_json(tmp_path), cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"No active increment\n")
    assert not (tmp_path / ".specweave").exists()


def test_a_corrupt_cache_or_config_still_prints_a_line(hookmux_cli: HookmuxCLI, project: Path) -> None:
    cache_file(project).parent.mkdir(parents=True)
    cache_file(project).write_text('{"current": {"name": ')
    (project / ".specweave" / "config.json").write_text("{oops")
    proc = statusline(hookmux_cli, status_json(project))
    assert (proc.returncode, proc.stdout) == (0, b"No active increment\n")


def test_config_json_is_read_and_disabled_still_prints_a_line(hookmux_cli: HookmuxCLI, project: Path) -> None:
    write_cache(str(project))
    config = project / ".specweave" / "config.json"
    config.write_text(json.dumps({"statusLine": {"progressBarWidth": 4, "maxNameLength": 12}}))
    assert statusline(hookmux_cli, status_json(project)).stdout.decode() == (
        "[0045-living…] | ░░░░ | 0/10 tasks | 7/7 ACs\n"
    )
    config.write_text(json.dumps({"statusLine": {"enabled": False}}))
    proc = statusline(hookmux_cli, status_json(project))
    assert (proc.returncode, proc.stdout) == (0, b"No active increment\n")


def test_json_and_clear_options(hookmux_cli: HookmuxCLI, project: Path) -> None:
    cache = write_cache(str(project))
    proc = statusline(hookmux_cli, status_json(project), "--json")
    assert json.loads(proc.stdout) == cache
    proc = statusline(hookmux_cli, status_json(project), "--clear")
    assert proc.stdout.decode() == "✅ Status line cache cleared\n" and not cache_file(project).exists()
    proc = statusline(hookmux_cli, status_json(project), "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout) == {"error": "No active increment"}


def test_the_renderer_imports_nothing_heavy(hookmux_cli: HookmuxCLI, project: Path) -> None:
    write_cache(str(project))
    statusline(hookmux_cli, status_json(project))  # the first run stores the plugin manifest
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "statusline"],
        input=status_json(project).encode(),
        capture_output=True,
        env=hookmux_cli.env(HOOKMUX_PLUGINS=PLUGINS),
        check=True,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "hookmux_specstatus.statusline" in modules
    heavy = {"click", "pluggy", "attr", "attrs", "cattrs", "filelock", "json", "re", "typing", "sqlite3"}
    assert not {m for m in modules if m.split(".")[0] in heavy}, sorted(modules)
    assert proc.stdout.decode().startswith(f"[{INCREMENT}]")


def test_refresh_command_recomputes_now(hookmux_cli: HookmuxCLI, project: Path) -> None:
    tasks = "### T-001: a\n**Status**: [x] completed\n### T-002: b\n**Status**: [ ] pending\n"
    tasks_file(project).write_text(tasks)
    proc = subprocess.run(
        [hookmux_executable(), "specstatus", "refresh", "--project-dir", str(project / ".specweave")],
        capture_output=True,
        env=hookmux_cli.env(HOOKMUX_PLUGINS=PLUGINS),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == f"[{INCREMENT}] | ████░░░░ | 1/2 tasks | 7/7 ACs\n"
    assert json.loads(cache_file(project).read_text())["current"]["total"] == 2
