"""hookmux-capture behind the real Claude Code 2.1.330 (offline, loopback Messages API).

Settings come from ``hookmux install --scope project`` (capture takes every event, so
every event is wired), plus an independent witness: a tiny command hook on every
wired event that logs what Claude Code fired. The capture must hold one line per
hook event the witness saw, and its bundle must correlate every tool call.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from capture_testing import wait_for

from hookmux.testing import hookmux_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.support

from tests.daemon_support import free_port, served
from tests.support.claude_cli import (
    require_claude,
    run_claude,
)
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e

WITNESS = """\
import fcntl, json, sys
event = json.load(sys.stdin)
with open(sys.argv[1], "a", encoding="utf-8") as log:
    fcntl.flock(log, fcntl.LOCK_EX)
    log.write(json.dumps({"event": event["hook_event_name"], "tool_use_id": event.get("tool_use_id"),
                          "session_id": event.get("session_id")}) + "\\n")
"""


@pytest.fixture(scope="session")
def claude() -> Path:
    return require_claude()


class Setup:
    def __init__(self, root: Path, transport: str) -> None:
        self.root = root
        self.project = root / "project"
        self.home = root / "home"
        self.state = root / "state"
        self.witness_log = root / "witness.ndjson"
        self.project.mkdir()
        self.home.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
        self.env.update(
            HOME=str(self.home),
            HOOKMUX_HOME=str(self.state),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_RUNTIME_DIR=str(root / "runtime"),
            HOOKMUX_PLUGINS="capture",
            HOOKMUX_SERVE_PORT=str(free_port()),
            HOOKMUX__CAPTURE__AUTO_BUNDLE="false",  # the test bundles, after looking at the capture
        )
        proc = subprocess.run(
            [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(self.project),
             "--transport", transport],
            env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "install: wrote" in proc.stdout, proc.stdout + proc.stderr
        settings_file = self.project / ".claude" / "settings.json"
        settings = json.loads(settings_file.read_text())
        script = root / "witness.py"
        script.write_text(WITNESS)
        witness = {"type": "command", "command": sys.executable, "args": [str(script), str(self.witness_log)]}
        self.wired = sorted(settings["hooks"])
        for groups in settings["hooks"].values():
            groups.append({"hooks": [witness]})
        settings_file.write_text(json.dumps(settings, indent=2))

    def hookmux(self, *args: str) -> Any:
        proc = subprocess.run(
            [hookmux_executable(), *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(proc.stdout) if "--json" in args else proc.stdout

    def claude_env(self, serve: bool) -> dict[str, str]:
        keys = (
            "HOOKMUX_HOME",
            "XDG_CONFIG_HOME",
            "XDG_RUNTIME_DIR",
            "HOOKMUX_PLUGINS",
            "HOOKMUX__CAPTURE__AUTO_BUNDLE",
        )
        return {**{k: self.env[k] for k in keys}, "HOOKMUX_SERVE": "1" if serve else "0"}

    def witnessed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.witness_log.read_text().splitlines()]

    def captured(self, session: str) -> list[dict[str, Any]]:
        path = self.state / "capture" / f"{session}.ndjson"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def session_script(project: Path) -> list[Any]:
    notes = project / "notes.txt"
    return [
        ToolUse("Bash", {"command": "echo capture-e2e", "description": "ok"}, id="toolu_ok"),
        ToolUse("Bash", {"command": "echo failing >&2; exit 3", "description": "fails"}, id="toolu_fail"),
        ToolUse("Write", {"file_path": str(notes), "content": "draft\n"}, id="toolu_write"),
        [  # two calls in one turn: a PostToolBatch of both
            ToolUse("Read", {"file_path": str(notes)}, id="toolu_read"),
            ToolUse("Bash", {"command": "echo parallel", "description": "p"}, id="toolu_par"),
        ],
        ToolUse(
            "Edit", {"file_path": str(notes), "old_string": "draft", "new_string": "final"}, id="toolu_edit"
        ),
        Text("All done."),
    ]


CALLS = {"toolu_ok", "toolu_fail", "toolu_write", "toolu_read", "toolu_par", "toolu_edit"}


def check_session(setup: Setup, run: Any, api: MessagesAPI) -> tuple[str, list[dict[str, Any]]]:
    describe = f"{run.describe()}\n{api.describe()}"
    assert run.returncode == 0, describe
    assert (setup.project / "notes.txt").read_text() == "final\n", describe
    results = {r["tool_use_id"]: r for r in api.tool_results()}
    assert results["toolu_fail"]["is_error"] is True and results["toolu_ok"]["is_error"] is False, describe
    assert "hook error" not in api.text_sent_to_model(), describe

    seen = setup.witnessed()
    (session,) = {w["session_id"] for w in seen}
    fired = collections.Counter((w["event"], w["tool_use_id"]) for w in seen)
    # what a session like this fires: no event was left out of the witness's wiring
    for needed in ("SessionStart", "UserPromptSubmit", "PostToolBatch", "Stop", "SessionEnd"):
        assert any(e == needed for e, _ in fired), (needed, fired)
    for call in CALLS:
        assert fired[("PreToolUse", call)] == 1, (call, fired)
    assert fired[("PostToolUseFailure", "toolu_fail")] == 1, fired

    # one line per hook event Claude Code fired (the last hooks may still be finishing)
    wait_for(lambda: len(setup.captured(session)) >= len(seen), 15, "the capture to catch up")
    lines = setup.captured(session)
    assert collections.Counter((line["event"], line["tool_use_id"]) for line in lines) == fired
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert len({line["run_id"] for line in lines}) == 1
    return session, lines


def check_bundle(setup: Setup, session: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    bundle = setup.hookmux("capture", "bundle", session, "--json")
    statuses = {c["tool_use_id"]: c["status"] for c in bundle["tool_calls"]}
    assert statuses == {**dict.fromkeys(CALLS, "ok"), "toolu_fail": "failed"}
    assert bundle["correlation"]["missing-post"] == bundle["correlation"]["orphan-post"] == 0
    assert all(c["hook_ref"]["pre"] < c["hook_ref"]["post"] for c in bundle["tool_calls"])
    assert all(c["observed_ms"] > 0 and c["duration_ms"] >= 0 for c in bundle["tool_calls"])
    assert bundle["counts"]["lines"] == len(lines)
    assert bundle["counts"]["tools"] == {"Bash": 3, "Edit": 1, "Read": 1, "Write": 1}
    assert bundle["sequence"] == {"first": 1, "last": len(lines), "gaps": [], "duplicates": []}
    (failure,) = bundle["failures"]
    assert failure["tool_use_id"] == "toolu_fail" and failure["error"].startswith("Exit code 3")
    assert bundle["durations"]["Bash"]["observed_ms"]["count"] == 3
    assert not (setup.state / "capture" / f"{session}.ndjson").exists()  # bundled, then deleted
    return bundle


def test_every_hook_event_of_a_real_session_is_captured_and_every_tool_call_correlated(
    claude: Path, tmp_path: Path
) -> None:
    setup = Setup(tmp_path.resolve(), "command")
    assert len(setup.wired) == 33  # capture takes every event, so install wires them all
    with MessagesAPI(session_script(setup.project)) as api:
        run = run_claude(claude, setup.project, setup.home, api.url, timeout=300,
                         extra_env=setup.claude_env(serve=False))  # fmt: skip
        session, lines = check_session(setup, run, api)
    assert len({line["pid"] for line in lines}) == len(lines)  # a hookmux process per event
    capture = setup.state / "capture" / f"{session}.ndjson"
    replay = subprocess.run([hookmux_executable(), "replay", "--json", str(capture)], env=setup.env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert [json.loads(r)["event"] for r in replay.stdout.splitlines()] == [line["event"] for line in lines]
    check_bundle(setup, session, lines)
    status = setup.hookmux("status", "--json")["plugins"]["capture"]
    assert (status["events"], status["write_errors"], status["queue_depth"]) == (len(lines), 0, 0)


def test_the_same_session_through_the_warm_daemon(claude: Path, tmp_path: Path) -> None:
    """http hooks to `hookmux serve` (SessionStart stays a command hook): the daemon's
    after-answer process writes the lines, in order for the parallel calls, and nothing
    is missed."""
    setup = Setup(tmp_path.resolve(), "http")
    port = int(setup.env["HOOKMUX_SERVE_PORT"])  # the port install wrote into the http hooks
    with served(setup.env, port=port) as daemon, MessagesAPI(session_script(setup.project)) as api:
        run = run_claude(claude, setup.project, setup.home, api.url, timeout=300,
                         extra_env=setup.claude_env(serve=True))  # fmt: skip
        session, lines = check_session(setup, run, api)
        health = daemon.health()
        pid = health["after_process"]  # where a daemon's observers run
        assert health["requests_http"] > 0 and pid not in ("", health["pid"])
    by_pid = collections.Counter(line["pid"] == pid for line in lines)
    assert by_pid[True] >= len(lines) - 2, by_pid  # all but the command hooks (SessionStart)
    check_bundle(setup, session, lines)
