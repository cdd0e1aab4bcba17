"""``hookmux run`` with the plugin installed: the real console script, real processes."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import hookmux_ghap as plugin
from ghap_helpers import START, closed_port, ghap_json, user_config
from hookmux_ghap.journal import Journal

from hookmux.testing import HookmuxCLI, hookmux_executable, make_event, run_event


def parallel(
    hookmux_cli: HookmuxCLI, payloads: list[dict[str, Any]]
) -> list[subprocess.CompletedProcess[bytes]]:
    """Start every ``hookmux run`` at once, as Claude Code does for parallel tool calls."""
    env = hookmux_cli.env(HOOKMUX_PLUGINS="ghap")
    procs = [
        subprocess.Popen(
            [hookmux_executable(), "run"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in payloads
    ]
    # Every event goes in at once (a small payload fits the pipe): fed one by one as each
    # finishes, the last ones would wait past hookmux's 10 s stdin limit on a loaded machine.
    for proc, payload in zip(procs, payloads, strict=True):
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(payload).encode())
        proc.stdin.close()
        proc.stdin = None  # communicate() below only reads
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def pre_tool_use(project: Path, i: int) -> dict[str, Any]:
    return make_event(
        "PreToolUse",
        cwd=project,
        session_id="s-par",
        tool_name="Read",
        tool_input={"file_path": str(project / f"f{i}.py")},
        tool_use_id=f"toolu_{i:02d}",
    )


def test_50_parallel_pre_tool_use_events_leave_the_count_exact(
    hookmux_cli: HookmuxCLI, project: Path, journal_dir: Path
) -> None:
    results = parallel(hookmux_cli, [pre_tool_use(project, i) for i in range(50)])
    assert [r.returncode for r in results] == [0] * 50, [r.stderr for r in results if r.returncode]
    assert [r.stdout for r in results] == [b""] * 50  # no GHAP: no check-in
    assert (journal_dir / ".tool_count").read_text() == "50"
    assert not [p.name for p in journal_dir.iterdir() if p.name.endswith(".tmp")]


def test_50_parallel_calls_with_a_ghap_give_exactly_five_check_ins(
    hookmux_cli: HookmuxCLI, project: Path, journal_dir: Path
) -> None:
    ghap_json(project, *START)
    results = parallel(hookmux_cli, [pre_tool_use(project, i) for i in range(50)])
    answers = [json.loads(r.stdout) for r in results if r.stdout]
    assert len(answers) == 5, [r.stderr for r in results]
    for answer in answers:
        assert answer["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
        assert answer["hookSpecificOutput"]["additionalContext"].startswith("## GHAP Check-in (10 tools")
    assert (journal_dir / ".tool_count").read_text() == "0"


def test_session_start_through_the_console_script_with_qdrant_down(
    hookmux_cli: HookmuxCLI, project: Path
) -> None:
    user_config(f'[plugins.ghap]\nvalues_store = "qdrant"\nqdrant_url = "http://127.0.0.1:{closed_port()}"\n')
    run = hookmux_cli.run(make_event("SessionStart", cwd=project), env={"HOOKMUX_PLUGINS": "ghap"})
    assert run.returncode == 0
    assert run.output is not None
    assert run.output["hookSpecificOutput"]["additionalContext"].startswith("## GHAP Learning System")
    warnings = [line for line in run.stderr.splitlines() if "hookmux-ghap: warning" in line]
    assert len(warnings) == 1 and "Qdrant at http://127.0.0.1:" in warnings[0]


def imported_modules(hookmux_cli: HookmuxCLI, payload: dict[str, Any]) -> set[str]:
    """What a ``hookmux run`` imports, once the plugin manifest is built (the first run
    after an install builds it, importing every plugin once)."""
    hookmux_cli.run(make_event("Notification", cwd=payload["cwd"]), env={"HOOKMUX_PLUGINS": "ghap"})
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "run"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        env=hookmux_cli.env(HOOKMUX_PLUGINS="ghap"),
        check=True,
    )
    lines = proc.stderr.decode().splitlines()
    return {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}


HEAVY = {"http.client", "urllib.request", "sqlite3", "filelock", "click", "datetime", "secrets", "uuid"}


def test_the_per_tool_call_path_imports_nothing_heavy(hookmux_cli: HookmuxCLI, project: Path) -> None:
    ghap_json(project, *START)
    modules = imported_modules(hookmux_cli, pre_tool_use(project, 1))
    assert {"hookmux_ghap", "hookmux_ghap.hooks", "hookmux_ghap.journal"} <= modules
    assert not modules & HEAVY, modules & HEAVY
    assert "hookmux_ghap.outcome" not in modules and "hookmux_ghap.values" not in modules


def test_commands_that_are_no_tests_never_import_the_plugin(hookmux_cli: HookmuxCLI, project: Path) -> None:
    payload = make_event(
        "PostToolUse",
        cwd=project,
        tool_name="Bash",
        tool_input={"command": "ls -la"},
        tool_response={"stdout": "", "stderr": "", "interrupted": False},
    )
    modules = imported_modules(hookmux_cli, payload)
    assert not {m for m in modules if m.startswith("hookmux_ghap")}


def test_the_plugins_own_work_per_tool_call_is_a_few_milliseconds(project: Path, journal_dir: Path) -> None:
    """What the plugin adds to a matched event (the cold start of hookmux is measured in bench/ghap.py)."""
    Journal(str(journal_dir)).create("debugging", "trial-and-error", "g", "h", "a", "p")
    durations = []
    for i in range(30):
        result = run_event(pre_tool_use(project, i), plugins={"ghap": plugin})
        assert result.statuses == {"ghap.hookmux_pre_tool_use": "ok" if i % 10 == 9 else "silent"}
        durations.append(result.result.outcomes[0].duration_ms)
    assert statistics.median(durations[1:]) < 25.0, durations
