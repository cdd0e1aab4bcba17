"""The journal on the real CLAMS files: formats, the state machine, orphans, the lock."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
from ghap_helpers import CLAMS_DATA, SEED_GHAP_ID, SEED_SESSION
from hookmux_ghap import model
from hookmux_ghap.journal import Journal, LockTimeout, archive_name

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def seed_lines() -> list[str]:
    return (CLAMS_DATA / "session_entries.jsonl").read_text().splitlines()


def test_the_real_files_read_and_write_back_byte_for_byte(seeded: Path) -> None:
    journal = Journal(str(seeded))
    assert journal.session_id() == SEED_SESSION
    assert journal.tool_count() == 0  # "0\n", as session_start.sh writes it
    current = journal.current()
    assert current is not None and current["id"] == SEED_GHAP_ID
    # current_ghap.json is GHAPEntry.to_dict with indent=2: what we write is what CLAMS wrote
    with journal.lock():
        journal._save_current(current)
    assert (seeded / "current_ghap.json").read_text() == (
        CLAMS_DATA / "current_ghap.json"
    ).read_text().rstrip("\n")
    entries = journal.entries()
    assert [e["id"] for e in entries] == [json.loads(line)["id"] for line in seed_lines()]
    assert [json.dumps(e) for e in entries] == seed_lines()  # session_entries.jsonl, line for line


def test_resolving_the_real_active_ghap_gives_the_shape_clams_archived(seeded: Path) -> None:
    """current_ghap.json is line 2 of session_entries.jsonl before its resolution."""
    journal = Journal(str(seeded))
    entry = journal.resolve(
        "confirmed",
        "All MCP tools work correctly.",
        lesson={"what_worked": "Systematic testing of each tool", "takeaway": "Index first"},
    )
    clams = json.loads(seed_lines()[1])
    assert list(entry) == list(clams)  # same keys, same order
    assert {k: entry[k] for k in model.REQUIRED_KEYS} == {k: clams[k] for k in model.REQUIRED_KEYS}
    assert entry["history"] == clams["history"] and entry["iteration_count"] == 2
    assert list(entry["outcome"]) == ["status", "result", "captured_at", "auto_captured"]
    assert ISO_Z.match(entry["outcome"]["captured_at"])
    assert entry["confidence_tier"] == "silver" and entry["outcome"]["auto_captured"] is False
    assert not (seeded / "current_ghap.json").exists()
    written = (seeded / "session_entries.jsonl").read_text().splitlines()
    assert written[:3] == seed_lines() and json.loads(written[3]) == entry


def test_a_falsified_resolution_keeps_the_originals_key_order(seeded: Path) -> None:
    clams = json.loads(seed_lines()[2])  # the real falsified entry
    root_cause = clams["root_cause"]
    model.validate_resolve(
        "falsified", clams["outcome"]["result"], clams["surprise"], root_cause, clams["lesson"]
    )
    entry = Journal(str(seeded)).resolve(
        "falsified", clams["outcome"]["result"], clams["surprise"], root_cause, clams["lesson"]
    )
    assert list(entry) == list(clams)
    assert entry["root_cause"] == {"category": "wrong-scope", "description": root_cause["description"]}


@pytest.mark.parametrize(
    ("status", "surprise", "root_cause", "lesson", "message"),
    [
        (
            "falsified",
            None,
            {"category": "oversight", "description": "d"},
            None,
            "Field 'surprise' is required",
        ),
        (
            "falsified",
            "  ",
            {"category": "oversight", "description": "d"},
            None,
            "Field 'surprise' is required",
        ),
        ("falsified", "s", None, None, "Field 'root_cause' is required when status is 'falsified'"),
        (
            "falsified",
            "s",
            {"category": "", "description": "d"},
            None,
            "Field 'root_cause.category' is required",
        ),
        (
            "falsified",
            "s",
            {"category": "oversight", "description": ""},
            None,
            "'root_cause.description' is required",
        ),
        (
            "falsified",
            "s",
            {"category": "bad-luck", "description": "d"},
            None,
            "Invalid root_cause category 'bad-luck'",
        ),
        ("confirmed", None, None, {"what_worked": "", "takeaway": "t"}, "'lesson.what_worked' is required"),
        (
            "solved",
            None,
            None,
            None,
            "Invalid outcome status 'solved'. Valid options: confirmed, falsified, abandoned",
        ),
    ],
)
def test_resolution_validation_is_the_mcp_tools(
    status: str,
    surprise: str | None,
    root_cause: dict[str, str] | None,
    lesson: dict[str, str | None] | None,
    message: str,
) -> None:
    with pytest.raises(model.ValidationError, match=re.escape(message)):
        model.validate_resolve(status, "result", surprise, root_cause, lesson)


def test_every_root_cause_category_of_the_original_is_accepted() -> None:
    assert len(model.ROOT_CAUSE_CATEGORIES) == 9
    for category in model.ROOT_CAUSE_CATEGORIES:
        model.validate_resolve("falsified", "r", "s", {"category": category, "description": "d"}, None)


def test_text_limits() -> None:
    with pytest.raises(
        model.ValidationError, match="Field 'goal' exceeds 1000 character limit \\(1001 chars\\)"
    ):
        model.validate_start("debugging", "trial-and-error", "g" * 1001, "h", "a", "p")
    with pytest.raises(model.ValidationError, match="Field 'hypothesis' cannot be empty"):
        model.validate_start("debugging", "trial-and-error", "g", " ", "a", "p")
    with pytest.raises(model.ValidationError, match="Invalid domain 'cooking'"):
        model.validate_start("cooking", "trial-and-error", "g", "h", "a", "p")
    with pytest.raises(model.ValidationError, match="Field 'result' exceeds 2000"):
        model.validate_resolve("confirmed", "r" * 2001, None, None, None)


def test_update_pushes_history_only_when_the_triple_changes(seeded: Path) -> None:
    journal = Journal(str(seeded))
    before = journal.current()
    assert before is not None and before["iteration_count"] == 2
    entry = journal.update(strategy="check-assumptions")  # strategy alone: no history
    assert entry["iteration_count"] == 2 and len(entry["history"]) == 1
    entry = journal.update(note="search_commits is empty because nothing is indexed")
    assert entry["notes"][-1].startswith("search_commits is empty") and entry["iteration_count"] == 2
    entry = journal.update(hypothesis=before["hypothesis"])  # same text: no change
    assert entry["iteration_count"] == 2
    entry = journal.update(prediction="search_commits returns results once indexed")
    assert entry["iteration_count"] == 3
    pushed = entry["history"][-1]
    assert list(pushed) == ["timestamp", "hypothesis", "action", "prediction"]
    assert pushed["prediction"] == before["prediction"] and ISO_Z.match(pushed["timestamp"])
    assert journal.current() == entry  # saved


def test_a_second_start_is_refused_while_one_is_active(seeded: Path) -> None:
    journal = Journal(str(seeded))
    with pytest.raises(model.ActiveGHAPError, match=f"Active GHAP exists \\(id: {SEED_GHAP_ID}\\)"):
        journal.create("debugging", "trial-and-error", "g", "h", "a", "p")


def test_start_outside_a_session_starts_one_with_the_collectors_id_format(journal_dir: Path) -> None:
    journal = Journal(str(journal_dir))
    entry = journal.create("testing", "divide-and-conquer", "g", "h", "a", "p")
    assert re.fullmatch(r"ghap_\d{8}_\d{6}_[0-9a-f]{6}", entry["id"])
    assert re.fullmatch(r"session_\d{8}_\d{6}_[0-9a-f]{6}", entry["session_id"])
    assert (journal_dir / ".session_id").read_text() == entry["session_id"]
    assert ISO_Z.match(entry["created_at"]) and entry["iteration_count"] == 1
    assert json.loads((journal_dir / "current_ghap.json").read_text()) == entry


def test_session_start_reports_the_orphan_before_overwriting_the_session(seeded: Path) -> None:
    journal = Journal(str(seeded))
    (seeded / ".tool_count").write_text("7")
    orphan = journal.start_session("0b8e4c7e-2f9a-4d61-9c55-3f1e0f7a9d10")
    assert orphan is not None and orphan["id"] == SEED_GHAP_ID
    assert (seeded / ".session_id").read_text() == "0b8e4c7e-2f9a-4d61-9c55-3f1e0f7a9d10"
    assert (seeded / ".tool_count").read_text() == "0"
    # the previous session's resolved entries went to its archive, named by the id's date
    archived = seeded / "archive" / f"20251206_{SEED_SESSION}.jsonl"
    assert archived.read_text().splitlines() == seed_lines()
    assert not (seeded / "session_entries.jsonl").exists()
    # the GHAP itself stays: it can be adopted or abandoned
    assert journal.current() is not None and journal.is_orphan(journal.current() or {})


def test_resuming_the_ghaps_own_session_is_no_orphan(seeded: Path) -> None:
    journal = Journal(str(seeded))
    journal.start_session("other-session")
    assert journal.start_session(SEED_SESSION) is None  # back to the GHAP's session (resume)


def test_the_same_session_starting_again_reports_nothing_and_archives_nothing(seeded: Path) -> None:
    journal = Journal(str(seeded))
    assert journal.start_session(SEED_SESSION) is None  # compact/resume of the journal's session
    assert (seeded / "session_entries.jsonl").read_text().splitlines() == seed_lines()
    assert not any((seeded / "archive").glob("*.jsonl"))


def test_adopt_and_abandon_an_orphan(seeded: Path) -> None:
    journal = Journal(str(seeded))
    journal.start_session("new-session")
    adopted = journal.adopt()
    assert adopted is not None and adopted["session_id"] == "new-session"
    assert journal.adopt() is None  # no longer an orphan

    journal.start_session("third-session")
    entry, where = journal.abandon("superseded by the indexing work")
    assert entry["outcome"]["status"] == "abandoned" and entry["confidence_tier"] == "abandoned"
    # abandon_orphan: into the orphan's own session archive, not this session's entries
    assert where.endswith(archive_name("new-session"))
    assert json.loads(Path(where).read_text().splitlines()[-1])["id"] == SEED_GHAP_ID
    assert journal.current() is None and journal.entries() == []


def test_abandoning_a_ghap_of_this_session_records_it_in_the_session(journal_dir: Path) -> None:
    journal = Journal(str(journal_dir))
    journal.start_session("s")
    journal.create("debugging", "trial-and-error", "g", "h", "a", "p")
    entry, where = journal.abandon("user changed course")
    assert where == str(journal_dir / "session_entries.jsonl")
    assert journal.entries() == [entry] and entry["outcome"]["result"] == "user changed course"


def test_archive_names() -> None:
    assert archive_name("session_20251206_175530_8992c6") == "20251206_session_20251206_175530_8992c6.jsonl"
    uuid_name = archive_name("165287c6-61b7-46a7-9b5e-ac664469970d", now=0)
    assert uuid_name == "19700101_165287c6-61b7-46a7-9b5e-ac664469970d.jsonl"


def test_archives_are_appended_never_overwritten(journal_dir: Path) -> None:
    journal = Journal(str(journal_dir))
    for round_ in range(2):
        journal.start_session("A")
        journal.create("debugging", "trial-and-error", f"goal {round_}", "h", "a", "p")
        journal.resolve("confirmed", "done")
        journal.start_session("B")
    archived = [e["goal"] for e in journal.archived()]
    assert archived == ["goal 0", "goal 1"]


def test_a_corrupted_current_ghap_is_moved_aside(journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    (journal_dir / "current_ghap.json").write_text('{"id": "ghap_x", "goal": ')
    journal = Journal(str(journal_dir))
    assert journal.current() is None
    assert not (journal_dir / "current_ghap.json").exists()
    assert [p.name.startswith("current_ghap.corrupted.") for p in journal_dir.iterdir()] == [True]


def test_malformed_session_lines_are_skipped(seeded: Path) -> None:
    with (seeded / "session_entries.jsonl").open("a") as fh:
        fh.write("{not json\n")
    assert len(Journal(str(seeded)).entries()) == 3


def test_check_in_is_due_every_frequency_calls_only_while_a_ghap_is_active(journal_dir: Path) -> None:
    journal = Journal(str(journal_dir))
    assert [journal.count_tool_call(3)[1] for _ in range(4)] == [None] * 4  # no GHAP: just counting
    assert journal.tool_count() == 4
    journal.create("debugging", "trial-and-error", "g", "h", "a", "p")  # resets the count
    due = [journal.count_tool_call(3)[1] is not None for _ in range(7)]
    assert due == [False, False, True, False, False, True, False]
    assert journal.tool_count() == 1


def test_parallel_writers_lose_no_count(journal_dir: Path) -> None:
    """Each thread opens the lock on its own file descriptor, as separate processes do."""
    Journal(str(journal_dir)).ensure()

    def work() -> None:
        journal = Journal(str(journal_dir))
        for _ in range(25):
            journal.count_tool_call(10**6)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (journal_dir / ".tool_count").read_text() == "200"
    assert not [p for p in journal_dir.iterdir() if p.name.endswith(".tmp")]


def test_the_count_file_stays_a_plain_integer_across_widths_and_resets(journal_dir: Path) -> None:
    """The count is rewritten in place: a longer number covers the old digits, a reset
    leaves exactly "0" (no digit of the old count left behind)."""
    journal = Journal(str(journal_dir))
    journal.create("debugging", "trial-and-error", "g", "h", "a", "p")
    (journal_dir / ".tool_count").write_text("99\n")  # as the original's scripts write it
    assert journal.count_tool_call(1000) == (100, None)
    assert (journal_dir / ".tool_count").read_text() == "100"
    count, due = journal.count_tool_call(101)
    assert (count, due is not None) == (101, True)
    assert (journal_dir / ".tool_count").read_text() == "0"
    assert journal.count_tool_call(101)[0] == 1
    (journal_dir / ".tool_count").write_text("garbage")
    assert journal.count_tool_call(1000)[0] == 1
    assert (journal_dir / ".tool_count").read_text() == "1"


def test_a_symlinked_count_file_is_replaced_not_written_through(journal_dir: Path, tmp_path: Path) -> None:
    journal = Journal(str(journal_dir))
    journal.ensure()
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("5")
    (journal_dir / ".tool_count").symlink_to(elsewhere)
    assert journal.count_tool_call(1000)[0] == 6
    assert elsewhere.read_text() == "5"
    assert not (journal_dir / ".tool_count").is_symlink()
    assert (journal_dir / ".tool_count").read_text() == "6"


def test_a_held_lock_times_out_instead_of_hanging(journal_dir: Path) -> None:
    holder = Journal(str(journal_dir))
    waiter = Journal(str(journal_dir), lock_timeout=0.2)
    with holder.lock():
        started = time.monotonic()
        with pytest.raises(LockTimeout):
            waiter.count_tool_call(10)
        assert 0.15 < time.monotonic() - started < 2
    assert waiter.count_tool_call(10)[0] == 1  # released: works again


def test_resolution_is_gold_only_when_a_test_outcome_agrees(journal_dir: Path) -> None:
    journal = Journal(str(journal_dir))
    journal.create("debugging", "trial-and-error", "g", "h", "a", "tests fail until the fix")
    journal.record_outcome({"kind": "test", "success": False})
    entry = journal.resolve(
        "falsified", "still red", "surprise", {"category": "oversight", "description": "d"}
    )
    assert entry["outcome"]["auto_captured"] is True and entry["confidence_tier"] == "gold"
    assert journal.last_outcome() is None

    journal.create("debugging", "trial-and-error", "g", "h", "a", "p")
    journal.record_outcome({"kind": "test", "success": False})
    assert journal.resolve("confirmed", "looked fine")["confidence_tier"] == "silver"  # disagrees

    journal.create("debugging", "trial-and-error", "g", "h", "a", "p")
    journal.record_outcome({"kind": "test", "success": True})
    journal.update(hypothesis="a new idea")  # the outcome predates this iteration
    assert journal.resolve("confirmed", "ok")["confidence_tier"] == "silver"


def test_tier_weights_are_the_clustering_weights() -> None:
    assert model.CONFIDENCE_TIERS == ("gold", "silver", "bronze", "abandoned")
    assert [model.tier_weight({"confidence_tier": t}) for t in model.CONFIDENCE_TIERS] == [1.0, 0.8, 0.5, 0.2]
    assert model.tier_weight({}) == 0.5
