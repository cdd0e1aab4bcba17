"""Every hookspec, exercised: a plugin implements each event and its answer reaches
Claude Code's JSON exactly where Claude Code 2.1.330 reads it."""

from __future__ import annotations

import types
from typing import Any

import pytest

from hookmux import hookimpl
from hookmux.protocol import answers as a
from hookmux.protocol.events import EVENT_NAMES, hookspec_name
from hookmux.testing import make_event, run_event

# event -> (answer, expected output); None answers: the event's output is discarded.
EXPECTED: dict[str, tuple[Any, Any]] = {
    "PreToolUse": (a.PreToolUseAnswer(permission="ask", reason="check"),
                   {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask",
                                           "permissionDecisionReason": "check"}}),
    "PostToolUse": (a.PostToolUseAnswer(block=True, reason="lint failed", additional_context="3 errors"),
                    {"decision": "block", "reason": "lint failed",
                     "hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": "3 errors"}}),
    "PostToolUseFailure": (a.PostToolUseFailureAnswer(additional_context="try -x"),
                           {"hookSpecificOutput": {"hookEventName": "PostToolUseFailure",
                                                   "additionalContext": "try -x"}}),
    "PostToolBatch": (a.PostToolBatchAnswer(halt=True, stop_reason="budget"),
                      {"continue": False, "stopReason": "budget"}),
    "UserPromptSubmit": (a.UserPromptSubmitAnswer(additional_context="ctx", session_title="T"),
                         {"hookSpecificOutput": {"hookEventName": "UserPromptSubmit", "additionalContext": "ctx",
                                                 "sessionTitle": "T"}}),
    "UserPromptExpansion": (a.UserPromptExpansionAnswer(block=True, reason="no"),
                            {"decision": "block", "reason": "no"}),
    "Notification": (a.NotificationAnswer(terminal_sequence="\x07"), {"terminalSequence": "\x07"}),
    "Stop": (a.StopAnswer(block=True, reason="tests fail"), {"decision": "block", "reason": "tests fail"}),
    "StopFailure": (a.StopFailureAnswer(terminal_sequence="\x07"), {"terminalSequence": "\x07"}),
    "SubagentStart": (a.SubagentStartAnswer(additional_context="be brief"),
                      {"hookSpecificOutput": {"hookEventName": "SubagentStart", "additionalContext": "be brief"}}),
    "SubagentStop": (a.SubagentStopAnswer(additional_context="ok"),
                     {"hookSpecificOutput": {"hookEventName": "SubagentStop", "additionalContext": "ok"}}),
    "SessionStart": (a.SessionStartAnswer(additional_context="hi", watch_paths=("/a",)),
                     {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": "hi",
                                             "watchPaths": ["/a"]}}),
    "SessionEnd": (None, None),
    "Setup": (a.SetupAnswer(additional_context="setup"),
              {"hookSpecificOutput": {"hookEventName": "Setup", "additionalContext": "setup"}}),
    "PreCompact": (a.PreCompactAnswer(block=True, reason="not now"), {"decision": "block", "reason": "not now"}),
    "PostCompact": (None, None),
    "PermissionRequest": (a.PermissionRequestAnswer(behavior="allow", updated_input={"command": "ls"}),
                          {"hookSpecificOutput": {"hookEventName": "PermissionRequest",
                                                  "decision": {"behavior": "allow",
                                                               "updatedInput": {"command": "ls"}}}}),
    "PermissionDenied": (a.PermissionDeniedAnswer(retry=True),
                         {"hookSpecificOutput": {"hookEventName": "PermissionDenied", "retry": True}}),
    "PreModelSwitch": (a.PreModelSwitchAnswer(permission="deny", reason="pinned"),
                       {"hookSpecificOutput": {"hookEventName": "PreModelSwitch", "permissionDecision": "deny",
                                               "permissionDecisionReason": "pinned"}}),
    "PostModelSwitch": (a.PostModelSwitchAnswer(system_message="switched"), {"systemMessage": "switched"}),
    "Elicitation": (a.ElicitationAnswer(action="accept", content={"name": "x"}),
                    {"hookSpecificOutput": {"hookEventName": "Elicitation", "action": "accept",
                                            "content": {"name": "x"}}}),
    "ElicitationResult": (a.ElicitationResultAnswer(action="decline"),
                          {"hookSpecificOutput": {"hookEventName": "ElicitationResult", "action": "decline"}}),
    "CwdChanged": (a.CwdChangedAnswer(watch_paths=("/p/.envrc",)),
                   {"hookSpecificOutput": {"hookEventName": "CwdChanged", "watchPaths": ["/p/.envrc"]}}),
    "FileChanged": (a.FileChangedAnswer(system_message="reloaded"), {"systemMessage": "reloaded"}),
    "DirectoryAdded": (None, None),
    "ConfigChange": (a.ConfigChangeAnswer(block=True, reason="locked"), {"decision": "block", "reason": "locked"}),
    "InstructionsLoaded": (None, None),
    "MessageDisplay": (a.MessageDisplayAnswer(display_content="[redacted]"),
                       {"hookSpecificOutput": {"hookEventName": "MessageDisplay",
                                               "displayContent": "[redacted]"}}),
    "TaskCreated": (a.TaskCreatedAnswer(block=True, reason="dup"), {"decision": "block", "reason": "dup"}),
    "TaskCompleted": (a.TaskCompletedAnswer(halt=True, stop_reason="done"), {"continue": False, "stopReason": "done"}),
    "TeammateIdle": (a.TeammateIdleAnswer(system_message="idle"), {"systemMessage": "idle"}),
    "WorktreeCreate": (a.WorktreeCreateAnswer(worktree_path="/wt/feature"), None),
    "WorktreeRemove": (None, None),
}  # fmt: skip


def test_every_event_is_covered() -> None:
    assert set(EXPECTED) == set(EVENT_NAMES) and len(EVENT_NAMES) == 33


@pytest.mark.parametrize("event", EVENT_NAMES)
def test_event_hookspec_routes_and_renders(event: str) -> None:
    answer, expected = EXPECTED[event]
    seen: list[Any] = []

    def handler(event: Any, ctx: Any) -> Any:
        seen.append((event, ctx))
        return answer

    plugin = types.SimpleNamespace(**{hookspec_name(event): hookimpl(handler, priority=10)})
    result = run_event(make_event(event), plugins={"probe": plugin})
    assert len(seen) == 1, result.result.messages
    model, ctx = seen[0]
    assert type(model).__name__ == event and model.hook_event_name == event
    assert ctx.plugin == "probe"
    assert result.statuses == {"probe.handler": "silent" if answer is None else "ok"}
    assert result.output == expected
    if event == "WorktreeCreate":
        assert result.result.rendered.plain == "/wt/feature"  # type: ignore[union-attr]


@pytest.mark.parametrize("event", sorted(a.OBSERVE_ONLY))
def test_answers_to_observe_only_events_are_rejected(event: str) -> None:
    def handler() -> Any:
        return a.StopAnswer(additional_context="x")

    plugin = types.SimpleNamespace(**{hookspec_name(event): hookimpl(handler)})
    result = run_event(make_event(event), plugins={"probe": plugin})
    assert result.statuses == {"probe.handler": "invalid"}
    assert result.output is None
