"""The hooks in-process (``run_event``: hookmux's own routing, config, merge and rendering)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hookmux_ghap as plugin
import pytest
from ghap_helpers import (
    SEED_GHAP_ID,
    Blackhole,
    QdrantStandIn,
    closed_port,
    trust,
    user_config,
    value_point,
)
from hookmux_ghap.journal import Journal
from hookmux_ghap.log import log_path

from hookmux.testing import EventRun, run_event

Event = Callable[..., dict[str, Any]]


def run(payload: dict[str, Any]) -> EventRun:
    return run_event(payload, plugins={"ghap": plugin})


def context(result: EventRun) -> str | None:
    output = result.output
    if output is None:
        return None
    return output["hookSpecificOutput"]["additionalContext"]  # type: ignore[no-any-return]


def start_ghap(journal_dir: Path, prediction: str = "The login test will pass") -> dict[str, Any]:
    return Journal(str(journal_dir)).create(
        "debugging",
        "read-the-error",
        "Fix the login test",
        "The cookie expires",
        "Freeze the clock",
        prediction,
    )


def bash(command: str) -> dict[str, Any]:
    return {"tool_name": "Bash", "tool_input": {"command": command, "description": "run"}}


# -- SessionStart ----------------------------------------------------------------


def test_session_start_injects_the_instructions_and_starts_the_session(
    event: Event, journal_dir: Path
) -> None:
    result = run(event("SessionStart", session_id="sess-A"))
    assert result.statuses == {"ghap.hookmux_session_start": "ok"}
    assert result.output is not None
    assert result.output["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    text = context(result) or ""
    assert text.startswith(
        "## GHAP Learning System\n\n**Start a GHAP before your first investigative action**"
    )
    assert "Orphaned" not in text
    assert (journal_dir / ".session_id").read_text() == "sess-A"
    assert (journal_dir / ".tool_count").read_text() == "0"


def test_session_start_reports_the_real_orphan_then_the_instructions(event: Event, seeded: Path) -> None:
    text = context(run(event("SessionStart", session_id="sess-B", source="startup"))) or ""
    assert text.startswith(
        "## Orphaned GHAP Detected\n\nFrom previous session:\n\n"
        "**Goal**: Verify all MCP tools work correctly\n"
        "**Hypothesis**: Most MCP tools work, but search_commits returns empty\n\n**Options**:\n"
        "- Adopt and continue this work\n- Abandon with reason\n\n---\n\n## GHAP Learning System\n"
    )
    # reported once: the same session starting again (compact, resume) has no news
    again = context(run(event("SessionStart", session_id="sess-B", source="compact"))) or ""
    assert "Orphaned" not in again and again.startswith("## GHAP Learning System")
    assert Journal(str(seeded)).current() is not None  # still there to adopt or abandon


def test_session_start_appends_the_newest_values(event: Event, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    points = [value_point(f"value {i}", f"2026-01-0{i}T00:00:00+00:00") for i in range(1, 8)]
    (journal_dir / "values.jsonl").write_text("".join(json.dumps(p) + "\n" for p in points))
    text = context(run(event("SessionStart"))) or ""
    assert text.endswith("---\n## Learned Values\n- value 7\n- value 6\n- value 5\n- value 4\n- value 3")


# -- PreToolUse: counting and check-ins --------------------------------------------


def test_every_tool_call_counts_and_the_tenth_with_a_ghap_checks_in(event: Event, journal_dir: Path) -> None:
    run(event("SessionStart"))
    for _ in range(12):  # no GHAP: silent, counting on
        result = run(event("PreToolUse", tool_name="Read", tool_input={"file_path": "a.py"}))
        assert result.statuses == {"ghap.hookmux_pre_tool_use": "silent"} and result.output is None
    assert (journal_dir / ".tool_count").read_text() == "12"
    start_ghap(journal_dir)
    outputs = [context(run(event("PreToolUse", **bash("ls")))) for _ in range(20)]
    assert [i + 1 for i, o in enumerate(outputs) if o] == [10, 20]
    assert outputs[9] == (
        "## GHAP Check-in (10 tools since last update)\n\n**Current Goal**: Fix the login test\n"
        "**Current Hypothesis**: The cookie expires\n**Current Prediction**: The login test will pass\n\n"
        "Is your hypothesis still valid? If it changed, update your GHAP entry."
    )
    assert (journal_dir / ".tool_count").read_text() == "0"


def test_a_session_start_counts_from_zero_again(event: Event, journal_dir: Path) -> None:
    run(event("SessionStart", session_id="sess-A"))
    for _ in range(12):
        run(event("PreToolUse", tool_name="Read", tool_input={"file_path": "a.py"}))
    assert (journal_dir / ".tool_count").read_text() == "12"
    run(event("SessionStart", session_id="sess-B"))
    assert (journal_dir / ".tool_count").read_text() == "0"  # rewritten in place: no digit of 12 left
    run(event("PreToolUse", tool_name="Read", tool_input={"file_path": "a.py"}))
    assert (journal_dir / ".tool_count").read_text() == "1"


def test_mcp_and_subagent_tools_count_too(event: Event, journal_dir: Path) -> None:
    run(event("PreToolUse", tool_name="mcp__github__list_issues", tool_input={}))
    run(
        event("PreToolUse", tool_name="Task", tool_input={"prompt": "x"}, agent_id="a1", agent_type="Explore")
    )
    assert (journal_dir / ".tool_count").read_text() == "2"


def test_check_frequency_from_config_and_from_the_clams_variable(
    event: Event, project: Path, journal_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".claude").mkdir()
    (project / ".claude" / "hookmux.toml").write_text("[plugins.ghap]\ncheck_frequency = 3\n")
    start_ghap(journal_dir)
    assert [bool(context(run(event("PreToolUse", **bash("ls"))))) for _ in range(3)] == [False, False, True]
    monkeypatch.setenv("CLAMS_GHAP_CHECK_FREQUENCY", "2")  # the original's variable wins, as over config.yaml
    assert [bool(context(run(event("PreToolUse", **bash("ls"))))) for _ in range(2)] == [False, True]
    text = context(run(event("PreToolUse", **bash("ls")))) or ""
    text += context(run(event("PreToolUse", **bash("ls")))) or ""
    assert text.startswith("## GHAP Check-in (2 tools since last update)")


def test_an_invalid_config_value_is_reported_and_the_plugin_sits_out(event: Event, project: Path) -> None:
    user_config("[plugins.ghap]\ncheck_frequency = 0\n")
    result = run(event("PreToolUse", **bash("ls")))
    assert result.statuses == {"ghap.hookmux_pre_tool_use": "skipped"}
    assert any("check_frequency must be greater than 0" in m for m in result.result.messages)


def test_the_journal_path_is_configurable_and_clams_journal_path_wins(
    event: Event, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".claude").mkdir()
    (project / ".claude" / "hookmux.toml").write_text('[plugins.ghap]\njournal_path = "notes/ghap"\n')
    trust(project)  # journal_path is a destination: it applies from a trusted project file
    run(event("PreToolUse", **bash("ls")))
    assert (project / "notes" / "ghap" / ".tool_count").read_text() == "1"
    monkeypatch.setenv("CLAMS_JOURNAL_PATH", str(tmp_path / "elsewhere"))
    run(event("SessionStart", session_id="s-9"))
    assert (tmp_path / "elsewhere" / ".session_id").read_text() == "s-9"
    assert (project / "notes" / "ghap" / ".tool_count").read_text() == "1"


# -- outcome capture --------------------------------------------------------------


def test_a_failing_pytest_run_asks_to_resolve_the_active_ghap(event: Event, journal_dir: Path) -> None:
    ghap = start_ghap(journal_dir)
    result = run(
        event(
            "PostToolUseFailure",
            **bash("uv run pytest -q"),
            error="Exit code 1\n.F.\n1 failed, 2 passed in 0.12s",
        )
    )
    assert result.statuses == {"ghap.hookmux_post_tool_use_failure": "ok"}
    assert context(result) == (
        '## Test FAILED\n\nTests: 2 passed, 1 failed\n\nYour prediction was: "The login test will pass"\n\n'
        "Actual: Test still fails.\n\nThis falsifies your hypothesis. Please:\n1. What surprised you?\n"
        "2. What was the root cause?\n3. What did you learn?"
    )
    seen = Journal(str(journal_dir)).last_outcome()
    assert seen is not None and seen["ghap_id"] == ghap["id"] and seen["success"] is False
    assert (seen["passed"], seen["failed"], seen["kind"]) == (2, 1, "test")


def test_a_passing_run_asks_whether_it_confirms(event: Event, journal_dir: Path) -> None:
    start_ghap(journal_dir)
    response = {"stdout": "...\n3 passed in 0.05s", "stderr": "", "interrupted": False}
    text = context(run(event("PostToolUse", **bash("pytest"), tool_response=response)))
    assert text == (
        '## Test PASSED\n\nTests: 3 passed, 0 failed\n\nYour prediction was: "The login test will pass"\n\n'
        "Does this confirm your hypothesis? If yes, resolve GHAP as CONFIRMED."
    )


def test_a_piped_run_that_exits_0_but_failed_counts_as_failed(event: Event, journal_dir: Path) -> None:
    start_ghap(journal_dir)
    response = {"stdout": "1 failed, 4 passed in 1.00s", "stderr": "", "interrupted": False}
    text = context(run(event("PostToolUse", **bash("pytest | tail -3"), tool_response=response))) or ""
    assert text.startswith("## Test FAILED\n\nTests: 4 passed, 1 failed")


def test_a_build_says_build(event: Event, journal_dir: Path) -> None:
    start_ghap(journal_dir, prediction="It compiles")
    text = context(
        run(event("PostToolUseFailure", **bash("cargo build"), error="Exit code 101\nerror[E0308]"))
    )
    assert (text or "").startswith('## Build FAILED\n\nYour prediction was: "It compiles"')


def test_without_a_ghap_a_failure_suggests_one_and_a_pass_is_silent(event: Event, journal_dir: Path) -> None:
    result = run(
        event("PostToolUseFailure", **bash("npm test"), error="Exit code 1\nTests: 1 failed, 1 passed")
    )
    assert context(result) == (
        "## Test FAILED\n\nTests: 1 passed, 1 failed\n\nConsider starting a GHAP to track your debugging "
        "approach and learn from the process.\n\nStart tracking with GHAP?"
    )
    passed = run(event("PostToolUse", **bash("npm test"), tool_response={"stdout": "Tests: 2 passed"}))
    assert passed.statuses == {"ghap.hookmux_post_tool_use": "silent"} and passed.output is None
    assert not (journal_dir / ".last_outcome").exists()


def test_commands_that_are_not_tests_stay_silent_or_never_load_the_plugin(event: Event) -> None:
    unrouted = run(event("PostToolUseFailure", **bash("ls /nope"), error="Exit code 2"))
    assert unrouted.statuses == {}  # the static matchers kept it away
    routed = run(event("PostToolUseFailure", **bash("pip install pytest"), error="Exit code 1"))
    assert routed.statuses == {"ghap.hookmux_post_tool_use_failure": "silent"}
    other_tool = run(event("PostToolUse", tool_name="Write", tool_input={"file_path": "pytest.ini"}))
    assert other_tool.statuses == {}


def test_an_interrupted_run_is_no_outcome(event: Event, journal_dir: Path) -> None:
    start_ghap(journal_dir)
    result = run(event("PostToolUseFailure", **bash("pytest"), error="Interrupted", is_interrupt=True))
    assert result.output is None and not (journal_dir / ".last_outcome").exists()


def test_the_recorded_command_is_redacted(event: Event, journal_dir: Path) -> None:
    start_ghap(journal_dir)
    secret = "sk-ant-api03-" + "A" * 40
    run(event("PostToolUseFailure", **bash(f"API_KEY={secret} pytest"), error="Exit code 1"))
    recorded = (journal_dir / ".last_outcome").read_text()
    assert secret not in recorded and "[REDACTED]" in recorded


# -- values ---------------------------------------------------------------------


def test_user_prompt_submit_injects_the_values(event: Event, journal_dir: Path) -> None:
    assert run(event("UserPromptSubmit", prompt="fix it")).output is None  # no values: silent
    journal_dir.mkdir(parents=True)
    points = [value_point(f"v{i:02d}", f"2026-02-{i:02d}T00:00:00+00:00") for i in range(1, 13)]
    (journal_dir / "values.jsonl").write_text("".join(json.dumps(p) + "\n" for p in points))
    text = context(run(event("UserPromptSubmit", prompt="fix it"))) or ""
    assert text == "## Learned Values\n" + "\n".join(f"- v{i:02d}" for i in range(12, 2, -1))


def qdrant_config(project: Path, url: str, timeout: float = 1.0) -> None:
    """The user's own Qdrant, in the user config file (``project`` sets nothing)."""
    user_config(
        f'[plugins.ghap]\nvalues_store = "qdrant"\nqdrant_url = "{url}"\nqdrant_timeout = {timeout}\n'
    )


def test_values_from_qdrant_over_rest_scroll(event: Event, project: Path) -> None:
    points = [
        value_point("When debugging flaky tests, check isolation first", "2026-01-02T10:00:00+00:00", 3),
        value_point("Read the whole error before changing code", "2026-01-05T10:00:00+00:00", 1),
    ]
    with QdrantStandIn(points) as qdrant:
        qdrant_config(project, qdrant.url)
        text = context(run(event("UserPromptSubmit", prompt="why does login fail?")))
        session = context(run(event("SessionStart"))) or ""
    assert text == (
        "## Learned Values\n- Read the whole error before changing code\n"
        "- When debugging flaky tests, check isolation first"
    )
    assert session.endswith("---\n## Learned Values\n- Read the whole error before changing code\n"
                            "- When debugging flaky tests, check isolation first")  # fmt: skip
    paths = [path for path, _, _ in qdrant.requests]
    bodies = [body for _, _, body in qdrant.requests]
    assert paths == ["/collections/values/points/scroll"] * 2
    assert bodies == [
        {"limit": 10, "with_vectors": False, "with_payload": True},
        {"limit": 5, "with_vectors": False, "with_payload": True},
    ]


def test_qdrant_unreachable_no_values_one_warning_and_the_hook_answers(
    event: Event, project: Path, tmp_path: Path
) -> None:
    qdrant_config(project, f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()
    result = run(event("SessionStart"))
    elapsed = time.monotonic() - started
    text = context(result) or ""
    assert result.statuses == {"ghap.hookmux_session_start": "ok"}
    assert text.startswith("## GHAP Learning System") and text.endswith("---\n")  # no values
    assert elapsed < 1.0
    log = Path(log_path(str(tmp_path / "hookmux-home"))).read_text().splitlines()
    assert len(log) == 1 and "WARNING values: Qdrant at http://127.0.0.1:" in log[0]
    assert "unavailable (ConnectionRefusedError" in log[0]
    assert run(event("UserPromptSubmit", prompt="x")).output is None  # silent, like the original's ""


def test_qdrant_that_never_answers_costs_the_timeout_not_the_hook(event: Event, project: Path) -> None:
    with Blackhole() as hole:
        qdrant_config(project, hole.url, timeout=0.3)
        started = time.monotonic()
        result = run(event("UserPromptSubmit", prompt="x"))
        elapsed = time.monotonic() - started
    assert result.statuses == {"ghap.hookmux_user_prompt_submit": "silent"}
    assert 0.25 < elapsed < 2.0


def test_a_qdrant_error_status_is_a_warning_too(event: Event, project: Path, tmp_path: Path) -> None:
    with QdrantStandIn([], status=404) as qdrant:
        qdrant_config(project, qdrant.url)
        assert run(event("UserPromptSubmit", prompt="x")).output is None
    log = Path(log_path(str(tmp_path / "hookmux-home"))).read_text()
    assert "unavailable (HTTP 404" in log


def test_values_store_off(event: Event, project: Path, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    (journal_dir / "values.jsonl").write_text(
        json.dumps(value_point("v", "2026-01-01T00:00:00+00:00")) + "\n"
    )
    (project / ".claude" / "hookmux.toml").write_text('[plugins.ghap]\nvalues_store = "off"\n')
    assert run(event("UserPromptSubmit", prompt="x")).output is None


def test_the_seeded_ghap_checks_in_too(event: Event, seeded: Path) -> None:
    (seeded / ".tool_count").write_text("9\n")
    text = context(run(event("PreToolUse", **bash("ls")))) or ""
    assert "**Current Goal**: Verify all MCP tools work correctly" in text
    assert Journal(str(seeded)).current()["id"] == SEED_GHAP_ID  # type: ignore[index]


def test_a_test_run_sent_to_the_background_has_no_outcome_yet(event: Event, journal_dir: Path) -> None:
    start_ghap(journal_dir)
    payload = event(
        "PostToolUse",
        tool_name="Bash",
        tool_input={"command": "pytest -q", "run_in_background": True},
        tool_response={"stdout": "", "stderr": "", "interrupted": False, "backgroundTaskId": "bash_1"},
    )
    result = run(payload)
    assert result.statuses == {"ghap.hookmux_post_tool_use": "silent"} and result.output is None


def test_the_instructions_name_the_hookmux_the_model_can_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hookmux_ghap.hooks import hookmux_command

    from hookmux.testing import hookmux_executable

    ours = hookmux_executable()
    other = tmp_path / "bin"
    other.mkdir()
    (other / "hookmux").write_text("#!/bin/sh\n")
    (other / "hookmux").chmod(0o755)
    monkeypatch.setenv("PATH", f"{other}:{Path(ours).parent}")
    assert hookmux_command() == ours  # another hookmux comes first: the absolute path
    monkeypatch.setenv("PATH", f"{Path(ours).parent}:{other}")
    assert hookmux_command() == "hookmux"
    monkeypatch.setenv("PATH", str(other.parent))
    assert hookmux_command() == ours
