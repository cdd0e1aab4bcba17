"""The hooks as Claude Code meets them: in-process routing and the real ``hookmux run``."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hookmux_feedback as plugin
import pytest
from feedback_support import PLUGIN, wait_for, workers_done
from hookmux_feedback.config import Paths

from hookmux.testing import HookmuxCLI, make_event, run_event

Event = Callable[..., dict[str, Any]]
ONLY = {"HOOKMUX_PLUGINS": PLUGIN}
#: UserPromptSubmit's handlers: the answer's, and the observer that records the feedback
PROMPT_HANDLERS = ("feedback.hookmux_user_prompt_submit", "feedback.record_prompt_feedback")


def route(payload: dict[str, Any]) -> Any:
    return run_event(payload, plugins={PLUGIN: plugin})


def context(run: Any) -> str | None:
    if run.output is None:
        return None
    return str(run.output["hookSpecificOutput"]["additionalContext"])


def logged(paths: Paths, kind: str) -> list[dict[str, Any]]:
    log = Path(paths.wins if kind == "win" else paths.losses)
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


# -- in process ------------------------------------------------------------------------------


def test_session_start_opens_the_session_with_the_summary(event: Event) -> None:
    run = route(event("SessionStart", source="startup"))
    assert run.statuses == {"feedback.hookmux_session_start": "ok"}
    text = context(run)
    assert text is not None and text.startswith("━" * 45 + "\n📊 MEMORY (Last 7 Days)")
    assert "🏆 WINS: 0" in text and "💥 LOSSES: 0" in text


def test_a_short_negative_prompt_is_logged_as_a_loss(event: Event, paths: Paths, project: Path) -> None:
    route(event("SessionStart", source="startup"))
    run = route(event("UserPromptSubmit", prompt="that's totally wrong"))
    assert run.statuses == dict.fromkeys(PROMPT_HANDLERS, "silent")  # recorded, nothing to say
    [line] = logged(paths, "loss")
    assert line["matched"] == "totally wrong" and line["project"] == project.name
    memory = Path(line["cache_file"]).read_text(encoding="utf-8")
    assert "# Loss: totally wrong" in memory
    assert "## Quick Context\n✏️ notes.py, 📖 notes.py, ✏️ notes.py" in memory  # from the real transcript
    assert "USER: nice work, now run it" in memory
    assert logged(paths, "win") == []


def test_long_prompts_are_never_logged(event: Event, paths: Paths) -> None:
    route(event("SessionStart", source="startup"))
    route(event("UserPromptSubmit", prompt="this is wrong, the tests are broken and the build failed again"))
    route(event("UserPromptSubmit", prompt="great great great great great great"))
    assert logged(paths, "loss") == [] and logged(paths, "win") == []
    conn = sqlite3.connect(paths.db)
    assert conn.execute("SELECT count(*) FROM feedback_entries").fetchone() == (0,)
    conn.close()
    assert not Path(paths.cache_dir).exists()


def test_one_prompt_can_be_both_a_win_and_a_loss(event: Event, paths: Paths) -> None:
    route(event("SessionStart", source="startup"))
    route(event("UserPromptSubmit", prompt="nice, but wrong"))
    assert [x["matched"] for x in logged(paths, "win")] == ["nice"]
    assert [x["matched"] for x in logged(paths, "loss")] == ["wrong"]


def test_a_template_project_records_the_outcome_of_its_template(
    event: Event, paths: Paths, project: Path, tmp_path: Path
) -> None:
    (project / ".claude").mkdir()
    (project / ".claude" / "template-metadata.json").write_text('{"template_id": "fastapi-v2"}')
    route(event("SessionStart", source="startup"))
    route(event("UserPromptSubmit", prompt="great job"))
    outcomes = Path(paths.template_outcomes).read_text().splitlines()
    assert [json.loads(x) for x in outcomes] == [
        {"timestamp": logged(paths, "win")[0]["ts"], "project": project.name, "template_id": "fastapi-v2",
         "outcome": "win"}
    ]  # fmt: skip
    # metadata reached through a symlink out of the project is not read
    outside = tmp_path / "outside.json"
    outside.write_text('{"template_id": "stolen"}')
    (project / ".claude" / "template-metadata.json").unlink()
    (project / ".claude" / "template-metadata.json").symlink_to(outside)
    route(event("UserPromptSubmit", prompt="awful"))
    assert len(Path(paths.template_outcomes).read_text().splitlines()) == 1


def test_a_new_session_first_seen_on_a_prompt_gets_the_summary_once(event: Event) -> None:
    first = context(route(event("UserPromptSubmit", prompt="refactor the parser")))
    assert first is not None and "📊 MEMORY (Last 7 Days)" in first
    assert route(event("UserPromptSubmit", prompt="and the lexer")).output is None
    # a session that started with SessionStart does not get it twice
    other = event("SessionStart", source="startup", session_id="another")
    assert context(route(other)) is not None
    assert route(event("UserPromptSubmit", prompt="hello", session_id="another")).output is None


def test_the_prompt_summary_can_be_turned_off(event: Event, project: Path) -> None:
    (project / ".claude").mkdir()
    (project / ".claude" / "hookmux.toml").write_text("[plugins.feedback]\nsummary_on_prompt = false\n")
    assert route(event("UserPromptSubmit", prompt="refactor the parser")).output is None


def test_config_changes_the_length_filter_and_a_bad_value_is_reported(
    event: Event, project: Path, paths: Paths, tmp_path: Path
) -> None:
    (project / ".claude").mkdir()
    config = project / ".claude" / "hookmux.toml"
    config.write_text("[plugins.feedback]\nmax_words = 1\n")
    route(event("SessionStart", source="startup"))
    route(event("UserPromptSubmit", prompt="totally wrong"))  # two words: no longer feedback
    route(event("UserPromptSubmit", prompt="wrong"))
    assert [x["matched"] for x in logged(paths, "loss")] == ["wrong"]
    config.write_text('[plugins.feedback]\nmax_words = "five"\n')
    # from an untrusted project file a bad value is left out: it cannot turn the plugin off
    run = route(event("UserPromptSubmit", prompt="awful"))
    assert run.statuses == dict.fromkeys(PROMPT_HANDLERS, "silent")
    user = tmp_path / "config" / "hookmux" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[plugins.feedback]\nmax_words = "five"\n')
    run = route(event("UserPromptSubmit", prompt="awful"))
    assert run.statuses == dict.fromkeys(PROMPT_HANDLERS, "skipped")
    assert any("plugins.feedback.max_words" in m for m in run.result.messages)


def test_a_user_patterns_file_is_used(event: Event, paths: Paths, tmp_path: Path) -> None:
    patterns = tmp_path / "config" / "hookmux" / "feedback-patterns.json"
    patterns.parent.mkdir(parents=True)
    patterns.write_text(json.dumps({"praise": {"phrases": ["ship it"], "words": []}}))
    route(event("SessionStart", source="startup"))
    route(event("UserPromptSubmit", prompt="ship it!"))
    route(event("UserPromptSubmit", prompt="awesome"))  # the praise words were replaced by []
    assert [x["matched"] for x in logged(paths, "win")] == ["ship it"]


def test_a_broken_patterns_file_is_reported_and_the_shipped_lists_used(
    event: Event, paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patterns = tmp_path / "config" / "hookmux" / "feedback-patterns.json"
    patterns.parent.mkdir(parents=True)
    patterns.write_text('{"praise": {"words": "great"}}')
    route(event("SessionStart", source="startup"))
    route(event("UserPromptSubmit", prompt="great"))
    assert [x["matched"] for x in logged(paths, "win")] == ["great"]
    assert "ignoring the patterns file" in capsys.readouterr().err
    assert "ERROR - patterns file ignored" in Path(paths.debug_log).read_text()


def test_relevant_learned_preferences_reach_the_prompt(event: Event, paths: Paths) -> None:
    prefs = {
        "technologies": {"preferred": ["React"], "avoided": ["Docker"]},
        "patterns": {"liked": [], "disliked": []},
        "tools": {"preferred": [], "avoided": []},
        "confidence_scores": {
            "technologies": {"React": {"win_count": 4, "loss_count": 0, "confidence": 0.4}}
        },
    }
    Path(paths.logs_dir).mkdir(parents=True)
    Path(paths.preferences).write_text(json.dumps(prefs))
    route(event("SessionStart", source="startup"))
    text = context(route(event("UserPromptSubmit", prompt="add a settings page in React please")))
    assert text == (
        "🧠 LEARNED PREFERENCES (relevant to this prompt)\n"
        "  ✅ Prefer: React (technology) - 4 win(s), 0 loss(es) [confidence: 40%]"
    )
    assert route(event("UserPromptSubmit", prompt="fix the flaky test")).output is None


@pytest.mark.parametrize("active", [False, True])
def test_stop_is_queued_in_the_background_and_never_answers(event: Event, active: bool) -> None:
    run = route(event("Stop", stop_hook_active=active, last_assistant_message="Done with React."))
    assert run.statuses == {"feedback.hookmux_stop": "queued"}
    assert run.output is None  # never a block: no stop loop, whatever stop_hook_active says


def test_events_the_plugin_does_not_handle_never_reach_it(project: Path) -> None:
    for payload in (
        make_event("PreToolUse", cwd=project),
        make_event("PostToolUse", cwd=project),
        make_event("SessionEnd", cwd=project),
        make_event("SubagentStop", cwd=project),
    ):
        assert route(payload).statuses == {}


# -- through the real console script ---------------------------------------------------------


def test_the_console_script_logs_a_loss_and_prints_only_json(
    hookmux_cli: HookmuxCLI, event: Event, paths: Paths
) -> None:
    started = hookmux_cli.run(event("SessionStart", source="startup"), env=ONLY)
    assert started.returncode == 0, started.stderr
    assert "📊 MEMORY" in started.output["hookSpecificOutput"]["additionalContext"]
    prompt = hookmux_cli.run(event("UserPromptSubmit", prompt="Terrible."), env=ONLY)
    assert (prompt.returncode, prompt.stdout, prompt.stderr) == (0, b"", "")
    assert [x["matched"] for x in logged(paths, "loss")] == ["terrible"]


def test_a_stop_backs_up_the_transcript_in_the_background_and_returns_at_once(
    hookmux_cli: HookmuxCLI, event: Event, paths: Paths, transcript: Path, tmp_path: Path
) -> None:
    hookmux_cli.run(event("SessionStart", source="startup"), env=ONLY)
    hookmux_cli.run(event("UserPromptSubmit", prompt="nice work"), env=ONLY)
    t0 = time.monotonic()
    stop = hookmux_cli.run(
        event("Stop", stop_hook_active=False, last_assistant_message="I wrote it in Python with caching."),
        env=ONLY,
    )
    elapsed = time.monotonic() - t0
    assert (stop.returncode, stop.stdout) == (0, b""), stop.stderr
    copy = Path(paths.backup_dir) / "transcripts" / transcript.parent.name / transcript.name
    wait_for(copy.exists, what="the transcript backup")
    wait_for(lambda: workers_done(hookmux_cli.home), what="the worker to exit")
    assert elapsed < 5  # the hook itself does not wait for the backup
    assert len(copy.read_text().splitlines()) == len(transcript.read_text().splitlines())
    assert (Path(paths.backup_dir) / "logs" / "session-wins.jsonl").exists()
    conn = sqlite3.connect(paths.db)
    [(items,)] = conn.execute("SELECT items FROM response_patterns").fetchall()
    conn.close()
    # "caching" is not the keyword "cache"; Bash is the tool of the transcript's last turn
    assert json.loads(items) == {"technology": ["Python"], "pattern": [], "tool": ["Bash"]}
    assert Path(paths.preferences).exists() and Path(paths.patterns_out).exists()


def test_feedback_on_an_answer_becomes_a_learned_preference_across_sessions(
    hookmux_cli: HookmuxCLI, event: Event, paths: Paths
) -> None:
    """Answer names React -> the user praises it, twice -> the next prompt about React hears it."""
    for turn in range(2):
        answer = f"Built the form in React ({turn})."
        hookmux_cli.run(event("Stop", stop_hook_active=False, last_assistant_message=answer), env=ONLY)
        wait_for(lambda: workers_done(hookmux_cli.home), what="the worker")
        hookmux_cli.run(event("UserPromptSubmit", prompt="perfect"), env=ONLY)
    hookmux_cli.run(event("Stop", stop_hook_active=True, last_assistant_message="ok"), env=ONLY)
    wait_for(lambda: Path(paths.preferences).exists() and "React" in Path(paths.preferences).read_text())
    wait_for(lambda: workers_done(hookmux_cli.home), what="the worker")
    asked = hookmux_cli.run(event("UserPromptSubmit", prompt="now a React table"), env=ONLY)
    assert (
        "✅ Prefer: React (technology) - 2 win(s), 0 loss(es)"
        in asked.output["hookSpecificOutput"]["additionalContext"]
    )
    new_session = hookmux_cli.run(event("SessionStart", source="startup", session_id="next"), env=ONLY)
    text = new_session.output["hookSpecificOutput"]["additionalContext"]
    assert "🏆 WINS: 2" in text and "✅ PREFERRED TECHNOLOGIES:\n  • React" in text
    assert "  • perfect (win) - only in myproj [2 occurrences] [confidence: 30%]" in text
