"""Merging handler answers by Claude Code's rules, and rendering what Claude Code reads."""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import pytest

from hookmux.protocol.answers import (
    ANSWER_CLASSES,
    HSO,
    Answer,
    CwdChangedAnswer,
    ElicitationAnswer,
    ElicitationResultAnswer,
    FileChangedAnswer,
    MessageDisplayAnswer,
    NotificationAnswer,
    PermissionDeniedAnswer,
    PermissionRequestAnswer,
    PostToolBatchAnswer,
    PostToolUseAnswer,
    PreModelSwitchAnswer,
    PreToolUseAnswer,
    SessionStartAnswer,
    StopAnswer,
    StopFailureAnswer,
    SubagentStopAnswer,
    TaskCompletedAnswer,
    TeammateIdleAnswer,
    UserPromptSubmitAnswer,
    WorktreeCreateAnswer,
)
from hookmux.protocol.merge import Contribution, Merged, merge_answers
from hookmux.protocol.render import render
from hookmux.protocol.textfit import utf16_units

PERMISSIONS = ("deny", "defer", "ask", "allow")  # strongest first


def merge(cls: type[Answer], *answers: tuple[str, Answer]) -> Merged:
    """Merge ``(source, answer)`` pairs given highest priority first."""
    return merge_answers(cls, [Contribution(source, answer) for source, answer in answers])


def hso(answer: Answer, transport: str = "command") -> dict[str, Any]:
    payload = render(answer, transport).payload
    assert payload is not None
    return payload[HSO]


# -- PreToolUse ---------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(PERMISSIONS, 2)))
def test_permission_precedence(first: str, second: str) -> None:
    winner = min(first, second, key=PERMISSIONS.index)
    merged = merge(
        PreToolUseAnswer,
        ("high", PreToolUseAnswer(permission=first)),
        ("low", PreToolUseAnswer(permission=second)),
    )
    assert merged.answer.permission == winner
    assert hso(merged.answer)["permissionDecision"] == winner


def test_deny_wins_over_everything_at_any_priority() -> None:
    answers = [("p" + str(i), PreToolUseAnswer(permission=p)) for i, p in enumerate(reversed(PERMISSIONS))]
    assert merge(PreToolUseAnswer, *answers).answer.permission == "deny"
    assert merge(PreToolUseAnswer, *answers[:3]).answer.permission == "defer"
    assert merge(PreToolUseAnswer, *answers[:2]).answer.permission == "ask"
    assert merge(PreToolUseAnswer, *answers[:1]).answer.permission == "allow"


def test_a_handler_without_a_permission_does_not_vote() -> None:
    merged = merge(
        PreToolUseAnswer,
        ("ctx", PreToolUseAnswer(additional_context="facts")),
        ("ok", PreToolUseAnswer(permission="allow")),
    )
    assert merged.answer.permission == "allow"
    assert merged.answer.additional_context == "facts"


@pytest.mark.parametrize(
    ("winner", "reasons"),
    [("deny", ["r-b", "r-d"]), ("ask", ["r-c"]), ("allow", ["r-a", "r-e"])],
)
def test_only_the_winners_reasons_are_joined(winner: str, reasons: list[str]) -> None:
    votes = [("a", "allow"), ("b", "deny"), ("c", "ask"), ("d", "deny"), ("e", "allow")]
    # keep the votes that are not stronger than the wanted winner
    kept = [(s, p) for s, p in votes if PERMISSIONS.index(p) >= PERMISSIONS.index(winner)]
    merged = merge(PreToolUseAnswer, *[(s, PreToolUseAnswer(permission=p, reason=f"r-{s}")) for s, p in kept])
    assert merged.answer.permission == winner
    assert merged.answer.reason is not None
    assert merged.answer.reason.split("\n") == reasons
    assert hso(merged.answer)["permissionDecisionReason"] == merged.answer.reason


def test_a_reason_without_a_permission_is_not_used() -> None:
    merged = merge(
        PreToolUseAnswer,
        ("chatty", PreToolUseAnswer(reason="just saying")),
        ("gate", PreToolUseAnswer(permission="deny", reason="no rm")),
    )
    assert merged.answer.reason == "no rm"


def test_updated_input_from_the_highest_priority_wins() -> None:
    merged = merge(
        PreToolUseAnswer,
        ("high", PreToolUseAnswer(permission="allow", updated_input={"command": "ls -la"})),
        ("low", PreToolUseAnswer(permission="allow", updated_input={"command": "ls -l"})),
    )
    assert merged.answer.updated_input == {"command": "ls -la"}
    assert hso(merged.answer)["updatedInput"] == {"command": "ls -la"}
    assert len(merged.notes) == 1
    assert "updated_input" in merged.notes[0]
    assert "low" in merged.notes[0]
    assert "high" in merged.notes[0]
    assert merged.notes[0].index("low") < merged.notes[0].index("high")


def test_the_same_updated_input_twice_is_no_conflict() -> None:
    merged = merge(
        PreToolUseAnswer,
        ("a", PreToolUseAnswer(updated_input={"command": "ls"})),
        ("b", PreToolUseAnswer(updated_input={"command": "ls"})),
        ("c", PreToolUseAnswer()),
    )
    assert merged.answer.updated_input == {"command": "ls"}
    assert merged.notes == ()


def test_a_lower_priority_updated_input_applies_when_higher_ones_set_none() -> None:
    merged = merge(
        PreToolUseAnswer,
        ("high", PreToolUseAnswer(permission="allow")),
        ("low", PreToolUseAnswer(updated_input={"command": "ls"})),
    )
    assert merged.answer.updated_input == {"command": "ls"}
    assert merged.notes == ()


@pytest.mark.parametrize("deny_first", [True, False])
def test_updated_input_is_dropped_when_the_merged_permission_is_deny(deny_first: bool) -> None:
    rewrite = ("rewriter", PreToolUseAnswer(permission="allow", updated_input={"command": "ls"}))
    deny = ("gate", PreToolUseAnswer(permission="deny", reason="no"))
    merged = merge(PreToolUseAnswer, *([deny, rewrite] if deny_first else [rewrite, deny]))
    assert merged.answer.permission == "deny"
    assert merged.answer.updated_input is None
    assert "updatedInput" not in hso(merged.answer)
    assert hso(merged.answer) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "no",
    }


# -- halt, block ------------------------------------------------------------------


def test_halt_wins_and_stop_reasons_join() -> None:
    merged = merge(
        StopAnswer,
        ("a", StopAnswer()),
        ("b", StopAnswer(halt=True, stop_reason="s-b")),
        ("c", StopAnswer(halt=True, stop_reason="s-c")),
    )
    assert merged.answer.halt is True
    assert merged.answer.stop_reason is not None
    assert merged.answer.stop_reason.split("\n") == ["s-b", "s-c"]
    payload = render(merged.answer).payload
    assert payload == {"continue": False, "stopReason": "s-b\ns-c"}


def test_halt_renders_next_to_a_permission() -> None:
    merged = merge(
        PreToolUseAnswer,
        ("a", PreToolUseAnswer(permission="allow")),
        ("b", PreToolUseAnswer(halt=True, stop_reason="enough")),
    )
    payload = render(merged.answer).payload
    assert payload is not None
    assert payload["continue"] is False
    assert payload["stopReason"] == "enough"
    assert payload[HSO]["permissionDecision"] == "allow"


def test_no_halt_renders_no_continue_key() -> None:
    payload = render(merge(StopAnswer, ("a", StopAnswer(additional_context="x"))).answer).payload
    assert payload is not None
    assert "continue" not in payload


@pytest.mark.parametrize("cls", [PostToolUseAnswer, PostToolBatchAnswer, UserPromptSubmitAnswer, StopAnswer])
def test_block_wins_and_blockers_reasons_join_in_priority_order(cls: type[Any]) -> None:
    merged = merge(
        cls,
        ("a", cls(additional_context="ctx-a")),
        ("b", cls(block=True, reason="r-b")),
        ("c", cls()),
        ("d", cls(block=True, reason="r-d")),
    )
    assert merged.answer.block is True
    assert merged.answer.reason == "r-b\nr-d"
    payload = render(merged.answer).payload
    assert payload is not None
    assert payload["decision"] == "block"
    assert payload["reason"] == "r-b\nr-d"
    assert render(merged.answer).exit_code == 0


def test_a_non_blocker_reason_is_not_used() -> None:
    merged = merge(
        PostToolUseAnswer,
        ("a", PostToolUseAnswer(reason="not blocking")),
        ("b", PostToolUseAnswer(block=True, reason="blocking")),
    )
    assert merged.answer.reason == "blocking"
    nobody = merge(PostToolUseAnswer, ("a", PostToolUseAnswer(reason="not blocking")))
    assert nobody.answer.block is False
    assert nobody.answer.reason is None
    assert render(nobody.answer).payload is None


def test_subagent_stop_block_merges_like_stop() -> None:
    merged = merge(
        SubagentStopAnswer,
        ("a", SubagentStopAnswer(block=True, reason="tests fail")),
        ("b", SubagentStopAnswer(block=True, reason="lint fails")),
    )
    assert type(merged.answer) is SubagentStopAnswer
    assert render(merged.answer).payload == {"decision": "block", "reason": "tests fail\nlint fails"}


# -- additionalContext -------------------------------------------------------------


def test_additional_context_joins_with_blank_lines_in_priority_order() -> None:
    merged = merge(
        UserPromptSubmitAnswer,
        ("a", UserPromptSubmitAnswer(additional_context="first")),
        ("b", UserPromptSubmitAnswer()),
        ("c", UserPromptSubmitAnswer(additional_context="second\nline")),
        ("d", UserPromptSubmitAnswer(additional_context="third")),
    )
    assert merged.answer.additional_context == "first\n\nsecond\nline\n\nthird"
    assert merged.notes == ()
    payload = render(merged.answer).payload
    assert payload == {
        HSO: {"hookEventName": "UserPromptSubmit", "additionalContext": "first\n\nsecond\nline\n\nthird"}
    }


@pytest.mark.parametrize(
    ("high", "low"),
    [
        ("H" * 5000, "L" * 5000),
        ("\n".join(["H"] * 150), "\n".join(["L"] * 150)),
        ("H" * 100, "\U0001f600" * 5000),
    ],
)
def test_too_long_context_cuts_the_lowest_priority_with_a_note(high: str, low: str) -> None:
    merged = merge(
        PostToolUseAnswer,
        ("high", PostToolUseAnswer(additional_context=high)),
        ("low", PostToolUseAnswer(additional_context=low)),
    )
    text = merged.answer.additional_context
    assert text is not None
    assert text.startswith(high + "\n\n")
    assert utf16_units(text) <= 8000
    assert text.count("\n") + 1 <= 200
    note = text.rsplit("\n", 1)[-1]
    assert note.startswith("[hookmux: additionalContext from low was cut")
    assert "high" not in note
    assert len(merged.notes) == 1
    assert "low" in merged.notes[0]
    assert "high" not in merged.notes[0]
    assert hso(merged.answer)["additionalContext"] == text


def test_many_contributors_still_fit() -> None:
    answers = [(f"p{i:02}", SessionStartAnswer(additional_context=f"{i:02}" * 700)) for i in range(12)]
    merged = merge(SessionStartAnswer, *answers)
    text = merged.answer.additional_context
    assert text is not None
    assert utf16_units(text) <= 8000
    assert text.startswith("00" * 700 + "\n\n" + "01" * 700)
    note = text.rsplit("\n", 1)[-1]
    assert "p11" in note
    assert "p00" not in note


# -- PermissionRequest ------------------------------------------------------------


def test_permission_request_deny_beats_allow_and_drops_allows_changes() -> None:
    allow = PermissionRequestAnswer(
        behavior="allow",
        updated_input={"file_path": "/safe"},
        updated_permissions=[{"type": "setMode", "mode": "acceptEdits", "destination": "session"}],
    )
    deny = PermissionRequestAnswer(behavior="deny", message="not there", interrupt=True)
    for order in ([("allow", allow), ("deny", deny)], [("deny", deny), ("allow", allow)]):
        merged = merge(PermissionRequestAnswer, *order)
        assert merged.answer.behavior == "deny"
        assert merged.answer.updated_input is None
        assert merged.answer.updated_permissions == ()
        assert hso(merged.answer) == {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "deny", "message": "not there", "interrupt": True},
        }


def test_permission_request_allow_keeps_its_changes() -> None:
    rule_a = {"type": "addRules", "rules": [{"toolName": "Write"}], "behavior": "allow"}
    rule_b = {"type": "setMode", "mode": "acceptEdits", "destination": "session"}
    merged = merge(
        PermissionRequestAnswer,
        (
            "a",
            PermissionRequestAnswer(behavior="allow", updated_input={"x": 1}, updated_permissions=[rule_a]),
        ),
        ("b", PermissionRequestAnswer(behavior="allow", updated_permissions=[rule_b])),
        ("c", PermissionRequestAnswer()),
    )
    assert merged.answer.behavior == "allow"
    assert merged.answer.updated_input == {"x": 1}
    assert merged.answer.updated_permissions == (rule_a, rule_b)
    assert hso(merged.answer) == {
        "hookEventName": "PermissionRequest",
        "decision": {"behavior": "allow", "updatedInput": {"x": 1}, "updatedPermissions": [rule_a, rule_b]},
    }


# -- Elicitation, watch paths ------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"), list(itertools.permutations(("cancel", "decline", "accept"), 2))
)
@pytest.mark.parametrize("cls", [ElicitationAnswer, ElicitationResultAnswer])
def test_elicitation_cancel_beats_decline_beats_accept(cls: type[Any], first: str, second: str) -> None:
    ranking = ("cancel", "decline", "accept")
    winner = min(first, second, key=ranking.index)

    def answer(action: str) -> Answer:
        return cls(action=action, content={"name": "x"} if action == "accept" else None)

    merged = merge(cls, ("high", answer(first)), ("low", answer(second)))
    assert merged.answer.action == winner
    expected: dict[str, Any] = {"hookEventName": cls.event, "action": winner}
    if winner == "accept":
        expected["content"] = {"name": "x"}
    assert merged.answer.content == expected.get("content")
    assert hso(merged.answer) == expected


@pytest.mark.parametrize("cls", [SessionStartAnswer, CwdChangedAnswer, FileChangedAnswer])
def test_watch_paths_are_united_without_duplicates(cls: type[Any]) -> None:
    merged = merge(
        cls,
        ("a", cls(watch_paths=["/p/.envrc", "/p/.env"])),
        ("b", cls()),
        ("c", cls(watch_paths=("/p/.env", "/p/Makefile", "/p/.envrc"))),
    )
    assert merged.answer.watch_paths == ("/p/.envrc", "/p/.env", "/p/Makefile")
    assert hso(merged.answer)["watchPaths"] == ["/p/.envrc", "/p/.env", "/p/Makefile"]


# -- merge in general ------------------------------------------------------------


@pytest.mark.parametrize("cls", list(ANSWER_CLASSES.values()), ids=list(ANSWER_CLASSES))
def test_merging_nothing_is_the_empty_answer(cls: type[Answer]) -> None:
    merged = merge_answers(cls, [])
    assert merged == Merged(cls(), ())


@pytest.mark.parametrize(
    "answer",
    [
        PreToolUseAnswer(permission="ask", reason="sure?", updated_input={"a": 1}, additional_context="c"),
        PostToolUseAnswer(block=True, reason="r", updated_tool_output={"stdout": ""}, classifier_context="k"),
        StopAnswer(block=True, reason="go on", halt=False, system_message="hey"),
        PermissionRequestAnswer(behavior="allow", updated_permissions=[{"type": "setMode"}]),
        SessionStartAnswer(additional_context="c", watch_paths=["/a"], reload_skills=True, session_title="t"),
        ElicitationAnswer(action="accept", content={"k": "v"}),
        WorktreeCreateAnswer(worktree_path="/w"),
        TaskCompletedAnswer(block=True, reason="not yet", halt=True, stop_reason="stop"),
        NotificationAnswer(terminal_sequence="\x07"),
    ],
    ids=lambda a: type(a).__name__,
)
def test_a_single_contribution_merges_to_itself(answer: Answer) -> None:
    assert merge_answers(type(answer), [Contribution("only", answer)]) == Merged(answer, ())


# -- render -----------------------------------------------------------------------


@pytest.mark.parametrize("cls", list(ANSWER_CLASSES.values()), ids=list(ANSWER_CLASSES))
def test_an_empty_answer_renders_nothing(cls: type[Answer]) -> None:
    rendered = render(cls())
    assert rendered.payload is None
    assert rendered.exit_code == 0
    assert rendered.stderr is None
    assert rendered.plain is None


@pytest.mark.parametrize(
    "answer",
    [
        PreToolUseAnswer(additional_context="x"),
        PostToolUseAnswer(additional_context="x"),
        SessionStartAnswer(session_title="t"),
        SubagentStopAnswer(additional_context="x"),
        ElicitationResultAnswer(action="decline"),
        PermissionDeniedAnswer(retry=True),
        MessageDisplayAnswer(display_content="shown"),
        CwdChangedAnswer(watch_paths=["/p"]),
        NotificationAnswer(additional_context="x"),
        PreModelSwitchAnswer(permission="ask"),
        PermissionRequestAnswer(behavior="deny"),
    ],
    ids=lambda a: type(a).__name__,
)
def test_hook_specific_output_names_its_event(answer: Answer) -> None:
    out = hso(answer, "http")
    assert out["hookEventName"] == answer.event
    assert next(iter(out)) == "hookEventName"
    assert len(out) >= 2


@pytest.mark.parametrize(
    "cls",
    [c for c in ANSWER_CLASSES.values() if "additional_context" in attrs.fields_dict(c)],
    ids=lambda c: c.event,
)
def test_additional_context_is_nested_never_top_level(cls: type[Any]) -> None:
    payload = render(cls(additional_context="facts")).payload
    assert payload == {HSO: {"hookEventName": cls.event, "additionalContext": "facts"}}


@pytest.mark.parametrize(
    ("answer", "payload"),
    [
        (StopAnswer(halt=True), {"continue": False}),
        (StopAnswer(block=True, reason="more"), {"decision": "block", "reason": "more"}),
        (UserPromptSubmitAnswer(system_message="warn"), {"systemMessage": "warn"}),
        (NotificationAnswer(terminal_sequence="\x1b]9;done\x07"), {"terminalSequence": "\x1b]9;done\x07"}),
        (
            UserPromptSubmitAnswer(block=True, reason="no", suppress_original_prompt=True),
            {
                "decision": "block",
                "reason": "no",
                HSO: {"hookEventName": "UserPromptSubmit", "suppressOriginalPrompt": True},
            },
        ),
        (
            PostToolUseAnswer(updated_tool_output={"stdout": "redacted"}),
            {HSO: {"hookEventName": "PostToolUse", "updatedToolOutput": {"stdout": "redacted"}}},
        ),
        (
            PreToolUseAnswer(permission="deny", reason="no rm"),
            {
                HSO: {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": "no rm",
                }
            },
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Answer) else "",
)
def test_render_payloads(answer: Answer, payload: dict[str, Any]) -> None:
    rendered = render(answer)
    assert rendered.payload == payload
    assert rendered.exit_code == 0
    assert rendered.stderr is None


@pytest.mark.parametrize("cls", [TaskCompletedAnswer, TeammateIdleAnswer])
def test_exit_code_block_renders_exit_2_and_stderr(cls: type[Any]) -> None:
    rendered = render(cls(block=True, reason="tests still fail"))
    assert rendered.exit_code == 2
    assert rendered.stderr == "tests still fail"
    assert rendered.payload is None
    assert rendered.plain is None


@pytest.mark.parametrize("cls", [TaskCompletedAnswer, TeammateIdleAnswer])
def test_exit_code_block_after_a_merge(cls: type[Any]) -> None:
    merged = merge(
        cls,
        ("a", cls(block=True, reason="tests fail")),
        ("b", cls()),
        ("c", cls(block=True, reason="docs missing")),
    )
    rendered = render(merged.answer)
    assert rendered.exit_code == 2
    assert rendered.stderr == "tests fail\ndocs missing"
    assert rendered.payload is None


@pytest.mark.parametrize("cls", [TaskCompletedAnswer, TeammateIdleAnswer])
def test_exit_code_events_halt_with_json(cls: type[Any]) -> None:
    rendered = render(cls(halt=True, stop_reason="stop the teammate"))
    assert rendered.exit_code == 0
    assert rendered.payload == {"continue": False, "stopReason": "stop the teammate"}


def test_worktree_create_renders_a_plain_path_over_command() -> None:
    rendered = render(WorktreeCreateAnswer(worktree_path="/repo/.worktrees/feature"), "command")
    assert rendered.plain == "/repo/.worktrees/feature"
    assert rendered.payload is None
    assert rendered.exit_code == 0


def test_worktree_create_renders_json_over_http() -> None:
    rendered = render(WorktreeCreateAnswer(worktree_path="/repo/.worktrees/feature"), "http")
    assert rendered.plain is None
    assert rendered.payload == {
        HSO: {"hookEventName": "WorktreeCreate", "worktreePath": "/repo/.worktrees/feature"}
    }


# -- answers refuse what the event cannot express -------------------------------------


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: PreToolUseAnswer(decision="block"), TypeError),
        (lambda: PreToolUseAnswer(block=True), TypeError),
        (lambda: PreToolUseAnswer(permission="maybe"), ValueError),
        (lambda: PreToolUseAnswer(permission="block"), ValueError),
        (lambda: PreToolUseAnswer(permission="approve"), ValueError),
        (lambda: PreToolUseAnswer(updated_input=[1]), TypeError),
        (lambda: PreToolUseAnswer(additional_context=5), TypeError),
        (lambda: StopAnswer(block=True), ValueError),
        (lambda: StopAnswer(block=True, reason="  "), ValueError),
        (lambda: SubagentStopAnswer(block=True), ValueError),
        (lambda: TaskCompletedAnswer(block=True), ValueError),
        (lambda: TeammateIdleAnswer(block=True), ValueError),
        (lambda: StopAnswer(halt="yes"), TypeError),
        (lambda: PermissionRequestAnswer(behavior="deny", updated_input={}), ValueError),
        (lambda: PermissionRequestAnswer(updated_input={"a": 1}), ValueError),
        (lambda: PermissionRequestAnswer(behavior="allow", message="m"), ValueError),
        (lambda: PermissionRequestAnswer(behavior="allow", interrupt=True), ValueError),
        (
            lambda: PermissionRequestAnswer(behavior="deny", updated_permissions=[{"type": "setMode"}]),
            ValueError,
        ),
        (lambda: PermissionRequestAnswer(behavior="ask"), ValueError),
        (lambda: NotificationAnswer(system_message="x"), TypeError),
        (lambda: NotificationAnswer(halt=True), TypeError),
        (lambda: StopFailureAnswer(additional_context="x"), TypeError),
        (lambda: ElicitationAnswer(action="maybe"), ValueError),
        (lambda: ElicitationAnswer(halt=True), TypeError),
        (lambda: PreModelSwitchAnswer(permission="defer"), ValueError),
        (lambda: WorktreeCreateAnswer(worktree_path=5), TypeError),
        (lambda: SessionStartAnswer(watch_paths=["/a", 5]), TypeError),
    ],
)
def test_answers_refuse_what_the_event_cannot_express(build: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        build()


def test_the_valid_counterparts_are_accepted() -> None:
    assert StopAnswer(block=True, reason="go on").block is True
    assert PermissionRequestAnswer(behavior="allow", updated_input={}).updated_input == {}
    assert PermissionRequestAnswer(behavior="deny", message="m", interrupt=True).interrupt is True
    assert PreToolUseAnswer(permission="defer").permission == "defer"
    assert NotificationAnswer(additional_context="x").additional_context == "x"


def test_exit_code_block_carries_no_json_and_halt_wins_over_it() -> None:
    """On exit 2 Claude Code reads only stderr; continue:false wins over any decision."""
    blocked = render(TaskCompletedAnswer(block=True, reason="tests fail", system_message="note"))
    assert (blocked.payload, blocked.exit_code, blocked.stderr) == (None, 2, "tests fail")
    halted = render(TeammateIdleAnswer(block=True, reason="keep going", halt=True, stop_reason="stop now"))
    assert (halted.payload, halted.exit_code, halted.stderr) == (
        {"continue": False, "stopReason": "stop now"},
        0,
        None,
    )
