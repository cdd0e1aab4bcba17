"""SpecWeave's parsers on SpecWeave's own increments (tests/data: real files from the repository)."""

from __future__ import annotations

from hookmux_specstatus.specweave import (
    count_acs,
    count_tasks,
    first_field,
    parse_spec_for_acs,
    parse_tasks,
    parse_tasks_for_ac_status,
)
from specstatus_support import real


def test_task_counter_on_0045_counts_headings_and_finds_no_completion_marker() -> None:
    # 0045 marks tasks "**Status**: Completed" (no checkbox): not one of TaskCounter's markers,
    # so SpecWeave's status line shows 0/10 for it, and so does this port.
    tasks = parse_tasks(real("0045-tasks.md"))
    assert [t.id for t in tasks] == [f"T-{n:03d}" for n in range(1, 11)]
    assert tasks[0].title == "Add findAllSyncableIncrements() function"
    count = count_tasks(real("0045-tasks.md"))
    assert (count.completed, count.total, count.percentage) == (0, 10, 0)


def test_task_counter_on_the_us_linked_format_0048() -> None:
    text = real("0048-tasks-us-linked.md")
    count = count_tasks(text)
    assert (count.completed, count.total, count.percentage) == (8, 8, 100)
    reopened = text.replace("**Status**: [x] completed", "**Status**: [ ] pending", 3)
    count = count_tasks(reopened)
    assert (count.completed, count.total, count.percentage) == (5, 8, 62)  # floor(62.5)


def test_each_completion_marker_counts_a_task_once() -> None:
    text = (
        "## T-001: heading level two\n[x] done at line start\n"
        "### T-002: status checkbox, any case\n**status**: [X] completed\n"
        "### T-003: completed date\n**Completed**: 2025-11-19\n"
        "### T-004: every marker at once\n[x] a\n**Status**: [x]\n**Completed**: yes\n"
        "### T-005: open\n**Status**: [ ] pending\n- [x] a step (not a TaskCounter marker)\n"
        "#### T-006 no colon still a task\n"
    )
    count = count_tasks(text)
    assert (count.completed, count.total) == (4, 6)
    assert count.percentage == 66


def test_percentage_is_floored_in_floating_point_like_javascript() -> None:
    tasks = "".join(f"### T-{n:03d}: t\n{'**Status**: [x]' if n <= 29 else ''}\n" for n in range(1, 101))
    assert count_tasks(tasks).percentage == 28  # (29 / 100) * 100 == 28.999999999999996
    assert count_tasks("").percentage == 0


def test_ac_checkbox_lines_of_0045_spec() -> None:
    spec = real("0045-spec.md")
    assert count_acs(spec) == (7, 7)
    assert count_acs(spec.replace("- [x] **AC-US1-03**", "- [ ] **AC-US1-03**")) == (6, 7)
    assert count_acs("- [x] AC-1: not bold\n  - [x] **AC-2**: indented\n") == (0, 0)


def test_first_status_and_created_lines_as_grep_and_cut_read_them() -> None:
    spec = real("0045-spec.md")
    assert first_field(spec, "status") == "completed"
    assert first_field(spec, "created", rest=True) == "2025-11-19T00:00:00.000Z"
    assert first_field(spec, "created") == "2025-11-19T00"  # cut -f2 stops at the next colon
    assert first_field("---\ntitle: x\n---\n", "status") is None
    assert first_field("status: active\r\n", "status") == "active"


def test_ac_status_of_0045_tasks_in_the_order_tasks_name_them() -> None:
    statuses = parse_tasks_for_ac_status(real("0045-tasks.md"))
    assert list(statuses) == ["AC-US1-02", "AC-US1-01", *[f"AC-US1-0{n}" for n in range(3, 8)]]
    assert statuses["AC-US1-02"].tasks == ["T-001"]
    assert all(s.is_complete for s in statuses.values())  # each task has - [x] lines and no - [ ]


def test_ac_status_of_0048_reads_satisfies_acs_and_the_status_field() -> None:
    text = real("0048-tasks-us-linked.md")
    statuses = parse_tasks_for_ac_status(text)
    assert statuses["AC-US3-01"].tasks == ["T-001", "T-002", "T-007"]
    assert all(s.is_complete for s in statuses.values())
    reopened = parse_tasks_for_ac_status(
        text.replace("**Status**: [x] completed", "**Status**: [ ] pending", 1)
    )
    assert (reopened["AC-US3-01"].completed_tasks, reopened["AC-US3-01"].total_tasks) == (2, 3)
    assert reopened["AC-US3-01"].percentage == 66.67
    assert not reopened["AC-US3-01"].is_complete


def test_a_task_with_an_open_checkbox_is_incomplete_for_ac_sync() -> None:
    text = (
        "### T-001: x\n**AC**: AC-US1-01, AC-US1-02\n- [x] one\n- [ ] two\n"
        "### T-002: y\n**AC**: AC-US1-02\n- [x] a\n"
    )
    statuses = parse_tasks_for_ac_status(text)
    assert (statuses["AC-US1-01"].completed_tasks, statuses["AC-US1-01"].total_tasks) == (0, 1)
    assert (statuses["AC-US1-02"].completed_tasks, statuses["AC-US1-02"].total_tasks) == (1, 2)
    assert parse_tasks_for_ac_status("### T-001: no ACs\n- [x] done\n") == {}


def test_spec_acs_of_0045_with_their_lines() -> None:
    acs = parse_spec_for_acs(real("0045-spec.md"))
    assert list(acs) == [f"AC-US1-0{n}" for n in range(1, 8)]
    first = acs["AC-US1-01"]
    assert first.checked and first.line_number == 83
    assert first.description.startswith("`/specweave:sync-docs` without arguments")
    plain = parse_spec_for_acs("- [ ] AC-US2-01: plain form\n- [x] **AC-US2-02**: bold\n")
    assert [(a.ac_id, a.checked) for a in plain.values()] == [("AC-US2-01", False), ("AC-US2-02", True)]
