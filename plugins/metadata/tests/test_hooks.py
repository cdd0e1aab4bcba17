"""The two handlers as hookmux routes them (in-process), on the real files and the recorded payload."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import hookmux_metadata
import pytest
from hookmux_specstatus.logs import debug_log_path
from metadata_support import INC, metadata_file, post, pre, real, real_events, recorded_write, with_status

from hookmux.state.paths import scratch_dir
from hookmux.testing import run_event

PLUGINS = {"metadata": hookmux_metadata}


def decide(event: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    run = run_event(event, plugins=PLUGINS)
    output = run.output or {}
    specific = output.get("hookSpecificOutput", {})
    assert specific.get("permissionDecision") in (None, "deny")
    return run.statuses, specific.get("permissionDecisionReason")


def transitions(root: Path) -> list[dict[str, Any]]:
    path = root / ".specweave" / "state" / "status-transitions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_recorded_write_is_refused_with_every_missing_field(project: Path) -> None:
    statuses, reason = decide(recorded_write(project))  # Write {"status": "completed"} into 0001-demo
    assert statuses == {"metadata.hookmux_pre_tool_use": "ok"}
    assert reason is not None
    assert reason.startswith(
        "SpecWeave: this Write would leave .specweave/increments/0001-demo/metadata.json invalid"
    )
    for line in (
        "- Metadata missing required field: id",
        "- Invalid type: undefined",
        "- Metadata missing required field: created",
        "- Metadata missing required field: lastActivity",
    ):
        assert line in reason
    assert "Invalid status" not in reason  # "completed" is a status SpecWeave knows


def test_an_unknown_status_is_refused_and_the_file_is_untouched(project: Path) -> None:
    before = metadata_file(project).read_text()
    _, reason = decide(pre(project, "Write", {"content": with_status(before, "done")}))
    assert reason is not None and "- Invalid status: done (must be one of: planning, active," in reason
    assert metadata_file(project).read_text() == before


def test_a_transition_specweave_does_not_allow_is_refused(project: Path) -> None:
    edit = {"old_string": '"status": "active"', "new_string": '"status": "planning"'}
    _, reason = decide(pre(project, "Edit", edit))
    assert reason is not None
    assert (
        "- Invalid status transition: active → planning. Valid transitions from active: backlog, paused,"
        in reason
    )


def test_invalid_json_is_refused(project: Path) -> None:
    _, reason = decide(
        pre(project, "Edit", {"old_string": '"type": "feature",', "new_string": '"type": "feature"'})
    )
    assert reason is not None and "- metadata.json is invalid JSON: Expecting ',' delimiter" in reason


@pytest.mark.parametrize(
    "tool_input",
    [
        {"old_string": '"status": "active"', "new_string": '"status": "paused"'},  # allowed
        {"old_string": '"type": "feature"', "new_string": '"type": "refactor"'},  # no status change
        {"old_string": "not in the file", "new_string": "x"},  # Edit fails on its own
    ],
)
def test_valid_changes_pass_silently(project: Path, tool_input: dict[str, str]) -> None:
    assert decide(pre(project, "Edit", tool_input)) == ({"metadata.hookmux_pre_tool_use": "silent"}, None)


def test_other_files_and_archived_increments_never_reach_the_plugin(project: Path) -> None:
    events = real_events(project)  # the recorded Read and Edit of tasks.md
    assert [run_event(e, plugins=PLUGINS).statuses for e in events[:4]] == [{}, {}, {}, {}]
    archived = pre(project, "Write", {"content": "{}"})
    archived["tool_input"]["file_path"] = str(project / ".specweave/increments/_archive/0001/metadata.json")
    assert run_event(archived, plugins=PLUGINS).statuses == {}
    assert run_event(pre(project, "Read", {}), plugins=PLUGINS).statuses == {}


def test_a_status_change_is_recorded_with_its_time_and_the_status_line_refreshed(project: Path) -> None:
    before = metadata_file(project).read_text()
    after = json.loads(with_status(before, "paused"))
    after["statusReason"] = "waiting on API keys, token=ghp_abcdefghijklmnopqrstuvwx12"
    metadata_file(project).write_text(json.dumps(after, indent=2))  # the Write happened
    spec = project / ".specweave" / "increments" / INC / "spec.md"
    spec.write_text(
        spec.read_text().replace("status: active", "status: paused")
    )  # as SpecWeave's command does
    event = post(project, "Write", {"content": json.dumps(after)}, {"type": "update", "originalFile": before})
    started = time.time()
    run = run_event(event, plugins=PLUGINS)
    assert run.statuses == {"metadata.hookmux_post_tool_use": "silent"} and run.output is None
    [record] = transitions(project)
    assert (record["incrementId"], record["from"], record["to"], record["tool"]) == (
        INC,
        "active",
        "paused",
        "Write",
    )
    assert "ghp_" not in record["reason"] and "[REDACTED]" in record["reason"]
    stamp = time.mktime(time.strptime(record["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(stamp - started) < 5
    cache = json.loads((project / ".specweave" / "state" / "status-line.json").read_text())
    assert cache["current"] is None and cache["openCount"] == 0  # 0045 no longer open
    assert (
        "📊 Status changed: active → paused (0045-living-docs-external-sync)"
        in Path(debug_log_path(str(project))).read_text()
    )


def test_changes_without_a_new_status_record_nothing(project: Path) -> None:
    before = metadata_file(project).read_text()
    same = before.replace('"type": "feature"', '"type": "refactor"')
    metadata_file(project).write_text(same)
    event = post(
        project, "Edit", {"old_string": "feature", "new_string": "refactor"}, {"originalFile": before}
    )
    assert run_event(event, plugins=PLUGINS).statuses == {"metadata.hookmux_post_tool_use": "silent"}
    assert transitions(project) == []
    assert not (project / ".specweave" / "state" / "status-line.json").exists()


def test_without_original_file_the_pretooluse_stash_gives_the_old_status(project: Path) -> None:
    before = metadata_file(project).read_text()
    tool_input = {"old_string": '"status": "active"', "new_string": '"status": "backlog"'}
    call = pre(project, "Edit", tool_input)
    assert decide(call)[1] is None  # allowed; the status before the call is stashed
    metadata_file(project).write_text(before.replace('"status": "active"', '"status": "backlog"'))
    event = {
        **call,
        "hook_event_name": "PostToolUse",
        "tool_response": {"filePath": call["tool_input"]["file_path"]},
    }
    run_event(event, plugins=PLUGINS)
    assert [(t["from"], t["to"]) for t in transitions(project)] == [("active", "backlog")]


def test_stashes_left_over_an_hour_are_swept_by_a_later_call(project: Path, tmp_path: Path) -> None:
    state = Path(scratch_dir(str(tmp_path / "hookmux-home"))) / "plugins" / "metadata"
    state.mkdir(parents=True)
    stale, fresh = state / "before-refused-call.json", state / "before-running-call.json"
    for path in (stale, fresh):
        path.write_text('{"status": "active"}')
    hour_and_more = time.time() - 3700
    os.utime(stale, (hour_and_more, hour_and_more))
    edit = {"old_string": '"type": "feature"', "new_string": '"type": "refactor"'}
    assert decide(pre(project, "Edit", edit))[1] is None
    assert not stale.exists()
    assert fresh.exists()
    assert len(list(state.glob("before-*.json"))) == 2  # the fresh one and this call's
    # Swept once per process every few minutes, not on each call: a stash made stale
    # now stays until the next sweep.
    os.utime(fresh, (hour_and_more, hour_and_more))
    assert decide(pre(project, "Edit", edit))[1] is None
    assert fresh.exists()


def test_a_new_metadata_json_records_its_first_status(project: Path) -> None:
    path = metadata_file(project, "0046-new")
    path.parent.mkdir(parents=True)
    content = real("0044-metadata.json").replace("0044-integration-testing-status-hooks", "0046-new")
    assert (
        decide(pre(project, "Write", {"content": content}, "0046-new"))[1] is None
    )  # new file: no transition
    path.write_text(content)
    event = post(project, "Write", {"content": content}, {"type": "create", "originalFile": None})
    event["tool_input"]["file_path"] = str(path)
    run_event(event, plugins=PLUGINS)
    assert [(t["incrementId"], t["from"], t["to"]) for t in transitions(project)] == [
        ("0046-new", None, "completed")
    ]
