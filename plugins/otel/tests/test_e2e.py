"""hookmux-otel behind the real Claude Code 2.1.330 (offline, loopback Messages API and a
loopback OTLP/HTTP receiver).

The collector's endpoint is where a team puts it for Claude Code's own telemetry: the
``env`` of the user's ``~/.claude/settings.json`` (Claude Code removes ``OTEL_*`` from its
hooks' environment, so hookmux reads it there). One session's tool calls must arrive as
traces: one per call, its PreToolUse span the parent of its PostToolUse (or failure).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from otel_testing import Receiver, wait_for

from hookmux.testing import hookmux_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.support

from tests.daemon_support import free_port, served
from tests.support.claude_cli import require_claude, run_claude
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e

CALLS = {"toolu_ok": "PostToolUse", "toolu_fail": "PostToolUseFailure", "toolu_write": "PostToolUse",
         "toolu_read": "PostToolUse", "toolu_par": "PostToolUse"}  # fmt: skip


@pytest.fixture(scope="session")
def claude() -> Path:
    return require_claude()


def script(project: Path) -> list[Any]:
    notes = project / "notes.txt"
    return [
        ToolUse("Bash", {"command": "echo otel-e2e", "description": "ok"}, id="toolu_ok"),
        ToolUse("Bash", {"command": "echo failing >&2; exit 3", "description": "fails"}, id="toolu_fail"),
        ToolUse("Write", {"file_path": str(notes), "content": "draft\n"}, id="toolu_write"),
        [
            ToolUse("Read", {"file_path": str(notes)}, id="toolu_read"),
            ToolUse("Bash", {"command": "echo parallel", "description": "p"}, id="toolu_par"),
        ],
        Text("All done."),
    ]


class Setup:
    def __init__(self, root: Path, transport: str, collector: str) -> None:
        self.project = root / "project"
        self.home = root / "home"
        self.project.mkdir()
        (self.home / ".claude").mkdir(parents=True)
        (self.home / ".claude" / "settings.json").write_text(
            json.dumps({"env": {"OTEL_EXPORTER_OTLP_ENDPOINT": collector, "OTEL_LOGS_EXPORTER": "otlp"}})
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", "OTEL"))}
        self.env.update(
            HOME=str(self.home),
            HOOKMUX_HOME=str(root / "state"),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_RUNTIME_DIR=str(root / "runtime"),
            HOOKMUX_PLUGINS="otel,capture",  # capture takes every event, so every event is routed
            HOOKMUX_SERVE_PORT=str(free_port()),
            HOOKMUX__OTEL__EXPORT_INTERVAL="0.2",
        )
        install = [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(self.project),
                   "--transport", transport]  # fmt: skip
        subprocess.run(install, env=self.env, capture_output=True, text=True, check=True)

    def claude_env(self, serve: bool) -> dict[str, str]:
        keys = (
            "HOOKMUX_HOME",
            "XDG_CONFIG_HOME",
            "XDG_RUNTIME_DIR",
            "HOOKMUX_PLUGINS",
            "HOOKMUX__OTEL__EXPORT_INTERVAL",
        )
        return {**{k: self.env[k] for k in keys}, "HOOKMUX_SERVE": "1" if serve else "0"}


def check_traces(receiver: Receiver, session_events: int) -> str:
    def arrived() -> list[dict[str, Any]]:
        every = receiver.spans()
        return every if sum(s["name"].startswith("hookmux ") for s in every) >= session_events else []

    every = wait_for(arrived, 60, "every hook event's span")
    spans = [s for s in every if s["name"].startswith("hookmux ")]
    (session,) = {s["attributes"]["session.id"] for s in spans}
    by_call: dict[str, dict[str, dict[str, Any]]] = {}
    for span in spans:
        call = span["attributes"].get("hookmux.tool_use_id")
        if call:
            by_call.setdefault(call, {})[span["attributes"]["hookmux.event"]] = span
    for call, post_event in CALLS.items():
        pre, post = by_call[call]["PreToolUse"], by_call[call][post_event]
        assert post["trace_id"] == pre["trace_id"] and post["parent_id"] == pre["span_id"], call
        assert pre["attributes"]["tool_name"] == post["attributes"]["tool_name"]
    assert len({by_call[c]["PreToolUse"]["trace_id"] for c in CALLS}) == len(CALLS)  # one trace per call
    # capture's handler ran once per event: a child span each (its background runs were queued)
    parents = [s["parent_id"] for s in every if s["name"].startswith("capture.capture_")]
    assert sorted(parents) == sorted(s["span_id"] for s in spans)
    return str(session)


def test_a_real_sessions_tool_calls_arrive_as_traces_through_the_daemon(claude: Path, tmp_path: Path) -> None:
    with Receiver() as receiver:
        setup = Setup(tmp_path.resolve(), "http", receiver.url)
        port = int(setup.env["HOOKMUX_SERVE_PORT"])
        with served(setup.env, port=port), MessagesAPI(script(setup.project)) as api:
            run = run_claude(claude, setup.project, setup.home, api.url, timeout=300,
                             extra_env=setup.claude_env(serve=True))  # fmt: skip
            assert run.returncode == 0, f"{run.describe()}\n{api.describe()}"
            check_traces(receiver, session_events=2 * len(CALLS) + 4)


def test_without_a_daemon_the_session_end_worker_exports_them(claude: Path, tmp_path: Path) -> None:
    with Receiver() as receiver:
        setup = Setup(tmp_path.resolve(), "command", receiver.url)
        with MessagesAPI(script(setup.project)) as api:
            # the detached background worker must outlive the run (the harness kills leftovers)
            run = run_claude(claude, setup.project, setup.home, api.url, timeout=300,
                             extra_env=setup.claude_env(serve=False), keep_leftovers=True)  # fmt: skip
            assert run.returncode == 0, f"{run.describe()}\n{api.describe()}"
        try:
            check_traces(receiver, session_events=2 * len(CALLS) + 4)
            assert any(s["name"] == "hookmux SessionEnd" for s in receiver.spans())
        finally:
            from hookmux.state import background

            wait_for(
                lambda: background.live_workers(setup.env["HOOKMUX_HOME"], 4) == 0, 60, "workers to exit"
            )
