"""AC sync on the real increment 0045: it reproduces the events SpecWeave itself logged."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hookmux_specstatus.acsync import MAX_SYNC_EVENTS, sync_ac_status
from specstatus_support import INCREMENT, active_0045, make_project, real, spec_file

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def unchecked(spec: str) -> str:
    return spec.replace("- [x] **AC-", "- [ ] **AC-")


def increment(root: Path, **files: str) -> Path:
    base = active_0045()
    base.update({name.replace("_", "."): text for name, text in files.items()})
    make_project(root, {INCREMENT: base})
    return root / ".specweave" / "increments" / INCREMENT


def metadata(directory: Path) -> dict[str, object]:
    data = json.loads((directory / "metadata.json").read_text())
    assert isinstance(data, dict)
    return data


def test_checks_the_acs_whose_tasks_are_done_exactly_as_specweave_logged_it(tmp_path: Path) -> None:
    directory = increment(tmp_path, spec_md=unchecked(active_0045()["spec.md"]))
    result = sync_ac_status(str(directory))

    recorded = json.loads(real("0045-metadata.json"))["acSyncEvents"][0]  # SpecWeave's own event
    assert result.updated == recorded["updated"]
    assert result.conflicts == recorded["conflicts"] == []
    assert result.warnings == recorded["warnings"] == []
    assert result.changes[0] == "AC-US1-02: [ ] → [x] (1/1 tasks complete)"
    spec = (directory / "spec.md").read_text()
    assert spec == active_0045()["spec.md"]  # every AC checked again, nothing else touched

    events = metadata(directory)["acSyncEvents"]
    assert isinstance(events, list) and len(events) == 4  # prepended to the three real ones
    newest = events[0]
    assert {k: v for k, v in newest.items() if k != "timestamp"} == {
        k: v for k, v in recorded.items() if k != "timestamp"
    }
    assert ISO_MS.match(newest["timestamp"])
    assert events[1:] == json.loads(real("0045-metadata.json"))["acSyncEvents"]


def test_acs_without_tasks_give_specweaves_warnings(tmp_path: Path) -> None:
    tasks = re.sub(r"\*\*AC\*\*: .*\n", "", real("0045-tasks.md"))  # no task names an AC
    directory = increment(tmp_path, spec_md=unchecked(active_0045()["spec.md"]), tasks_md=tasks)
    result = sync_ac_status(str(directory))
    assert result.updated == []
    assert result.warnings == json.loads(real("0045-metadata.json"))["acSyncEvents"][1]["warnings"]
    assert metadata(directory)["acSyncEvents"][0]["changesCount"] == 0  # type: ignore[index]


def test_a_checked_ac_with_open_tasks_is_a_conflict_and_stays_checked(tmp_path: Path) -> None:
    tasks = real("0045-tasks.md").replace(
        "- [x] **AC-US1-02**: Function excludes", "- [ ] **AC-US1-02**: Function excludes"
    )
    directory = increment(tmp_path, tasks_md=tasks)
    before = (directory / "spec.md").read_text()
    result = sync_ac_status(str(directory))
    assert result.conflicts == ["AC-US1-02: [x] but only 0/1 tasks complete (0%)"]
    assert result.updated == []
    assert (directory / "spec.md").read_text() == before  # never unchecked
    assert metadata(directory)["acSyncEvents"][0]["conflicts"] == result.conflicts  # type: ignore[index]


def test_partial_completion_is_shown_with_two_decimals(tmp_path: Path) -> None:
    spec = "---\nstatus: active\n---\n- [x] **AC-US1-01**: shared\n"
    tasks = "".join(
        f"### T-00{n}: t\n**AC**: AC-US1-01\n- [{'x' if n < 3 else ' '}] step\n" for n in (1, 2, 3)
    )
    directory = increment(tmp_path, spec_md=spec, tasks_md=tasks)
    assert sync_ac_status(str(directory)).conflicts == ["AC-US1-01: [x] but only 2/3 tasks complete (66.67%)"]


def test_history_keeps_the_newest_twenty_and_bumps_last_activity(tmp_path: Path) -> None:
    directory = increment(tmp_path, spec_md=unchecked(active_0045()["spec.md"]))
    for _ in range(25):
        (directory / "spec.md").write_text(unchecked(active_0045()["spec.md"]))
        sync_ac_status(str(directory))
    data = metadata(directory)
    events = data["acSyncEvents"]
    assert isinstance(events, list) and len(events) == MAX_SYNC_EVENTS
    assert events[0]["timestamp"] >= events[-1]["timestamp"]
    assert data["lastActivity"] != "2025-11-19T08:00:00.000Z" and ISO_MS.match(str(data["lastActivity"]))
    assert list(data)[:7] == ["id", "status", "type", "created", "started", "completed", "lastActivity"]
    text = (directory / "metadata.json").read_text()
    assert text.startswith('{\n  "id": "0045-living-docs-external-sync",\n') and not text.endswith("\n")


def test_nothing_to_report_writes_nothing(tmp_path: Path) -> None:
    directory = increment(tmp_path)  # the real, fully synced increment
    before = (directory / "metadata.json").read_text()
    result = sync_ac_status(str(directory))
    assert (result.updated, result.conflicts, result.warnings, result.logged) == ([], [], [], False)
    assert (directory / "metadata.json").read_text() == before


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    spec = "---\r\nstatus: active\r\n---\r\n- [ ] **AC-US1-01**: one\r\n"
    directory = increment(tmp_path, tasks_md="### T-001: t\r\n**AC**: AC-US1-01\r\n- [x] done\r\n")
    (directory / "spec.md").write_bytes(spec.encode())
    sync_ac_status(str(directory))
    assert (directory / "spec.md").read_bytes() == spec.replace("- [ ]", "- [x]").encode()


def test_a_missing_metadata_json_is_not_created(tmp_path: Path) -> None:
    directory = increment(tmp_path, spec_md=unchecked(active_0045()["spec.md"]))
    (directory / "metadata.json").unlink()
    result = sync_ac_status(str(directory))
    assert result.synced and not result.logged
    assert not (directory / "metadata.json").exists()
    assert spec_file(tmp_path).read_text().count("- [x] **AC-") == 7


def test_missing_files_are_warnings_only(tmp_path: Path) -> None:
    directory = increment(tmp_path)
    (directory / "tasks.md").unlink()
    assert sync_ac_status(str(directory)).warnings == ["tasks.md does not exist"]
    (directory / "spec.md").unlink()
    assert sync_ac_status(str(directory)).warnings == ["spec.md does not exist"]
