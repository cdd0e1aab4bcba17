"""hookmux-feedback behind the real Claude Code 2.1.330, wired by ``hookmux install``.

Session 1: the user's whole prompt is "that's totally wrong": it is logged as a
loss, and the Stop leaves a backup of the transcript Claude Code wrote. Session 2:
the SessionStart summary the model receives reports that loss.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from feedback_support import PLUGIN, wait_for, workers_done

from hookmux.entry import nativelauncher
from hookmux.state.launcher import launcher_python
from hookmux.testing import hookmux_executable

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from tests.support.claude_cli import (  # noqa: E402
    require_claude,
    run_claude,
)
from tests.support.messages_api import MessagesAPI, Text  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def claude() -> Path:
    return require_claude()


def install(project: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(project)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "install: wrote" in proc.stdout, proc.stdout + proc.stderr
    settings: dict[str, Any] = json.loads((project / ".claude" / "settings.json").read_text())
    return settings


def test_a_loss_is_logged_the_transcript_backed_up_and_the_next_session_told(
    claude: Path, tmp_path: Path
) -> None:
    root = tmp_path.resolve()
    project, home, state, backup = root / "project", root / "claude-home", root / "state", root / "backup"
    for directory in (project, home, backup):
        directory.mkdir()
    hook_env = {
        "HOOKMUX_HOME": str(state),
        "HOOKMUX_PLUGINS": PLUGIN,
        "XDG_CONFIG_HOME": str(root / "config"),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
    settings = install(project, {**env, **hook_env, "HOME": str(home)})
    for event in ("SessionStart", "UserPromptSubmit", "Stop"):  # other plugins may add groups
        commands = {h["command"] for group in settings["hooks"][event] for h in group["hooks"]}
        # hookmux's launcher of this environment (native where a compiler built it, else Python)
        [command] = commands
        assert launcher_python(nativelauncher.python_launcher_of(command) or command), settings
    # an existing backup directory of the user's choice (the original's DevDrive)
    (project / ".claude" / "hookmux.toml").write_text(f'[plugins.feedback]\nbackup_dir = "{backup}"\n')
    trust = [hookmux_executable(), "trust", "--project-dir", str(project)]  # a destination: needs trust
    subprocess.run(trust, env={**env, **hook_env, "HOME": str(home)}, check=True, capture_output=True)
    data = state / "plugins" / PLUGIN

    # -- session 1: a short negative prompt -------------------------------------------
    with MessagesAPI([Text("Sorry about that: I will redo it in Python.")]) as api:
        run = run_claude(
            claude, project, home, api.url, prompt="that's totally wrong", timeout=120,
            extra_env=hook_env, keep_leftovers=True,
        )  # fmt: skip
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0 and run.result is not None, describe
        first_context = api.text_sent_to_model()
    session = run.result["session_id"]
    assert "📊 MEMORY (Last 7 Days)" in first_context and "💥 LOSSES: 0" in first_context, describe

    [loss] = [json.loads(x) for x in (data / "logs" / "session-losses.jsonl").read_text().splitlines()]
    assert (loss["matched"], loss["project"]) == ("totally wrong", "project")
    assert not (data / "logs" / "session-wins.jsonl").exists()
    conn = sqlite3.connect(data / "claudarity.db")
    assert conn.execute(
        "SELECT type, pattern, session_id, user_message FROM feedback_entries"
    ).fetchall() == [("loss", "totally wrong", session, "that's totally wrong")]
    conn.close()

    # the Stop backs up the transcript Claude Code wrote, in a background worker
    [transcript] = (home / ".claude" / "projects").glob(f"*/{session}.jsonl")
    copy = backup / "transcripts" / transcript.parent.name / transcript.name
    wait_for(copy.exists, what=f"a backup of {transcript}")
    wait_for(lambda: workers_done(state), what="the background worker to finish")
    prompts = [
        json.loads(line)["message"]["content"]
        for line in copy.read_text(encoding="utf-8").splitlines()
        if json.loads(line).get("type") == "user"
    ]
    assert "that's totally wrong" in prompts
    assert (backup / "logs" / "session-losses.jsonl").read_text() == (
        data / "logs" / "session-losses.jsonl"
    ).read_text()
    assert "Synced session logs to" in (backup / ".backup_log").read_text()

    # -- session 2: the summary the model receives reports the loss ------------------
    with MessagesAPI([Text("Hello.")]) as api:
        run = run_claude(
            claude, project, home, api.url, prompt="what changed since yesterday?", timeout=120,
            extra_env=hook_env, keep_leftovers=True,
        )  # fmt: skip
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0 and run.result is not None, describe
        sent = api.text_sent_to_model()
    wait_for(lambda: workers_done(state), what="the background worker to finish")
    assert run.result["session_id"] != session
    assert "💥 LOSSES: 1" in sent, describe
    assert "# Loss: totally wrong" in sent and "## User Message\nthat's totally wrong" in sent
    assert "  • totally wrong (loss) - only in project [1 occurrences] [confidence: 30%]" in sent
    assert sent.count("📊 MEMORY (Last 7 Days)") == 1  # SessionStart only: the prompt knows the session
