"""hookmux-ghap behind the real Claude Code 2.1.330, wired by ``hookmux install``.

What counts is what the model is sent: the check-in after the 10th tool call with
a GHAP active, the resolution prompt after a failing pytest run, and, in a new
session, the orphan the previous one left. The scripted model manages its GHAP
with the ``hookmux ghap`` commands the session-start instructions name.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ghap_helpers import PLUGIN

from hookmux.testing import hookmux_executable

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from tests.support.claude_cli import (  # noqa: E402
    ClaudeRun,
    require_claude,
    run_claude,
)
from tests.support.messages_api import MessagesAPI, ScriptEntry, Text, ToolUse  # noqa: E402

pytestmark = pytest.mark.e2e

CHECK_IN = "## GHAP Check-in (10 tools since last update)"


@pytest.fixture(scope="session")
def claude() -> Path:
    return require_claude()


class Setup:
    """A project wired by ``hookmux install``, a HOME for Claude Code, private hookmux state."""

    def __init__(self, root: Path) -> None:
        self.project, self.home = root / "project", root / "claude-home"
        self.project.mkdir()
        self.home.mkdir()
        self.journal = self.project / ".claude" / "journal"
        self.hook_env = {
            "HOOKMUX_HOME": str(root / "state"),
            "HOOKMUX_PLUGINS": PLUGIN,
            "XDG_CONFIG_HOME": str(root / "config"),
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", "CLAMS"))}
        proc = subprocess.run(
            [hookmux_executable(), "install", "--scope", "project", "--project-dir", str(self.project)],
            env={**env, **self.hook_env, "HOME": str(self.home)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0 and "install: wrote" in proc.stdout, proc.stdout + proc.stderr
        settings: dict[str, Any] = json.loads((self.project / ".claude" / "settings.json").read_text())
        assert [g.get("matcher") for g in settings["hooks"]["PreToolUse"]] == [None]  # every tool call
        assert [g["matcher"] for g in settings["hooks"]["PostToolUseFailure"]] == ["Bash"]

    def run(self, claude: Path, script: list[ScriptEntry]) -> tuple[ClaudeRun, list[str], str]:
        """Run one session; returns the run, the text of every main request and a description."""
        with MessagesAPI(script) as api:
            run = run_claude(claude, self.project, self.home, api.url, timeout=180, extra_env=self.hook_env)
            describe = f"{run.describe()}\n{api.describe()}"
            requests = [request_text(body) for body in api.main_requests]
        assert run.returncode == 0 and run.result is not None, describe
        return run, requests, describe


def request_text(body: dict[str, Any]) -> str:
    """Every text of a Messages API request: system prompt, messages, tool results."""

    def flatten(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return "\n".join(flatten(v) for v in value)
        if isinstance(value, dict):
            return "\n".join(flatten(value.get(k)) for k in ("text", "content") if value.get(k) is not None)
        return ""

    return "\n".join(
        [flatten(body.get("system")), *(flatten(m.get("content")) for m in body.get("messages", []))]
    )


def ghap_command(*args: str) -> dict[str, str]:
    return {"command": shlex.join([hookmux_executable(), "ghap", *args]), "description": "GHAP"}


def start(goal: str, prediction: str) -> ToolUse:
    return ToolUse(
        "Bash",
        ghap_command(
            "start",
            "--domain",
            "debugging",
            "--strategy",
            "read-the-error",
            "--goal",
            goal,
            "--hypothesis",
            "The session cookie expires during the test",
            "--action",
            "Run the login test",
            "--prediction",
            prediction,
        ),
    )


def test_the_tenth_tool_calls_check_in_reaches_the_models_next_request(claude: Path, tmp_path: Path) -> None:
    setup = Setup(tmp_path.resolve())
    notes = setup.project / "notes.txt"
    notes.write_text("login flakes on CI\n")
    script: list[ScriptEntry] = [
        start("Make the login test pass", "The login test will pass"),  # call 1 (resets the count)
        [ToolUse("Read", {"file_path": str(notes)}) for _ in range(9)],  # calls 1-9, in parallel
        ToolUse("Bash", {"command": "echo tenth", "description": "the tenth"}, id="toolu_tenth"),
        Text("Checked in."),
    ]
    _run, requests, describe = setup.run(claude, script)
    sent_after_nine, sent_after_ten = requests[2], requests[3]
    assert "Started ghap_" in requests[1], describe
    assert "GHAP Check-in" not in sent_after_nine, describe
    assert sent_after_ten.count(CHECK_IN) == 1, describe
    expected = (
        f"{CHECK_IN}\n\n**Current Goal**: Make the login test pass\n"
        "**Current Hypothesis**: The session cookie expires during the test\n"
        "**Current Prediction**: The login test will pass\n\n"
        "Is your hypothesis still valid? If it changed, update your GHAP entry."
    )
    assert expected in sent_after_ten, describe
    # it came with the tenth call's result: after it in the request
    assert sent_after_ten.index(expected) > sent_after_ten.index("tenth")
    assert (setup.journal / ".tool_count").read_text() == "0"  # reset by the check-in
    assert json.loads((setup.journal / "current_ghap.json").read_text())["goal"] == "Make the login test pass"


FAILING_TEST = """\
def test_login_keeps_the_session():
    cookie_lifetime, test_duration = 1, 2
    assert cookie_lifetime > test_duration, "cookie expired during the test"
"""


def test_a_failing_pytest_run_puts_the_resolution_prompt_in_the_next_request(
    claude: Path, tmp_path: Path
) -> None:
    setup = Setup(tmp_path.resolve())
    (setup.project / "test_login.py").write_text(FAILING_TEST)
    pytest_run = f"PYTHONDONTWRITEBYTECODE=1 {shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider"
    script: list[ScriptEntry] = [
        start("Keep users logged in", "The login test will pass"),
        ToolUse(
            "Bash",
            {"command": f"{pytest_run} test_login.py", "description": "run the test"},
            id="toolu_pytest",
        ),
        ToolUse(
            "Bash",
            ghap_command(
                "resolve",
                "--status",
                "falsified",
                "--result",
                "The test still fails",
                "--surprise",
                "The cookie lifetime is shorter than the test",
                "--root-cause-category",
                "wrong-assumption",
                "--root-cause-description",
                "Assumed the lifetime was in minutes",
            ),
        ),
        Text("Resolved."),
    ]
    _run, requests, describe = setup.run(claude, script)
    after_pytest = requests[2]
    prompt = (
        '## Test FAILED\n\nTests: 0 passed, 1 failed\n\nYour prediction was: "The login test will pass"\n\n'
        "Actual: Test still fails.\n\nThis falsifies your hypothesis. Please:\n1. What surprised you?\n"
        "2. What was the root cause?\n3. What did you learn?"
    )
    assert "1 failed" in after_pytest, describe  # the run really failed
    assert prompt in after_pytest, describe
    assert "## Test FAILED" not in requests[1], describe
    assert "Resolved ghap_" in requests[3] and "(tier gold)" in requests[3], describe
    [entry] = [json.loads(x) for x in (setup.journal / "session_entries.jsonl").read_text().splitlines()]
    assert entry["outcome"]["status"] == "falsified" and entry["outcome"]["auto_captured"] is True
    assert entry["confidence_tier"] == "gold"
    assert entry["root_cause"]["category"] == "wrong-assumption"
    assert not (setup.journal / "current_ghap.json").exists()


def test_a_new_session_reports_the_orphan_the_previous_one_left(claude: Path, tmp_path: Path) -> None:
    setup = Setup(tmp_path.resolve())
    first, requests, describe = setup.run(
        claude, [start("Find the memory leak", "Memory stays flat with the cache off"), Text("Later.")]
    )
    assert "Orphaned GHAP" not in requests[0], describe
    first_session = (first.result or {})["session_id"]
    ghap = json.loads((setup.journal / "current_ghap.json").read_text())
    assert ghap["session_id"] == first_session  # the journal's session is Claude Code's

    second, requests, describe = setup.run(
        claude,
        [ToolUse("Bash", ghap_command("abandon", "--reason", "Moved to the profiler")), Text("Dropped.")],
    )
    orphan = (
        "## Orphaned GHAP Detected\n\nFrom previous session:\n\n**Goal**: Find the memory leak\n"
        "**Hypothesis**: The session cookie expires during the test\n\n**Options**:\n"
        "- Adopt and continue this work\n- Abandon with reason\n\n---\n\n## GHAP Learning System"
    )
    assert orphan in requests[0], describe  # the very first request of the new session
    second_session = (second.result or {})["session_id"]
    assert second_session != first_session
    assert (setup.journal / ".session_id").read_text() == second_session
    # abandoned into the first session's archive, as abandon_orphan did
    [archive] = (setup.journal / "archive").glob(f"*_{first_session}.jsonl")
    [entry] = [json.loads(x) for x in archive.read_text().splitlines()]
    assert entry["id"] == ghap["id"] and entry["confidence_tier"] == "abandoned"
    assert entry["outcome"]["result"] == "Moved to the profiler"
    assert not (setup.journal / "current_ghap.json").exists()
