"""``hookmux run`` as Claude Code runs it: a subprocess, stdin in, one answer out."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from conftest import real_payloads

from hookmux.testing import HookmuxCLI, hookmux_executable, make_event


def bash(command: str, cwd: Path, event: str = "PreToolUse") -> dict[str, object]:
    return make_event(event, cwd=cwd, tool_name="Bash", tool_input={"command": command})


BAD_INPUTS = {
    "empty": b"",
    "whitespace": b"  \n",
    "invalid json": b'{"hook_event_name": ',
    "trailing garbage": b'{"hook_event_name": "Stop"} x',
    "array": b'[{"hook_event_name": "Stop"}]',
    "string": b'"PreToolUse"',
    "not utf-8": b'{"hook_event_name": "Stop", "x": "\xff\xfe"}',
    "no event name": b'{"session_id": "s"}',
    "unknown event": b'{"hook_event_name": "BrandNewEvent", "session_id": "s", "cwd": "/"}',
    "NaN": b'{"hook_event_name": "Stop", "x": NaN}',
    "unquoted key": b"{oops",
    "trailing comma": b'{"hook_event_name": "Stop",}',
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_stderr_line_empty_stdout_exit_0(hookmux_cli: HookmuxCLI, name: str) -> None:
    started = time.monotonic()
    result = hookmux_cli.run(BAD_INPUTS[name])
    assert time.monotonic() - started < 1.0
    assert result.returncode == 0
    assert result.stdout == b""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hookmux: "), result.stderr
    assert "internal error" not in lines[0]  # bad input is named as such, not as a crash


def test_ten_megabyte_payload_is_drained_and_answered_within_a_second(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    big = json.dumps(bash("echo " + "x" * (10 * 1024 * 1024), tmp_path)).encode()
    started = time.monotonic()
    result = hookmux_cli.run(big)
    assert time.monotonic() - started < 1.0
    assert (result.returncode, result.stdout) == (0, b"")
    garbage = b"{" + b"x" * (10 * 1024 * 1024)
    started = time.monotonic()
    result = hookmux_cli.run(garbage)
    assert time.monotonic() - started < 1.0
    assert (result.returncode, result.stdout) == (0, b"")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("payload", real_payloads(), ids=lambda p: p["hook_event_name"])
def test_real_claude_code_payloads_route_quietly(hookmux_cli: HookmuxCLI, payload: dict[str, object]) -> None:
    """No test plugin wants these events: exit 0, nothing on stdout or stderr."""
    result = hookmux_cli.run(payload)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", "")


def test_deny_reaches_stdout_as_claude_code_json(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    result = hookmux_cli.run(bash("hmtest-deny now", tmp_path))
    assert result.returncode == 0
    assert result.output == {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "alpha refuses 'hmtest-deny now'",
        }
    }


def test_context_of_two_plugins_joined_in_priority_order(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    event = bash("echo hmtest-context", tmp_path, "PostToolUse")
    result = hookmux_cli.run(event)
    context = result.output["hookSpecificOutput"]["additionalContext"]  # type: ignore[index]
    assert context == "alpha-context for toolu_test\n\nbeta-context for toolu_test"


@pytest.mark.parametrize(
    "bad_args", [["--bogus"], ["--deadline", "soon"], ["--transport", "carrier-pigeon"], ["x"]]
)
def test_bad_arguments_never_exit_2_and_still_answer(
    hookmux_cli: HookmuxCLI, tmp_path: Path, bad_args: list[str]
) -> None:
    result = hookmux_cli.run(bash("hmtest-deny", tmp_path), *bad_args)
    assert result.returncode == 0
    assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    assert "ignoring" in result.stderr


def test_help_exits_0(hookmux_cli: HookmuxCLI) -> None:
    result = hookmux_cli.run(b"", "--help")
    assert result.returncode == 0 and "usage: hookmux run" in result.stderr and result.stdout == b""


def test_crashing_handler_is_isolated(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """The crash is reported on stderr; the answer is empty and the exit code 0 (fail open)."""
    result = hookmux_cli.run(bash("hmtest-crash", tmp_path))
    assert (result.returncode, result.stdout) == (0, b"")
    assert "faulty.hookmux_pre_tool_use error: raised RuntimeError: faulty handler exploded" in result.stderr


def test_crash_does_not_silence_other_plugins(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """A command matching both faulty's crash and alpha's deny still gets alpha's deny."""
    result = hookmux_cli.run(bash("hmtest-deny; hmtest-crash", tmp_path))
    assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    assert "faulty handler exploded" in result.stderr


def test_hanging_handler_times_out_and_the_answer_still_goes_out(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    started = time.monotonic()
    result = hookmux_cli.run(bash("hmtest-deny && hmtest-hang", tmp_path))
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed  # the hanging handler sleeps 60 s; its timeout is 0.5 s
    assert result.returncode == 0
    assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    assert "faulty.hang_before_tool timeout" in result.stderr


def test_wrong_answer_type_is_rejected_not_passed_through(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    result = hookmux_cli.run(bash("hmtest-garbage", tmp_path))
    assert (result.returncode, result.stdout) == (0, b"")
    assert "returned PostToolUseAnswer, expected PreToolUseAnswer or None" in result.stderr


@pytest.mark.parametrize("command", ["hmtest-closed-crash", "hmtest-closed-hang"])
def test_fail_closed_plugin_denies_when_it_cannot_decide(
    hookmux_cli: HookmuxCLI, tmp_path: Path, command: str
) -> None:
    result = hookmux_cli.run(bash(command, tmp_path))
    assert result.returncode == 0
    output = result.output["hookSpecificOutput"]  # type: ignore[index]
    assert output["permissionDecision"] == "deny"
    assert "guarded could not decide" in output["permissionDecisionReason"]
    assert "fail-closed" in output["permissionDecisionReason"]


def test_fail_closed_plugin_silent_when_it_decides_nothing(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    result = hookmux_cli.run(bash("hmtest-closed-fine", tmp_path))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", "")


def test_fail_closed_on_a_malformed_event(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """The event matches statically but cannot be structured: the fail-closed plugin denies."""
    event = bash("hmtest-closed-fine", tmp_path)
    event["session_id"] = 42
    result = hookmux_cli.run(event)
    output = result.output["hookSpecificOutput"]  # type: ignore[index]
    assert output["permissionDecision"] == "deny"
    assert "session_id: expected a string" in output["permissionDecisionReason"]


def test_exit_2_only_when_a_plugin_blocks(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    blocked = hookmux_cli.run(
        make_event("TaskCompleted", cwd=tmp_path, task_id="7", task_subject="hmtest-unfinished")
    )
    assert blocked.returncode == 2 and blocked.stdout == b""
    assert "the tests for this task do not pass yet" in blocked.stderr
    done = hookmux_cli.run(make_event("TaskCompleted", cwd=tmp_path, task_id="8", task_subject="finished"))
    assert (done.returncode, done.stdout) == (0, b"")


def trust(hookmux_cli: HookmuxCLI, project: Path) -> None:
    """``hookmux trust`` for the project's hookmux files, as the user would."""
    subprocess.run(
        [hookmux_executable(), "trust", "--project-dir", str(project)],
        env=hookmux_cli.env(),
        check=True,
        capture_output=True,
    )


def test_invalid_plugin_config_is_reported_and_the_hook_still_answers(
    hookmux_cli: HookmuxCLI, project: Path
) -> None:
    (project / ".claude" / "hookmux.toml").write_text(
        '[plugins.alpha]\ngreeting = 5\n\n[hookmux]\nhandler_timeout = "x"\n'
    )
    untrusted = hookmux_cli.run(bash("echo hmtest-context", project, "PostToolUse"))
    # a repository's bad values are left out: they cannot switch a plugin off
    assert "alpha-context for toolu_test" in untrusted.output["hookSpecificOutput"]["additionalContext"]  # type: ignore[index]
    trust(hookmux_cli, project)  # the user vouches for the file: its values count
    result = hookmux_cli.run(bash("echo hmtest-context", project, "PostToolUse"))
    assert result.returncode == 0
    # alpha is skipped for its invalid section; beta still answers
    assert result.output["hookSpecificOutput"]["additionalContext"] == "beta-context for toolu_test"  # type: ignore[index]
    config_file = str(project / ".claude" / "hookmux.toml")
    assert f"{config_file}: plugins.alpha.greeting: expected a string, got int 5" in result.stderr
    assert f"{config_file}: hookmux.handler_timeout: expected a number" in result.stderr


def test_plugin_config_reaches_the_handler(hookmux_cli: HookmuxCLI, project: Path) -> None:
    (project / ".claude" / "hookmux.toml").write_text('[plugins.alpha]\ngreeting = "from project"\n')
    (project / ".claude" / "hookmux.local.toml").write_text('[plugins.alpha]\ngreeting = "from local"\n')
    result = hookmux_cli.run(make_event("UserPromptSubmit", cwd=project, prompt="hmtest-prompt"))
    assert result.output["hookSpecificOutput"]["additionalContext"] == "from local"  # type: ignore[index]
    env = {"HOOKMUX__ALPHA__GREETING": '"from env"'}
    result = hookmux_cli.run(make_event("UserPromptSubmit", cwd=project, prompt="hmtest-prompt"), env=env)
    assert result.output["hookSpecificOutput"]["additionalContext"] == "from env"  # type: ignore[index]


def test_disabled_plugin_does_not_run(hookmux_cli: HookmuxCLI, project: Path) -> None:
    event = bash("hmtest-deny", project)
    assert hookmux_cli.run(event, env={"HOOKMUX_DISABLED": "alpha"}).stdout == b""
    (project / ".claude" / "hookmux.toml").write_text("[plugins.alpha]\nenabled = false\n")
    assert hookmux_cli.run(event).stdout != b""  # turning a plugin off takes a trusted file
    trust(hookmux_cli, project)
    assert hookmux_cli.run(event).stdout == b""
    (project / ".claude" / "hookmux.toml").write_text('[hookmux]\ndisabled = ["alpha"]\n')
    trust(hookmux_cli, project)
    assert hookmux_cli.run(event).stdout == b""


def test_rewrite_from_a_plugin_is_applied(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    result = hookmux_cli.run(bash("hmtest-rewrite please", tmp_path))
    output = result.output["hookSpecificOutput"]  # type: ignore[index]
    assert output["updatedInput"] == {"command": "echo rewritten-by-beta"}
    assert output["permissionDecision"] == "allow"


def test_stdout_is_exactly_one_json_object(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    result = hookmux_cli.run(bash("hmtest-deny && hmtest-crash && hmtest-garbage", tmp_path))
    decoded, end = json.JSONDecoder().raw_decode(result.stdout.decode())
    assert isinstance(decoded, dict) and end == len(result.stdout)


def test_hookmux_plugins_env_runs_only_the_named_plugins(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    event = bash("echo hmtest-context", tmp_path, "PostToolUse")
    only_beta = hookmux_cli.run(event, env={"HOOKMUX_PLUGINS": "beta"}).output
    assert only_beta["hookSpecificOutput"]["additionalContext"] == "beta-context for toolu_test"  # type: ignore[index]
    assert hookmux_cli.run(event, env={"HOOKMUX_PLUGINS": ""}).stdout == b""


def test_config_error_names_the_file_that_set_the_bad_value(hookmux_cli: HookmuxCLI, project: Path) -> None:
    (project / ".claude" / "hookmux.toml").write_text('[plugins.alpha]\ngreeting = "fine"\n')
    (project / ".claude" / "hookmux.local.toml").write_text("[plugins.alpha]\ngreeting = 7\n")
    trust(hookmux_cli, project)
    result = hookmux_cli.run(make_event("UserPromptSubmit", cwd=project, prompt="hmtest-prompt"))
    local = project / ".claude" / "hookmux.local.toml"
    assert f"{local}: plugins.alpha.greeting: expected a string, got int 7" in result.stderr
