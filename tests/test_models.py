"""Event models: real payloads structure strictly, and errors name the event and field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from hookmux.protocol.answers import ANSWER_CLASSES, OBSERVE_ONLY, Answer
from hookmux.protocol.converter import StructureError, structure_event
from hookmux.protocol.eventmodels import (
    EVENT_CLASSES,
    HookEvent,
    PermissionRequest,
    PostToolBatch,
    PostToolUse,
    PostToolUseFailure,
    PreToolUse,
    SessionEnd,
    SessionStart,
    Stop,
    ToolCall,
    ToolEvent,
    UnknownEvent,
    UserPromptSubmit,
)
from hookmux.protocol.events import EVENT_NAMES, TOOL_EVENTS

LINES = [
    line
    for line in (Path(__file__).parent / "data" / "cc-2.1.330-events.ndjson").read_text().splitlines()
    if line.strip()
]
PAYLOADS: list[dict[str, Any]] = [json.loads(line) for line in LINES]


def real(event: str, tool_name: str | None = None) -> dict[str, Any]:
    for payload in PAYLOADS:
        if payload["hook_event_name"] == event and tool_name in (None, payload.get("tool_name")):
            return copy.deepcopy(payload)
    raise LookupError(event)


def error_of(payload: dict[str, Any]) -> StructureError:
    with pytest.raises(StructureError) as info:
        structure_event(payload)
    return info.value


#: The smallest payload Claude Code could send for each event: the common fields
#: and the fields that identify the event.
COMMON = {"session_id": "s-1", "cwd": "/home/user/proj"}
TOOL = {"tool_name": "Bash", "tool_input": {"command": "true"}}
REQUIRED: dict[str, dict[str, Any]] = {
    "PreToolUse": TOOL,
    "PostToolUse": TOOL,
    "PostToolUseFailure": TOOL,
    "PermissionRequest": TOOL,
    "PermissionDenied": TOOL,
    "PostToolBatch": {"tool_calls": []},
    "UserPromptSubmit": {"prompt": "hi"},
    "UserPromptExpansion": {},
    "Notification": {"message": "Claude needs your permission"},
    "Stop": {},
    "SubagentStop": {},
    "StopFailure": {"error": "rate_limit"},
    "SubagentStart": {},
    "SessionStart": {"source": "startup"},
    "SessionEnd": {"reason": "other"},
    "Setup": {"trigger": "init"},
    "PreCompact": {"trigger": "manual"},
    "PostCompact": {"trigger": "auto"},
    "PreModelSwitch": {},
    "PostModelSwitch": {},
    "Elicitation": {"mcp_server_name": "srv"},
    "ElicitationResult": {"mcp_server_name": "srv"},
    "CwdChanged": {},
    "FileChanged": {"file_path": "/home/user/proj/.envrc"},
    "DirectoryAdded": {"directory": "/home/user/other"},
    "ConfigChange": {"source": "project_settings"},
    "InstructionsLoaded": {"file_path": "/home/user/proj/CLAUDE.md"},
    "MessageDisplay": {"delta": "Hello"},
    "TaskCreated": {"task_id": "1"},
    "TaskCompleted": {"task_id": "1"},
    "TeammateIdle": {"teammate_name": "mate"},
    "WorktreeCreate": {"name": "feature"},
    "WorktreeRemove": {"worktree_path": "/home/user/proj-feature"},
}


def minimal(event: str) -> dict[str, Any]:
    return {"hook_event_name": event, **COMMON, **copy.deepcopy(REQUIRED[event])}


# -- the event tables -----------------------------------------------------------


def test_there_is_one_model_per_claude_code_event() -> None:
    assert len(EVENT_NAMES) == 33
    assert len(set(EVENT_NAMES)) == 33
    assert set(EVENT_CLASSES) == set(EVENT_NAMES)
    assert set(REQUIRED) == set(EVENT_NAMES)
    for name, cls in EVENT_CLASSES.items():
        assert cls.__name__ == name
        assert issubclass(cls, HookEvent)
        assert cls is not UnknownEvent


def test_tool_events_are_tool_event_models() -> None:
    for name in EVENT_NAMES:
        assert issubclass(EVENT_CLASSES[name], ToolEvent) is (name in TOOL_EVENTS)


def test_every_event_can_answer_or_is_observe_only() -> None:
    for name in EVENT_NAMES:
        # exactly one of the two
        assert (name in ANSWER_CLASSES) is not (name in OBSERVE_ONLY), name
    assert set(ANSWER_CLASSES) | set(OBSERVE_ONLY) == set(EVENT_NAMES)
    for name, cls in ANSWER_CLASSES.items():
        assert issubclass(cls, Answer)
        assert cls.event == name


# -- real payloads ---------------------------------------------------------------


@pytest.mark.parametrize("line", LINES, ids=[f"{i}-{p['hook_event_name']}" for i, p in enumerate(PAYLOADS)])
def test_every_captured_payload_structures_into_its_class(line: str) -> None:
    payload = json.loads(line)
    event = structure_event(payload)
    name = payload["hook_event_name"]
    assert type(event) is EVENT_CLASSES[name]
    assert type(event).__name__ == name
    assert event.raw == payload
    assert event.raw is payload
    assert payload == json.loads(line), "structuring must not change the payload"
    assert event.hook_event_name == name
    assert event.session_id == payload["session_id"]
    assert event.cwd == payload["cwd"]
    assert event.transcript_path == payload["transcript_path"]
    assert event.prompt_id == payload.get("prompt_id")
    assert event.permission_mode == payload.get("permission_mode")
    if "effort" in payload:
        assert event.effort is not None
        assert event.effort.level == payload["effort"]["level"]
    else:
        assert event.effort is None
    # every other field the model declares holds the payload's value as sent
    nested = {"raw", "effort", "tool_calls"}
    for field in attrs.fields(type(event)):
        if field.name in payload and field.name not in nested:
            assert getattr(event, field.name) == payload[field.name], field.name


def test_pre_tool_use_fields() -> None:
    bash = structure_event(real("PreToolUse", "Bash"))
    assert isinstance(bash, PreToolUse)
    assert bash.tool_name == "Bash"
    assert bash.command == "echo hello-from-bash"
    assert bash.file_path is None
    assert bash.tool_use_id == "toolu_2"
    assert bash.tool_input == {"command": "echo hello-from-bash", "description": "say hi"}

    write = structure_event(real("PreToolUse", "Write"))
    assert isinstance(write, PreToolUse)
    assert write.file_path == "/home/user/proj/notes.txt"
    assert write.command is None


@pytest.mark.parametrize(
    ("tool_input", "file_path", "command"),
    [
        ({"notebook_path": "/p/nb.ipynb"}, "/p/nb.ipynb", None),
        ({"path": "src"}, "src", None),
        ({"file_path": "a.py", "path": "b"}, "a.py", None),
        ({"file_path": 5}, None, None),
        ({"command": ["ls"]}, None, None),
        ({"command": "Get-ChildItem"}, None, "Get-ChildItem"),
    ],
)
def test_tool_event_properties(
    tool_input: dict[str, Any], file_path: str | None, command: str | None
) -> None:
    event = structure_event({**minimal("PreToolUse"), "tool_input": tool_input})
    assert isinstance(event, ToolEvent)
    assert event.file_path == file_path
    assert event.command == command


def test_post_tool_use_fields() -> None:
    event = structure_event(real("PostToolUse", "Bash"))
    assert isinstance(event, PostToolUse)
    assert event.tool_response == {
        "stdout": "hello-from-bash",
        "stderr": "",
        "interrupted": False,
        "isImage": False,
        "noOutputExpected": False,
    }
    assert event.duration_ms == 16.0
    assert isinstance(event.duration_ms, float)

    failure = structure_event(real("PostToolUseFailure"))
    assert isinstance(failure, PostToolUseFailure)
    assert failure.error == "Exit code 3"
    assert failure.is_interrupt is False


def test_post_tool_batch_calls() -> None:
    event = structure_event(real("PostToolBatch"))
    assert isinstance(event, PostToolBatch)
    assert len(event.tool_calls) == 1
    call = event.tool_calls[0]
    assert isinstance(call, ToolCall)
    assert call.tool_name == "Read"
    assert call.tool_input == {"file_path": "/home/user/proj/.specweave/increments/0001-demo/tasks.md"}
    assert call.tool_use_id == "toolu_2"
    assert isinstance(call.tool_response, str)
    assert call.tool_response.startswith("1\t# Tasks")


def test_other_captured_fields() -> None:
    stop = structure_event(real("Stop"))
    assert isinstance(stop, Stop)
    assert stop.stop_hook_active is False
    assert stop.last_assistant_message == "Finished."
    assert stop.background_tasks == []
    assert stop.session_crons == []

    active = structure_event({**real("Stop"), "stop_hook_active": True})
    assert isinstance(active, Stop)
    assert active.stop_hook_active is True

    start = structure_event(real("SessionStart"))
    assert isinstance(start, SessionStart)
    assert start.source == "startup"
    end = structure_event(real("SessionEnd"))
    assert isinstance(end, SessionEnd)
    assert end.reason == "other"
    prompt = structure_event(real("UserPromptSubmit"))
    assert isinstance(prompt, UserPromptSubmit)
    assert prompt.prompt == "say hello"
    request = structure_event(real("PermissionRequest"))
    assert isinstance(request, PermissionRequest)
    assert request.permission_suggestions == [
        {"type": "setMode", "mode": "acceptEdits", "destination": "session"}
    ]


@pytest.mark.parametrize("event", EVENT_NAMES)
def test_the_minimal_payload_of_every_event_structures(event: str) -> None:
    payload = minimal(event)
    model = structure_event(payload)
    assert type(model) is EVENT_CLASSES[event]
    assert model.raw is payload
    for key, value in REQUIRED[event].items():
        assert getattr(model, key) == value


@pytest.mark.parametrize(
    ("event", "field"),
    [("PreToolUse", "session_id"), ("Stop", "cwd")]
    + [(event, field) for event, fields in REQUIRED.items() for field in fields],
)
def test_a_missing_required_field_is_named(event: str, field: str) -> None:
    payload = minimal(event)
    del payload[field]
    error = error_of(payload)
    assert str(error) == f"{event} event: {field}: required field is missing"
    assert error.what == f"{event} event"
    assert error.messages == [f"{field}: required field is missing"]


def test_every_missing_field_is_named() -> None:
    payload = minimal("PreToolUse")
    del payload["tool_name"], payload["tool_input"]
    error = error_of(payload)
    assert sorted(error.messages) == [
        "tool_input: required field is missing",
        "tool_name: required field is missing",
    ]


def test_captured_pre_tool_use_without_tool_name() -> None:
    payload = real("PreToolUse", "Bash")
    del payload["tool_name"]
    assert str(error_of(payload)) == "PreToolUse event: tool_name: required field is missing"


# -- unknown fields and events -----------------------------------------------------


@pytest.mark.parametrize("line", LINES[:8])
def test_unknown_extra_fields_are_kept_in_raw(line: str) -> None:
    payload = json.loads(line)
    payload["field_from_the_future"] = {"nested": [1, 2, {"x": None}]}
    payload["raw"] = "not the model's raw"
    event = structure_event(payload)
    assert type(event).__name__ == payload["hook_event_name"]
    assert event.raw["field_from_the_future"] == {"nested": [1, 2, {"x": None}]}
    assert event.raw is payload
    assert not hasattr(event, "field_from_the_future")


def test_unknown_extra_fields_inside_a_tool_call_are_tolerated() -> None:
    payload = real("PostToolBatch")
    payload["tool_calls"][0]["new_key"] = 1
    event = structure_event(payload)
    assert isinstance(event, PostToolBatch)
    assert event.raw["tool_calls"][0]["new_key"] == 1


def test_an_unknown_event_becomes_unknown_event() -> None:
    payload = {"hook_event_name": "FutureEvent", **COMMON, "whatever": [1, 2], "permission_mode": "plan"}
    event = structure_event(payload)
    assert type(event) is UnknownEvent
    assert event.hook_event_name == "FutureEvent"
    assert event.session_id == "s-1"
    assert event.permission_mode == "plan"
    assert event.raw is payload
    assert event.raw["whatever"] == [1, 2]


def test_an_unknown_event_still_needs_the_common_fields() -> None:
    error = error_of({"hook_event_name": "FutureEvent", "cwd": "/"})
    assert str(error) == "FutureEvent event: session_id: required field is missing"


def test_a_payload_without_event_name_is_refused() -> None:
    error = error_of(dict(COMMON))
    assert "hook_event_name: required field is missing" in str(error)


# -- strict types --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "changes", "message"),
    [
        ("PreToolUse", {"session_id": 5}, "PreToolUse event: session_id: expected a string, got int 5"),
        ("PreToolUse", {"tool_input": ["ls"]}, "PreToolUse event: tool_input: expected an object, got list"),
        ("PreToolUse", {"tool_input": "ls"}, "PreToolUse event: tool_input: expected an object, got str"),
        ("PreToolUse", {"tool_name": 7}, "PreToolUse event: tool_name: expected a string, got int 7"),
        ("PreToolUse", {"tool_name": None}, "PreToolUse event: tool_name: expected a string, got null"),
        ("PreToolUse", {"cwd": True}, "PreToolUse event: cwd: expected a string, got bool True"),
        ("PreToolUse", {"effort": {"level": 3}}, "PreToolUse event: effort.level: expected a string"),
        (
            "Stop",
            {"stop_hook_active": "yes"},
            "Stop event: stop_hook_active: expected true or false, got str",
        ),
        ("Stop", {"stop_hook_active": 1}, "Stop event: stop_hook_active: expected true or false, got int 1"),
        ("Stop", {"background_tasks": {}}, "Stop event: background_tasks: expected a list, got dict"),
        ("PostToolUse", {"duration_ms": "16"}, "PostToolUse event: duration_ms: expected a number, got str"),
        ("PostToolUse", {"duration_ms": True}, "PostToolUse event: duration_ms: expected a number, got bool"),
        ("MessageDisplay", {"index": True}, "MessageDisplay event: index: expected an integer, got bool"),
        ("MessageDisplay", {"index": 1.0}, "MessageDisplay event: index: expected an integer, got float"),
        ("UserPromptSubmit", {"prompt": None}, "UserPromptSubmit event: prompt: expected a string, got null"),
        ("SessionStart", {"source": ["startup"]}, "SessionStart event: source: expected a string, got list"),
        ("PostToolBatch", {"tool_calls": "x"}, "PostToolBatch event: tool_calls: expected a list, got str"),
        ("PostToolBatch", {"tool_calls": {}}, "PostToolBatch event: tool_calls: expected a list, got dict"),
    ],
)
def test_wrong_types_are_rejected_not_coerced(event: str, changes: dict[str, Any], message: str) -> None:
    payload = {**minimal(event), **changes}
    assert str(error_of(payload)).startswith(message)


def test_an_int_is_accepted_where_a_number_is_expected() -> None:
    event = structure_event({**minimal("PostToolUse"), "duration_ms": 16})
    assert isinstance(event, PostToolUse)
    assert event.duration_ms == 16.0
    assert isinstance(event.duration_ms, float)


@pytest.mark.parametrize(
    ("event", "changes", "message"),
    [
        (
            "PostToolBatch",
            {"tool_calls": [{"tool_name": "Read", "tool_input": {}}, {"tool_input": {}}]},
            "PostToolBatch event: tool_calls[1].tool_name: required field is missing",
        ),
        (
            "PostToolBatch",
            {
                "tool_calls": [
                    {"tool_name": "Read", "tool_input": {}},
                    {"tool_name": "Bash", "tool_input": []},
                ]
            },
            "PostToolBatch event: tool_calls[1].tool_input: expected an object, got list",
        ),
        (
            "PostToolBatch",
            {"tool_calls": [{"tool_name": 1, "tool_input": {}}]},
            "PostToolBatch event: tool_calls[0].tool_name: expected a string, got int 1",
        ),
        (
            "PermissionRequest",
            {"permission_suggestions": [{"type": "setMode"}, "addRules"]},
            "PermissionRequest event: permission_suggestions[1]: expected an object, got str",
        ),
        (
            "InstructionsLoaded",
            {"globs": ["*.py", 3]},
            "InstructionsLoaded event: globs[1]: expected a string, got int 3",
        ),
    ],
)
def test_errors_inside_lists_name_the_index(event: str, changes: dict[str, Any], message: str) -> None:
    assert str(error_of({**minimal(event), **changes})).startswith(message)


def test_every_bad_list_item_is_reported() -> None:
    calls = [{"tool_name": 1, "tool_input": {}}, {"tool_name": "Read", "tool_input": {}}, {"tool_input": {}}]
    error = error_of({**minimal("PostToolBatch"), "tool_calls": calls})
    assert error.messages == [
        "tool_calls[0].tool_name: expected a string, got int 1",
        "tool_calls[2].tool_name: required field is missing",
    ]


@pytest.mark.parametrize(
    ("event", "changes", "where"),
    [
        ("PreToolUse", {"effort": "medium"}, "effort"),
        ("PostToolBatch", {"tool_calls": ["Read"]}, "tool_calls[0]"),
        ("PostToolBatch", {"tool_calls": [5]}, "tool_calls[0]"),
    ],
)
def test_a_nested_model_that_is_not_an_object_is_named(
    event: str, changes: dict[str, Any], where: str
) -> None:
    error = error_of({**minimal(event), **changes})
    assert len(error.messages) == 1
    assert error.messages[0].startswith(f"{where}: expected an object, got ")
