"""Codex CLI and Gemini CLI events through their adapters: payload in, answer out.

The payloads are the real ones captured from Codex CLI 0.171.0 and Gemini CLI 0.61.0
(``tests/data/agents/``); what each CLI honours is in their adapters' tables, observed
with the real CLIs.
"""

from __future__ import annotations

import json
import subprocess
import types
from pathlib import Path
from typing import Any

import pytest

from hookmux import hookimpl
from hookmux.agents.adapting import AdapterError
from hookmux.agents.codex import adapter as codex
from hookmux.agents.codex.patch import PatchError, apply_hunks, describe, parse_patch
from hookmux.agents.gemini import adapter as gemini
from hookmux.agents.registry import ADAPTED, adapter
from hookmux.entry.args import AGENTS as ARG_AGENTS
from hookmux.protocol.answers import PermissionRequestAnswer, PreToolUseAnswer, StopAnswer
from hookmux.protocol.converter import structure_event
from hookmux.protocol.eventmodels import PreToolUse
from hookmux.protocol.events import AGENTS
from hookmux.routing.context import HookContext
from hookmux.testing import HookmuxCLI, hookmux_executable, run_event

DATA = Path(__file__).parent / "data" / "agents"


def captured(agent: str) -> list[dict[str, Any]]:
    name = {"codex": "codex-0.171.0-events.ndjson", "gemini": "gemini-0.61.0-events.ndjson"}[agent]
    return [json.loads(line)["payload"] for line in (DATA / name).read_text().splitlines() if line.strip()]


def first(agent: str, event: str, tool: str | None = None) -> dict[str, Any]:
    return next(
        p
        for p in captured(agent)
        if p["hook_event_name"] == event and (tool is None or p.get("tool_name") == tool)
    )


def test_the_agent_names_agree_everywhere() -> None:
    assert AGENTS == ARG_AGENTS == ("claude", *ADAPTED)
    assert adapter("claude") is None
    with pytest.raises(ValueError, match="unknown agent"):
        adapter("cursor")


@pytest.mark.parametrize("agent", ADAPTED)
def test_every_captured_payload_becomes_a_canonical_event(agent: str) -> None:
    module = adapter(agent)
    assert module is not None
    for payload in captured(agent):
        raw = module.to_canonical(payload)
        event = structure_event(raw)
        assert event.agent == agent
        assert type(event).__name__ == raw["hook_event_name"], raw["hook_event_name"]
        assert payload.get("hook_event_name") in module.EVENTS


def test_unknown_events_are_refused_by_name() -> None:
    with pytest.raises(AdapterError, match="unknown Codex hook event 'Notification'"):
        codex.to_canonical({"hook_event_name": "Notification"})
    with pytest.raises(AdapterError, match="unknown Gemini CLI hook event 'PreToolUse'"):
        gemini.to_canonical({"hook_event_name": "PreToolUse"})


# -- Codex: apply_patch -------------------------------------------------------------


def test_a_captured_apply_patch_is_a_write_of_the_added_file(tmp_path: Path) -> None:
    payload = dict(first("codex", "PreToolUse", "apply_patch"), cwd=str(tmp_path))
    raw = codex.to_canonical(payload)
    assert raw["tool_name"] == "Write"
    assert raw["tool_input"]["file_path"] == str(tmp_path / "patched.txt")
    assert raw["tool_input"]["content"] == "patched by fake model\n"
    assert raw["hookmux_original"]["tool_name"] == "apply_patch"
    event = structure_event(raw)
    assert isinstance(event, PreToolUse) and event.file_path == str(tmp_path / "patched.txt")


def test_an_update_becomes_an_edit_from_the_file_now_to_the_file_after(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    return 1\n\n\ndef g():\n    return 2\n")
    patch = (
        "*** Begin Patch\n*** Update File: a.py\n@@ def g():\n-    return 2\n+    return 3\n"
        "*** Add File: b.txt\n+new\n*** Delete File: c.txt\n*** End Patch\n"
    )
    raw = codex.to_canonical(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "s",
            "cwd": str(tmp_path),
            "tool_name": "apply_patch",
            "tool_input": {"command": patch},
        }
    )
    tool_input = raw["tool_input"]
    assert raw["tool_name"] == "Edit"
    assert tool_input["old_string"] == "def f():\n    return 1\n\n\ndef g():\n    return 2\n"
    assert tool_input["new_string"] == "def f():\n    return 1\n\n\ndef g():\n    return 3\n"
    assert [(c["action"], Path(str(c["file_path"])).name) for c in tool_input["changes"]] == [
        ("update", "a.py"),
        ("add", "b.txt"),
        ("delete", "c.txt"),
    ]
    assert tool_input["patch"] == patch and "command" not in tool_input


def test_paths_matchers_see_every_file_a_patch_touches(tmp_path: Path) -> None:
    seen: list[str] = []

    @hookimpl(matcher="Edit|Write", paths=["c.txt"])
    def hookmux_pre_tool_use(event: PreToolUse) -> None:
        seen.append(event.tool_name)

    plugin = types.SimpleNamespace(hookmux_pre_tool_use=hookmux_pre_tool_use)
    patch = "*** Begin Patch\n*** Add File: b.txt\n+x\n*** Delete File: c.txt\n*** End Patch"
    payload = {
        "hook_event_name": "PreToolUse",
        "session_id": "s",
        "cwd": str(tmp_path),
        "tool_name": "apply_patch",
        "tool_input": {"command": patch},
    }
    run = run_event(payload, {"p": plugin}, agent="codex")
    assert run.statuses == {"p.hookmux_pre_tool_use": "silent"} and seen == ["Write"]


def test_a_move_reads_the_source_and_names_the_destination(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("one\ntwo\n")
    patch = "*** Begin Patch\n*** Update File: old.txt\n*** Move to: new.txt\n@@\n-two\n+three\n*** End Patch"
    (change,) = describe(patch, str(tmp_path))
    assert change == {
        "action": "update",
        "file_path": str(tmp_path / "new.txt"),
        "content": "one\nthree\n",
        "old_content": "one\ntwo\n",
        "moved_from": str(tmp_path / "old.txt"),
    }


def test_hunks_apply_as_codex_seeks_them() -> None:
    text = "a\nb  \nc\nb\nd"
    # trailing whitespace is forgiven; the second hunk continues after the first
    assert apply_hunks(text, [(None, ["b", "c"], ["B", "C"]), (None, ["b"], ["X"])]) == "a\nB\nC\nX\nd\n"
    assert apply_hunks(text, [(None, ["zzz"], ["y"])]) is None
    assert apply_hunks("x\n", [(None, [], ["appended"])]) == "x\nappended\n"


def test_a_hunk_that_does_not_apply_leaves_the_content_unknown(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    payload = {
        "hook_event_name": "PreToolUse",
        "session_id": "s",
        "cwd": str(tmp_path),
        "tool_name": "apply_patch",
        "tool_input": {"command": "*** Begin Patch\n*** Update File: a.txt\n-absent\n+x\n*** End Patch"},
    }
    tool_input = codex.to_canonical(payload)["tool_input"]
    assert "old_string" not in tool_input and "new_string" not in tool_input
    assert tool_input["file_path"] == str(tmp_path / "a.txt")


def test_after_the_patch_the_file_on_disk_is_the_content(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("patched\n")
    payload = {
        "hook_event_name": "PostToolUse",
        "session_id": "s",
        "cwd": str(tmp_path),
        "tool_name": "apply_patch",
        "tool_input": {"command": "*** Begin Patch\n*** Update File: a.txt\n-x\n+patched\n*** End Patch"},
        "tool_response": "Success. Updated the following files:\nM a.txt\n",
    }
    raw = codex.to_canonical(payload)
    assert raw["tool_input"]["content"] == "patched\n"
    assert raw["tool_response"] == {"filePath": str(tmp_path / "a.txt"), "output": payload["tool_response"]}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "*** Begin Patch\n*** End Patch",
        "no patch",
        "*** Begin Patch\n*** Add File: a\nnot plus\n*** End Patch",
    ],
)
def test_text_that_is_not_a_patch_is_refused_and_the_call_stays_apply_patch(text: str) -> None:
    with pytest.raises(PatchError):
        parse_patch(text)
    raw = codex.to_canonical(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "s",
            "cwd": "/",
            "tool_name": "apply_patch",
            "tool_input": {"command": text},
        }
    )
    assert raw["tool_name"] == "apply_patch" and raw["tool_input"] == {"command": text}


def test_codex_shell_output_becomes_claude_codes_shape() -> None:
    raw = codex.to_canonical(first("codex", "PostToolUse", "Bash"))
    assert set(raw["tool_response"]) == {"stdout", "stderr", "interrupted", "isImage"}
    assert raw["hookmux_original"]["tool_response"] == raw["tool_response"]["stdout"]


# -- Codex: answers -------------------------------------------------------------------


def _run(agent: str, payload: dict[str, Any], answer: Any, event: str = "pre_tool_use") -> Any:
    def handler() -> Any:
        return answer

    handler.__name__ = f"hookmux_{event}"
    plugin = types.SimpleNamespace(**{handler.__name__: hookimpl(handler)})
    return run_event(payload, {"p": plugin}, agent=agent)


def test_codex_gets_a_deny_and_its_reason() -> None:
    run = _run(
        "codex", first("codex", "PreToolUse", "Bash"), PreToolUseAnswer(permission="deny", reason="no")
    )
    assert run.output == {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "no",
        }
    }
    assert run.notes == []


def test_what_codex_does_not_honour_is_not_emitted_and_said() -> None:
    answer = PreToolUseAnswer(
        permission="allow",
        reason="fine",
        updated_input={"command": "ls"},
        system_message="hi",
        additional_context="c",
    )
    run = _run("codex", first("codex", "PreToolUse", "Bash"), answer)
    assert run.output == {"hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": "c"}}
    notes = "\n".join(run.notes)
    assert "hookSpecificOutput.permissionDecision not emitted: Codex 0.171.0 honours only deny" in notes
    assert "hookSpecificOutput.updatedInput not emitted" in notes
    assert "systemMessage not emitted: Codex shows systemMessage in its app-server UI only" in notes


def test_codex_permission_request_and_stop_answers() -> None:
    run = _run(
        "codex",
        first("codex", "PermissionRequest"),
        PermissionRequestAnswer(behavior="deny", message="not here"),
        "permission_request",
    )
    assert run.output == {
        "hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "deny", "message": "not here"},
        }
    }
    run = _run("codex", first("codex", "Stop"), StopAnswer(block=True, reason="tests fail"), "stop")
    assert run.output == {"decision": "block", "reason": "tests fail"}


# -- Gemini CLI ---------------------------------------------------------------------


def test_gemini_tools_and_inputs_become_claude_codes(tmp_path: Path) -> None:
    before = first("gemini", "BeforeTool", "replace")
    raw = gemini.to_canonical(dict(before, cwd=str(tmp_path)))
    assert raw["hook_event_name"] == "PreToolUse" and raw["tool_name"] == "Edit"
    assert raw["tool_input"]["file_path"] == str(tmp_path / "hook_demo.txt")
    assert (raw["tool_input"]["old_string"], raw["tool_input"]["new_string"]) == ("hello", "goodbye")
    shell = gemini.to_canonical(first("gemini", "BeforeTool", "run_shell_command"))
    assert shell["tool_name"] == "Bash" and shell["tool_input"]["command"] == "echo hello"
    after = gemini.to_canonical(first("gemini", "AfterTool", "write_file"))
    assert after["hook_event_name"] == "PostToolUse" and after["tool_name"] == "Write"
    assert after["tool_response"]["type"] == "create" and after["tool_response"]["originalFile"] == ""
    agent_end = gemini.to_canonical(first("gemini", "AfterAgent"))
    assert agent_end["hook_event_name"] == "Stop"
    assert agent_end["last_assistant_message"].startswith("FAKE-FINAL")


def test_a_gemini_tool_error_is_a_failure() -> None:
    payload = dict(first("gemini", "AfterTool", "run_shell_command"))
    payload["tool_response"] = {"llmContent": "", "returnDisplay": "", "error": {"message": "boom"}}
    raw = gemini.to_canonical(payload)
    assert raw["hook_event_name"] == "PostToolUseFailure" and raw["error"] == "boom"
    assert structure_event(raw).error == "boom"  # type: ignore[attr-defined]


def test_a_rewritten_input_goes_back_in_geminis_shape() -> None:
    payload = first("gemini", "BeforeTool", "read_file")
    answer = PreToolUseAnswer(permission="ask", updated_input={"file_path": "/x", "offset": 3, "limit": 2})
    run = _run("gemini", payload, answer)
    assert run.output == {
        "decision": "ask",
        "hookSpecificOutput": {
            "hookEventName": "BeforeTool",
            "tool_input": {"file_path": "/x", "start_line": 3, "end_line": 4},
        },
    }
    shell = first("gemini", "BeforeTool", "run_shell_command")
    run = _run("gemini", shell, PreToolUseAnswer(permission="deny", reason="no", additional_context="ctx"))
    assert run.output == {"decision": "deny", "reason": "no"}
    assert any("additionalContext not emitted: Gemini CLI takes context from" in n for n in run.notes)


def test_a_gemini_block_is_a_deny() -> None:
    run = _run("gemini", first("gemini", "AfterAgent"), StopAnswer(block=True, reason="go on"), "stop")
    assert run.output == {"decision": "deny", "reason": "go on"}


# -- agents=[...] and the handler's view ----------------------------------------------


def test_handlers_see_the_agent_and_may_limit_themselves() -> None:
    seen: list[tuple[str, str]] = []

    @hookimpl(agents=["gemini"])
    def only_gemini(event: PreToolUse, ctx: HookContext) -> None:
        seen.append(("gemini-only", ctx.agent))

    @hookimpl(specname="hookmux_pre_tool_use")
    def everyone(event: PreToolUse, ctx: HookContext) -> None:
        seen.append((event.agent, ctx.agent))

    only_gemini.__name__ = "hookmux_pre_tool_use"
    plugin = types.SimpleNamespace(hookmux_pre_tool_use=only_gemini, everyone=everyone)
    run_event(first("codex", "PreToolUse", "Bash"), {"p": plugin}, agent="codex")
    run_event(first("gemini", "BeforeTool", "run_shell_command"), {"p": plugin}, agent="gemini")
    claude = {"hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/", "tool_name": "Bash",
              "tool_input": {"command": "ls"}}  # fmt: skip
    run_event(claude, {"p": plugin})
    # one plugin's handlers of equal priority run by function name: everyone, then hookmux_pre_tool_use
    assert seen == [("codex", "codex"), ("gemini", "gemini"), ("gemini-only", "gemini"), ("claude", "claude")]


def test_an_unknown_agent_in_hookimpl_is_a_reported_problem() -> None:
    @hookimpl(agents=["cursor"])
    def hookmux_stop() -> None:
        return None

    run = run_event(
        first("codex", "Stop"), {"p": types.SimpleNamespace(hookmux_stop=hookmux_stop)}, agent="codex"
    )
    assert run.statuses == {} and any("agents 'cursor' unknown" in p for p in run.problems)


# -- through the real `hookmux run` -----------------------------------------------------


def test_hookmux_run_answers_codex_and_gemini_in_their_shapes(hookmux_cli: HookmuxCLI) -> None:
    env = {"HOOKMUX_PLUGINS": "alpha"}
    codex_event = dict(first("codex", "PreToolUse", "Bash"), tool_input={"command": "hmtest-deny now"})
    run = hookmux_cli.run(codex_event, "--agent=codex", env=env)
    assert run.returncode == 0 and run.output == {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "alpha refuses 'hmtest-deny now'",
        }
    }
    gemini_event = dict(
        first("gemini", "BeforeTool", "run_shell_command"), tool_input={"command": "hmtest-deny x"}
    )
    run = hookmux_cli.run(gemini_event, "--agent", "gemini", env=env)
    assert run.returncode == 0 and run.output == {
        "decision": "deny",
        "reason": "alpha refuses 'hmtest-deny x'",
    }


def test_bad_agent_input_costs_one_line_and_no_answer(hookmux_cli: HookmuxCLI) -> None:
    run = hookmux_cli.run(first("codex", "Stop"), "--agent=cursor")
    assert (run.returncode, run.stdout) == (0, b"")
    assert run.stderr.strip() == "hookmux: unknown --agent 'cursor': expected one of claude, codex, gemini"
    run = hookmux_cli.run({"hook_event_name": "BeforeTool", "session_id": "s", "cwd": "/"}, "--agent=codex")
    assert (run.returncode, run.stdout) == (0, b"")
    assert run.stderr.strip() == "hookmux: unknown Codex hook event 'BeforeTool' (hookmux knows 14)"


def test_claude_codes_path_loads_nothing_of_the_agents(hookmux_cli: HookmuxCLI) -> None:
    event = {"hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/", "tool_name": "Bash",
             "tool_input": {"command": "hmtest-deny"}}  # fmt: skip
    env = hookmux_cli.env(HOOKMUX_PLUGINS="alpha")
    for command in ("ls", "hmtest-deny"):  # unmatched, then matched (a deny)
        payload = json.dumps({**event, "tool_input": {"command": command}}).encode()
        hookmux_cli.run(payload, env={"HOOKMUX_PLUGINS": "alpha"})
        proc = subprocess.run([__import__("sys").executable, "-X", "importtime", hookmux_executable(), "run"],
                              input=payload, capture_output=True, env=env, check=True)  # fmt: skip
        modules = {
            line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if "|" in line
        }
        assert "hookmux.entry.route" in modules
        assert not {m for m in modules if m.startswith("hookmux.agents")}, command


def test_an_unmatched_codex_event_imports_no_plugin_and_no_heavy_library(hookmux_cli: HookmuxCLI) -> None:
    event = dict(first("codex", "PreToolUse", "Bash"), tool_input={"command": "ls"})
    env = hookmux_cli.env(HOOKMUX_PLUGINS="alpha")
    hookmux_cli.run(event, "--agent=codex", env={"HOOKMUX_PLUGINS": "alpha"})
    proc = subprocess.run(
        [__import__("sys").executable, "-X", "importtime", hookmux_executable(), "run", "--agent=codex"],
        input=json.dumps(event).encode(),
        capture_output=True,
        env=env,
        check=True,
    )
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if "|" in line}
    assert "hookmux.agents.registry" in modules  # the adapter ran (importtime omits import_module's own line)
    assert not modules & {"attr", "attrs", "pluggy", "cattrs", "json", "re", "hookmux.routing.dispatch"}


def test_explain_names_the_agent_and_what_was_not_emitted(hookmux_cli: HookmuxCLI) -> None:
    # beta allows a rewrite of hmtest-rewrite commands: Codex honours neither, so nothing is printed
    event = dict(first("codex", "PreToolUse", "Bash"), tool_input={"command": "hmtest-rewrite x"})
    run = hookmux_cli.run(event, "--agent=codex", env={"HOOKMUX_PLUGINS": "beta"})
    assert (run.returncode, run.stdout) == (0, b"")

    def explain(*args: str) -> str:
        proc = subprocess.run([hookmux_executable(), "explain", *args], env=hookmux_cli.env(),
                              capture_output=True, text=True, check=True)  # fmt: skip
        return proc.stdout

    (explained,) = json.loads(explain("--json"))
    assert explained["agent"] == "codex" and explained["outcome"] == "silent"
    notes = explained["notes"].splitlines()
    assert any(n.startswith("codex: hookSpecificOutput.permissionDecision not emitted: Codex 0.171.0 honours only deny")
               for n in notes), notes  # fmt: skip
    assert any(n.startswith("codex: hookSpecificOutput.updatedInput not emitted") for n in notes), notes
    text = explain()
    assert (
        "PreToolUse Bash  (codex)" in text
        and "note: codex: hookSpecificOutput.updatedInput not emitted" in text
    )


def test_the_daemon_answers_another_agent_as_the_process_does(hookmux_cli: HookmuxCLI) -> None:
    from daemon_support import served

    env = hookmux_cli.env(HOOKMUX_PLUGINS="alpha")
    gemini_event = dict(
        first("gemini", "BeforeTool", "run_shell_command"), tool_input={"command": "hmtest-deny x"}
    )
    alone = hookmux_cli.run(gemini_event, "--agent=gemini", env={"HOOKMUX_PLUGINS": "alpha"})
    with served(env) as daemon:
        relayed = daemon.run(gemini_event, "--agent=gemini")
        stats = daemon.health()
    assert relayed.returncode == 0 and json.loads(relayed.stdout) == alone.output
    assert alone.output == {"decision": "deny", "reason": "alpha refuses 'hmtest-deny x'"}
    assert stats["requests_relay"] == 1  # the daemon answered it, not a fallback in the process


def test_a_gemini_shell_command_that_exits_non_zero_is_a_failure_as_in_claude_code() -> None:
    payload = dict(first("gemini", "AfterTool", "run_shell_command"))
    payload["tool_response"] = {
        "llmContent": "<untrusted_context>\nOutput: 1 failed, 2 passed\nExit Code: 1\nProcess Group PGID: 9\n"
        "</untrusted_context>",
        "returnDisplay": "",
    }
    raw = gemini.to_canonical(payload)
    assert raw["hook_event_name"] == "PostToolUseFailure"
    assert raw["error"] == "Exit code 1\n1 failed, 2 passed"
    assert raw["tool_response"]["stdout"] == "1 failed, 2 passed"
    ok = gemini.to_canonical(first("gemini", "AfterTool", "run_shell_command"))
    assert ok["hook_event_name"] == "PostToolUse" and ok["tool_response"]["stdout"] == "hello"


def test_a_gemini_tool_calls_before_and_after_share_an_id() -> None:
    before = gemini.to_canonical(first("gemini", "BeforeTool", "write_file"))
    after = gemini.to_canonical(first("gemini", "AfterTool", "write_file"))
    other = gemini.to_canonical(first("gemini", "BeforeTool", "read_file"))
    assert before["tool_use_id"] == after["tool_use_id"] != other["tool_use_id"]
    assert before["tool_use_id"].startswith("gemini_")


def test_a_background_handler_knows_the_agent_too(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    @hookimpl(background=True)
    def hookmux_stop(event: Any, ctx: HookContext) -> None:
        seen.append((event.agent, ctx.agent))

    plugin = types.SimpleNamespace(hookmux_stop=hookmux_stop)
    run = run_event(first("gemini", "AfterAgent"), {"p": plugin}, agent="gemini", run_background=True)
    assert run.statuses == {"p.hookmux_stop": "queued"} and seen == [("gemini", "gemini")]


def test_hookmux_plugins_shows_the_agents_a_handler_takes(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    from plugin_site import install_plugin

    site = tmp_path / "site"
    install_plugin(site, "onlycodex", "from hookmux import hookimpl\n\n"
                   "@hookimpl(agents=['codex'])\ndef hookmux_stop():\n    return None\n")  # fmt: skip
    env = hookmux_cli.env(PYTHONPATH=str(site), HOOKMUX_PLUGINS="onlycodex")
    proc = subprocess.run([hookmux_executable(), "plugins", "--json"], env=env, capture_output=True, text=True,
                          check=True)  # fmt: skip
    (plugin,) = [p for p in json.loads(proc.stdout) if p["name"] == "onlycodex"]
    assert plugin["events"]["Stop"] == [{"function": "hookmux_stop", "priority": 50, "agents": ["codex"]}]


def test_a_patch_never_reads_files_outside_the_session(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "secret.txt"
    project.mkdir()
    outside.write_text("do not copy\n")
    (project / "link.txt").symlink_to(outside)
    for path in ("../secret.txt", str(outside), "link.txt"):
        patch = f"*** Begin Patch\n*** Update File: {path}\n@@\n-do not copy\n+x\n*** End Patch"
        (change,) = describe(patch, str(project))
        assert change["content"] is None and "old_content" not in change, path


@pytest.mark.parametrize("agent", ADAPTED)
def test_make_agent_event_builds_every_event_each_agent_sends(agent: str, tmp_path: Path) -> None:
    from hookmux.testing import make_agent_event

    module = adapter(agent)
    assert module is not None
    captured_keys = {p["hook_event_name"]: set(p) for p in captured(agent)}
    for event in module.EVENTS:
        payload = make_agent_event(agent, event, cwd=tmp_path)
        raw = module.to_canonical(payload)
        assert structure_event(raw).agent == agent
        if event in captured_keys:  # the keys the real CLI sends are there
            assert captured_keys[event] - {"turn_id", "agent_id", "agent_type"} <= set(payload), event
    with pytest.raises(ValueError, match="has no hook event 'PreToolUse'"):
        make_agent_event("gemini", "PreToolUse")


def test_gemini_cli_is_told_when_the_plugins_changed_since_install(hookmux_cli: HookmuxCLI) -> None:
    event = first("gemini", "SessionStart")
    run = hookmux_cli.run(event, "--agent=gemini", "--wiring=0123456789ab", env={"HOOKMUX_PLUGINS": "alpha"})
    assert run.returncode == 0 and run.output is not None
    message = run.output["systemMessage"]
    assert message.startswith("hookmux: the installed plugins changed since `hookmux install --agent gemini`")
    assert "wired Gemini CLI" in message
