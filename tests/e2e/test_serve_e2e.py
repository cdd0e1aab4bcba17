"""The http transport behind the real Claude Code 2.1.330.

Settings come only from ``hookmux install --scope project --transport http``: http
hooks post to ``hookmux serve`` with the token Claude Code takes from the ``env`` of
the git-ignored ``.claude/settings.local.json``; SessionStart runs ``hookmux run``
and ``hookmux serve ensure``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hookmux.testing import hookmux_executable
from tests.daemon_support import Served, daemon_pids, free_port, served, wait_for
from tests.e2e.conftest import Workspace
from tests.support.claude_cli import run_claude
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e


def setup(workspace: Workspace) -> tuple[dict[str, str], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
    env.update(
        HOME=str(workspace.home_dir),
        HOOKMUX_HOME=str(workspace.root / "state"),
        XDG_CONFIG_HOME=str(workspace.home_dir / ".config"),
        HOOKMUX_SERVE_PORT=str(port),
    )
    proc = subprocess.run(
        [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(workspace.project_dir),
         "--transport", "http"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "install: wrote" in proc.stdout, proc.stdout + proc.stderr
    return env, port


def script(workspace: Workspace) -> list[Any]:
    marker = workspace.project_dir / "must-not-exist"
    return [
        ToolUse("Bash", {"command": f"hmtest-deny now; touch {marker}", "description": "d"}, id="toolu_deny"),
        ToolUse("Bash", {"command": "echo hmtest-context", "description": "c"}, id="toolu_ctx"),
        Text("All done."),
    ]


def claude_env(env: dict[str, str]) -> dict[str, str]:
    """What the hooks Claude Code starts need besides its clean environment: the state dir,
    and the warm path on (the harness turns it off for the other tests)."""
    return {
        "HOOKMUX_HOME": env["HOOKMUX_HOME"],
        "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"],
        "HOOKMUX_SERVE": "1",
    }


def test_http_hooks_deny_and_add_context_through_the_daemon(claude: Path, workspace: Workspace) -> None:
    env, port = setup(workspace)
    shared = json.loads((workspace.project_dir / ".claude" / "settings.json").read_text())
    assert shared["hooks"]["PreToolUse"][0]["hooks"][0]["type"] == "http" and "env" not in shared
    with served(env, port=port) as daemon, MessagesAPI(script(workspace)) as api:
        run = run_claude(claude, workspace.project_dir, workspace.home_dir, api.url, prompt="hmtest-prompt",
                         timeout=120, extra_env=claude_env(env))  # fmt: skip
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        results = {r["tool_use_id"]: r for r in api.tool_results()}
        sent = api.text_sent_to_model()
        health = daemon.health()

    denied = results["toolu_deny"]
    assert denied["is_error"] is True and "alpha refuses" in denied["content"], describe
    assert not (workspace.project_dir / "must-not-exist").exists()
    assert "alpha-context for toolu_ctx" in sent and "beta-context for toolu_ctx" in sent, describe
    assert sent.index("alpha-context for toolu_ctx") < sent.index("beta-context for toolu_ctx")
    assert sent.count("alpha-context") >= 2  # the prompt's context too
    # answered over http by the daemon: the prompt, the denied call, the context after the call
    assert health["requests_http"] == 3, health
    assert health["refused"] == 0 and health["hung_threads"] == 0


def test_session_start_starts_the_daemon_before_the_first_http_hook(
    claude: Path, workspace: Workspace
) -> None:
    env, port = setup(workspace)
    home = Path(env["HOOKMUX_HOME"])
    assert not daemon_pids(home)
    try:
        with MessagesAPI(script(workspace)) as api:
            # The daemon `hookmux serve ensure` starts belongs to no run: keep it after the run.
            run = run_claude(claude, workspace.project_dir, workspace.home_dir, api.url, timeout=120,
                             extra_env=claude_env(env), keep_leftovers=True)  # fmt: skip
            describe = f"{run.describe()}\n{api.describe()}"
            assert run.returncode == 0, describe
            results = {r["tool_use_id"]: r for r in api.tool_results()}
        assert (
            results["toolu_deny"]["is_error"] is True and "alpha refuses" in results["toolu_deny"]["content"]
        )
        assert len(daemon_pids(home)) == 1
        health = Served(env, home, port).health()
        # UserPromptSubmit (alpha takes prompts by field: Claude Code posts every prompt), PreToolUse
        # (the deny), PostToolUse (the context; the rule spares PreToolUse of `echo`)
        assert health["requests_http"] == 3, health
    finally:
        Served(env, home, port).stop()
    wait_for(lambda: not daemon_pids(home))
