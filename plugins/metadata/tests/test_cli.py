"""Through the real ``hookmux run``: the refusal Claude Code reads, the 2 s budget, and the
matchers keeping every other call away from this plugin's code."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import RunHook
from metadata_support import PLUGINS, metadata_file, post, pre, real_events, with_status

from hookmux.state.records import spool_file
from hookmux.testing import HookmuxCLI, hookmux_executable


def imported(cli: HookmuxCLI, payload: dict[str, Any]) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "run"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        env=cli.env(HOOKMUX_PLUGINS=PLUGINS),
        check=True,
    )
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_claude_code_reads_a_deny_with_the_reason(run_hook: RunHook, project: Path) -> None:
    content = with_status(metadata_file(project).read_text(), "shipped")
    result = run_hook(pre(project, "Write", {"content": content}))
    assert result.returncode == 0, result.stderr
    assert result.output is not None
    specific = result.output["hookSpecificOutput"]
    assert (specific["hookEventName"], specific["permissionDecision"]) == ("PreToolUse", "deny")
    assert "- Invalid status: shipped (must be one of:" in specific["permissionDecisionReason"]


def test_a_valid_write_gets_no_answer_at_all(run_hook: RunHook, project: Path) -> None:
    content = with_status(metadata_file(project).read_text(), "paused")
    result = run_hook(pre(project, "Write", {"content": content}))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", "")


def test_calls_on_other_files_never_import_the_plugin(hookmux_cli: HookmuxCLI, project: Path) -> None:
    events = real_events(project)  # recorded: Read and Edit of tasks.md, Write of metadata.json
    hookmux_cli.run(events[0], env={"HOOKMUX_PLUGINS": PLUGINS})  # builds the manifest first
    for event in events[:4]:
        modules = imported(hookmux_cli, event)
        assert "hookmux.entry.route" in modules  # the measurement works
        assert not {m for m in modules if m.startswith("hookmux_metadata")}, event["tool_name"]
    assert "hookmux_metadata.check" in imported(hookmux_cli, events[4])  # the metadata.json Write


def test_a_status_change_is_recorded_within_two_seconds(
    run_hook: RunHook, hookmux_cli: HookmuxCLI, project: Path
) -> None:
    listing = subprocess.run(
        [hookmux_executable(), "plugins", "--json"],
        capture_output=True,
        text=True,
        env=hookmux_cli.env(HOOKMUX_PLUGINS=PLUGINS),
        check=True,
    )
    metadata = next(p for p in json.loads(listing.stdout) if p["name"] == "metadata")
    assert metadata["events"]["PostToolUse"][0]["timeout"] == 2.0  # hookmux abandons it after 2 s

    before = metadata_file(project).read_text()
    after = with_status(before, "completed")
    metadata_file(project).write_text(after)
    started = time.monotonic()
    result = run_hook(post(project, "Write", {"content": after}, {"type": "update", "originalFile": before}))
    elapsed = time.monotonic() - started
    assert (result.returncode, result.stdout) == (0, b""), result.stderr
    assert elapsed < 5.0  # the whole hook process, interpreter start included, on a shared machine
    records = [json.loads(line) for line in Path(spool_file(str(hookmux_cli.home))).read_text().splitlines()]
    [run] = [r for r in records if r.get("kind") == "exec" and r["plugin"] == "metadata"]
    assert run["status"] == "silent" and run["duration_ms"] < 2000  # the handler, inside its budget
    path = project / ".specweave" / "state" / "status-transitions.jsonl"
    [record] = [json.loads(line) for line in path.read_text().splitlines()]  # written before the answer
    assert (record["from"], record["to"]) == ("active", "completed")
