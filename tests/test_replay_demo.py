"""`hookmux replay` and `hookmux demo`: recorded events through the router, no Claude Code needed."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import real_payloads
from plugin_site import install_plugin
from test_install import Env

import hookmux
from hookmux.commands.demo import SESSION
from hookmux.testing import HookmuxCLI, make_event


@pytest.fixture
def hm(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    return Env(hookmux_cli, tmp_path)


def ndjson(*items: object) -> str:
    return "".join((i if isinstance(i, str) else json.dumps(i)) + "\n" for i in items)


def test_replay_prints_each_merged_answer_and_reports_bad_lines(hm: Env, tmp_path: Path) -> None:
    deny = make_event(
        "PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "hmtest-deny; hmtest-crash"}
    )
    recorded = tmp_path / "events.ndjson"
    recorded.write_text(
        ndjson(
            real_payloads()[0],  # SessionStart: nobody wants it
            "not json",
            {"payload": deny, "ts": 1700000000, "correlation_id": "x"},  # the recorded form
            "",
            {"hook_event_name": "BrandNewEvent"},
            ["a list"],
            make_event("TaskCompleted", cwd=tmp_path, task_id="7", task_subject="hmtest-unfinished"),
        )
    )
    result = hm("replay", str(recorded))
    assert result.returncode == 1
    assert "line 2: skipped: not JSON" in result.stderr
    assert "line 5: skipped: unknown hook event 'BrandNewEvent'" in result.stderr
    assert "line 6: skipped: a JSON list, expected an object" in result.stderr
    assert "3 line(s) skipped" in result.stderr
    out = result.stdout
    assert "line 1  SessionStart: startup\n  no plugin matched" in out
    assert "line 3  PreToolUse Bash: hmtest-deny; hmtest-crash" in out
    assert "alpha.hookmux_pre_tool_use  ok" in out
    assert "faulty.hookmux_pre_tool_use  error" in out and "faulty handler exploded" in out
    assert '"permissionDecision": "deny"' in out
    assert "exit code 2: alpha: the tests for this task do not pass yet" in out


def test_replay_json_and_one_plugin(hm: Env, tmp_path: Path) -> None:
    event = make_event(
        "PostToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "echo hmtest-context"}
    )
    recorded = tmp_path / "events.ndjson"
    recorded.write_text(ndjson(event))
    both = [json.loads(line) for line in hm("replay", str(recorded), "--json").stdout.splitlines()]
    assert both[0]["matched"] == ["alpha.hookmux_post_tool_use", "beta.hookmux_post_tool_use"]
    context = both[0]["output"]["hookSpecificOutput"]["additionalContext"]
    assert context == "alpha-context for toolu_test\n\nbeta-context for toolu_test"
    result = hm("replay", str(recorded), "--json", "--plugin", "beta")
    (only,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert only["matched"] == ["beta.hookmux_post_tool_use"]
    assert only["output"]["hookSpecificOutput"]["additionalContext"] == "beta-context for toolu_test"
    unknown = hm("replay", str(recorded), "--plugin", "nobody")
    assert unknown.returncode == 64 and "no plugin named nobody is installed" in unknown.stderr


def test_replay_reads_stdin_and_keeps_the_real_state_untouched(hm: Env, tmp_path: Path) -> None:
    event = make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "hmtest-deny"})
    proc = subprocess.run(
        [sys.executable, "-m", "hookmux", "replay", "-", "--json"],
        input=ndjson(event),
        env=hm.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout)["output"]["hookSpecificOutput"]["permissionDecision"] == "deny"
    state = {p.name for p in hm.cli.home.iterdir()} if hm.cli.home.exists() else set()
    assert state <= {"manifests"}  # plugin state and records went to a throwaway directory


def test_the_demo_session_is_made_of_real_claude_code_payloads() -> None:
    real = {(p["hook_event_name"], p.get("tool_name")): set(p) for p in real_payloads()}
    demo = [json.loads(line) for line in SESSION.read_text().splitlines()]
    assert len(demo) == 23
    for event in demo:
        assert set(event) == real[(event["hook_event_name"], event.get("tool_name"))]
    assert len({e["session_id"] for e in demo}) == 1


def test_demo_with_the_test_plugins(hm: Env) -> None:
    result = hm("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "A recorded Claude Code session: 23 hook events in /" in out
    assert "0 of 23 events matched a plugin." in out
    assert "alpha: no event of this session matched its matchers" in out
    disabled = hm("demo", HOOKMUX_DISABLED="beta")
    assert "beta: disabled in the configuration, did not run" in disabled.stdout
    report = json.loads(hm("demo", "--json").stdout)
    assert len(report["events"]) == 23
    assert report["events"][2]["summary"] == "PreToolUse Read: .specweave/increments/0001-demo/tasks.md"
    assert not Path(report["project"]).exists()  # the throwaway project is gone


TASKS = """
from hookmux import hookimpl
from hookmux.protocol.answers import PostToolUseAnswer, PreToolUseAnswer

@hookimpl(matcher="Edit", paths=["tasks.md"])
def hookmux_post_tool_use(event, ctx):
    with open(ctx.resolve_in_project(event.tool_input["file_path"])) as fh:
        done = fh.read().count("[x]")
    return PostToolUseAnswer(additional_context=f"tasks done: {done}")

@hookimpl(matcher="Bash", commands=["exit *"])
def hookmux_pre_tool_use(event):
    return PreToolUseAnswer(permission="ask", reason="exit codes are for scripts")
"""


def test_demo_reports_what_each_plugin_did(hm: Env, tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site, "tasks", TASKS)
    hm.extra["PYTHONPATH"] = str(site)
    result = hm("demo")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "2 of 23 events matched a plugin" in out
    assert "line 7  PostToolUse Edit: .specweave/increments/0001-demo/tasks.md" in out
    # the plugin reads the throwaway project as the recorded edit left it: T-001 ticked off
    assert '"additionalContext": "tasks done: 2"' in out
    assert "line 9  PreToolUse Bash: exit 3" in out and '"permissionDecision": "ask"' in out
    assert "tasks: ran on 2 event(s) (lines 7, 9): 2 ok" in out
    # the user's state is left alone: not even the plugin manifest is written there
    assert not hm.cli.home.exists()


def test_demo_with_no_plugin_installed(hm: Env, tmp_path: Path) -> None:
    """An environment with only the core: the site-packages of this one without the test plugins."""
    site = tmp_path / "site-packages"
    site.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith("hookmux_testplugins"):
            (site / entry.name).symlink_to(entry)
    if not (site / "hookmux").exists():  # an editable install: its .pth is not read under -S
        (site / "hookmux").symlink_to(Path(hookmux.__file__).resolve().parent)
    proc = subprocess.run(
        [sys.executable, "-S", "-m", "hookmux", "demo"],
        env=hm.env(PYTHONPATH=str(site)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "No hookmux plugins are installed" in proc.stdout
    assert "pip install hookmux-<name>" in proc.stdout
