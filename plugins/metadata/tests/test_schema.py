"""SpecWeave's metadata rules on SpecWeave's own metadata.json files."""

from __future__ import annotations

import json

import pytest
from hookmux_metadata.schema import (
    STATUSES,
    TRANSITIONS,
    apply_tool,
    problems,
    status_of,
    transition_problem,
)
from metadata_support import real


@pytest.mark.parametrize("name", ["0044-metadata.json", "0045-metadata.json"])
def test_the_real_files_are_valid(name: str) -> None:
    assert problems(json.loads(real(name))) == []
    assert status_of(real(name)) == "completed"


def test_each_broken_rule_is_named_with_specweaves_message() -> None:
    good = json.loads(real("0044-metadata.json"))
    assert problems({**good, "status": "done"}) == [
        "Invalid status: done (must be one of: planning, active, backlog, paused, completed, abandoned)"
    ]
    assert problems({**good, "type": "epic"})[0].startswith(
        "Invalid type: epic (must be one of: hotfix, feature,"
    )
    missing = {k: v for k, v in good.items() if k not in ("id", "lastActivity")}
    assert problems(missing) == [
        "Metadata missing required field: id",
        "Metadata missing required field: lastActivity (an ISO 8601 timestamp)",
    ]
    assert problems({**good, "created": ""}) == [
        "Metadata missing required field: created (an ISO 8601 timestamp)"
    ]
    no_status = {k: v for k, v in good.items() if k != "status"}
    assert problems(no_status)[0].startswith("Invalid status: undefined")
    assert problems({**good, "status": None})[0].startswith("Invalid status: null")
    assert problems({**good, "status": ["active"]})[0].startswith(
        "Invalid status: active ("
    )  # JS string of an array
    assert problems([good]) == ["metadata.json must hold a JSON object, not list"]


def test_every_transition_of_specweaves_table() -> None:
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert ("active", "completed") in allowed and ("planning", "completed") not in allowed
    for old in STATUSES:
        for new in STATUSES:
            verdict = transition_problem(old, new)
            assert (verdict is None) == (old == new or (old, new) in allowed), (old, new)
    assert transition_problem("planning", "completed") == (
        "Invalid status transition: planning → completed. "
        "Valid transitions from planning: active, backlog, abandoned"
    )
    assert transition_problem(None, "completed") is None  # a new file: nothing to compare with
    assert transition_problem("weird", "completed") is None


def test_what_write_edit_and_multiedit_would_leave() -> None:
    text = real("0044-metadata.json")
    assert apply_tool("Write", {"content": "{}"}, text) == "{}"
    edited = apply_tool("Edit", {"old_string": '"completed"', "new_string": '"active"'}, text)
    assert edited is not None and json.loads(edited)["status"] == "active"
    assert (
        apply_tool("Edit", {"old_string": "absent", "new_string": "x"}, text) is None
    )  # the tool fails itself
    assert (
        apply_tool("Edit", {"old_string": "2025-11-19", "new_string": "2025-12-01"}, text) is None
    )  # not unique
    every = apply_tool(
        "Edit", {"old_string": "2025-11-19", "new_string": "2025-12-01", "replace_all": True}, text
    )
    assert every is not None and "2025-11-19" not in every
    multi = apply_tool(
        "MultiEdit",
        {"edits": [{"old_string": '"completed"', "new_string": '"paused"'},
                   {"old_string": '"feature"', "new_string": '"bug"'}]},
        text,
    )  # fmt: skip
    assert multi is not None and (json.loads(multi)["status"], json.loads(multi)["type"]) == ("paused", "bug")
    assert apply_tool("Edit", {"old_string": "", "new_string": "{}"}, None) == "{}"  # creates the file
    assert apply_tool("Read", {}, text) is None
