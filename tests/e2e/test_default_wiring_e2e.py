"""The default wiring (``hookmux install`` with no options) behind the real Claude Code
2.1.330: command hooks run the native launcher (where a C compiler built one), which
relays each event to ``hookmux serve``; the first event of a session starts the daemon.

A session in which the daemon is killed with SIGKILL between two tool calls still
delivers every event to every matching handler: the calls after the kill are routed
in-process (the native launcher hands them to Python), which starts a new daemon.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hookmux.entry import nativelauncher
from hookmux.testing import hookmux_executable
from tests.daemon_support import Served, daemon_pids, wait_for
from tests.e2e.conftest import Workspace
from tests.support.claude_cli import run_claude
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e

CALLS = 8
KILL_AT = 4  # this call's command kills the daemon; its PostToolUse finds none


def kill_daemon_command() -> str:
    pid = r"""sed -n 's/^ *"pid": \([0-9]*\),$/\1/p' "$HOOKMUX_HOME/daemon/daemon.json" """.strip()
    return f"kill -9 $({pid})"


WAIT_FOR_DAEMON = 'for i in $(seq 100); do [ -S "$HOOKMUX_HOME/daemon/relay.sock" ] && break; sleep 0.1; done'


def script(launcher: str, before_kill: Path) -> list[Any]:
    calls: list[Any] = []
    for n in range(CALLS):
        command = f"echo hmtest-context {n}"
        if n == KILL_AT - 1:  # the daemon the first matched event started is up: this call's Post is relayed
            command = f"{WAIT_FOR_DAEMON}; {command}"
        if n == KILL_AT:  # what the daemon answered so far, then SIGKILL
            command = f"{launcher} serve status --json > {before_kill}; {kill_daemon_command()}; {command}"
        calls.append(ToolUse("Bash", {"command": command, "description": f"call {n}"}, id=f"toolu_{n}"))
    return [*calls, Text("All done.")]


def handler_counts(env: dict[str, str]) -> dict[str, int]:
    proc = subprocess.run([hookmux_executable(), "metrics", "--json"], env={**env, "HOOKMUX_SERVE": "0"},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return {
        f"{h['plugin']}.{h['handler']}": int(h["statuses"].get("ok", 0))
        for h in json.loads(proc.stdout)["handlers"]
        if h["event"] == "PostToolUse"
    }


def test_a_daemon_killed_mid_session_loses_no_event(claude: Path, workspace: Workspace) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
    home = workspace.root / "state"
    env.update(HOME=str(workspace.home_dir), HOOKMUX_HOME=str(home),
               XDG_CONFIG_HOME=str(workspace.home_dir / ".config"))  # fmt: skip
    proc = subprocess.run([hookmux_executable(), "install", "--scope", "project", "--project-dir",
                           str(workspace.project_dir)], env=env, capture_output=True, text=True, check=True)  # fmt: skip
    settings = json.loads((workspace.project_dir / ".claude" / "settings.json").read_text())
    [post] = [h for g in settings["hooks"]["PostToolUse"] for h in g["hooks"]]
    if nativelauncher.compiler() is not None:
        assert nativelauncher.python_launcher_of(post["command"]) is not None, proc.stdout
    try:
        before_kill = workspace.root / "before-kill.json"
        with MessagesAPI(script(post["command"], before_kill)) as api:
            run = run_claude(claude, workspace.project_dir, workspace.home_dir, api.url, timeout=300,
                             extra_env={"HOOKMUX_HOME": str(home), "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"],
                                        "HOOKMUX_SERVE": "1"},
                             keep_leftovers=True)  # fmt: skip
            describe = f"{run.describe()}\n{api.describe()}"
            assert run.returncode == 0, describe
            sent = api.text_sent_to_model()
        # The native launcher relayed to the first daemon (bad input and unmatched events too).
        assert json.loads(before_kill.read_text())["requests_relay"] >= 1, describe
        # Every call's context reached the model, the one after the kill too.
        missing = [n for n in range(CALLS) if f"alpha-context for toolu_{n}" not in sent]
        assert not missing, describe
        # The daemon came back (started by the in-process route) and answers again.
        pids = wait_for(lambda: daemon_pids(home), timeout=60)
        assert len(pids) == 1
        status = subprocess.run([hookmux_executable(), "serve", "status", "--json"], env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert json.loads(status.stdout)["pid"] in pids, status.stdout
    finally:
        Served(env, home, 0).stop()
    wait_for(lambda: not daemon_pids(home))
    # every matching handler saw every event, wherever it was routed
    counts = wait_for(lambda: (c := handler_counts(env)) and min(c.values()) >= CALLS and c, timeout=30)
    assert counts == {
        "alpha.hookmux_post_tool_use": CALLS,
        "beta.hookmux_post_tool_use": CALLS,
    }, counts
