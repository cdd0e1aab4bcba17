"""Stop's housekeeping: backup (logs, memories, database, transcript), rotation, cleanup."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import sqlite3
import time
from pathlib import Path

import attrs
from hookmux_feedback.backup import backup, daily_cleanup, rotate_debug_log
from hookmux_feedback.config import Config, Paths, resolve_paths
from hookmux_feedback.storage import Hit, record
from hookmux_feedback.transcript import checked_transcript

SECRET = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def some_feedback(paths: Paths) -> str:
    hit = Hit(
        kind="win", pattern="great", session_id="s", project="p", user_message="great",
        context_summary="c", ai_summary="a",
    )  # fmt: skip
    return record(paths, [hit])[0].cache_file


def test_backup_copies_logs_memories_database_and_the_redacted_transcript(
    paths: Paths, transcript: Path
) -> None:
    memory = some_feedback(paths)
    with transcript.open("a", encoding="utf-8") as fh:  # a secret typed in the session
        fh.write(json.dumps({"type": "user", "message": {"role": "user", "content": f"use {SECRET}"}}) + "\n")
    result = backup(paths, str(transcript))
    dest = Path(paths.backup_dir)
    assert result.skipped is None
    assert (dest / "logs" / "session-wins.jsonl").read_text() == Path(paths.wins).read_text()
    assert (dest / "cache" / os.path.basename(memory)).read_text() == Path(memory).read_text()
    conn = sqlite3.connect(dest / "claudarity.db")
    assert conn.execute("SELECT pattern FROM feedback_entries").fetchall() == [("great",)]
    conn.close()
    copy = dest / "transcripts" / transcript.parent.name / transcript.name
    assert result.transcript == str(copy)
    lines = copy.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(transcript.read_text(encoding="utf-8").splitlines())
    assert SECRET not in copy.read_text(encoding="utf-8") and "use [REDACTED]" in lines[-1]
    assert json.loads(lines[0])["sessionId"] == transcript.stem  # every line still JSON
    original = transcript.read_text(encoding="utf-8").splitlines()
    same = [a for a, b in zip(lines, original, strict=True) if a == b]
    assert len(same) >= len(original) - 5  # lines with nothing to mask are kept byte for byte
    [log] = (dest / ".backup_log").read_text().splitlines()
    assert log.endswith(f" | Synced session logs to {dest}")
    assert backup(paths, str(transcript)).copied == 0  # --update: nothing changed, nothing copied


def test_the_redacted_transcript_copy_grows_with_the_session(paths: Paths, transcript: Path) -> None:
    first = backup(paths, str(transcript))
    assert first.transcript is not None
    copy = Path(first.transcript)
    before = copy.read_text(encoding="utf-8")
    added = json.dumps({"type": "user", "message": {"role": "user", "content": f"later {SECRET}"}})
    with transcript.open("a", encoding="utf-8") as fh:
        fh.write(added + "\n" + '{"type": "assistant", "mess')  # Claude Code is still writing this line
    os.utime(transcript, (time.time() + 5, time.time() + 5))
    backup(paths, str(transcript))
    after = copy.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended, not rewritten
    assert [json.loads(x) for x in after[len(before) :].splitlines()] == [
        json.loads(added.replace(SECRET, "[REDACTED]"))
    ]  # the cut line waits
    with transcript.open("a", encoding="utf-8") as fh:
        fh.write('age": {"content": []}}\n')
    os.utime(transcript, (time.time() + 10, time.time() + 10))
    backup(paths, str(transcript))
    assert (
        copy.read_text(encoding="utf-8").splitlines()[-1]
        == '{"type": "assistant", "message": {"content": []}}'
    )
    # a transcript replaced by another file (new inode) is copied again in full
    replacement = transcript.with_name("new.tmp")
    replacement.write_text('{"type": "user", "message": {"content": "fresh"}}\n', encoding="utf-8")
    os.replace(replacement, transcript)
    os.utime(transcript, (time.time() + 20, time.time() + 20))
    backup(paths, str(transcript))
    assert copy.read_text(encoding="utf-8") == '{"type": "user", "message": {"content": "fresh"}}\n'


def test_an_unredacted_backup_is_a_byte_copy(paths: Paths, transcript: Path) -> None:
    result = backup(paths, str(transcript), redacted=False)
    assert result.transcript and Path(result.transcript).read_bytes() == transcript.read_bytes()


def test_a_configured_backup_directory_that_is_missing_is_skipped(tmp_path: Path, transcript: Path) -> None:
    state = str(tmp_path / "hookmux-home" / "plugins" / "feedback")
    paths = resolve_paths(Config(backup_dir=str(tmp_path / "unmounted")), state)
    some_feedback(paths)
    result = backup(paths, str(transcript))
    assert result.skipped and "does not exist" in result.skipped
    assert not (tmp_path / "unmounted").exists()
    (tmp_path / "unmounted").mkdir()
    assert backup(paths, str(transcript)).transcript is not None


def test_only_transcripts_under_claude_projects_are_read(tmp_path: Path, transcript: Path) -> None:
    assert checked_transcript(str(transcript)) == str(transcript)
    stray = tmp_path / "myproj" / "secrets.jsonl"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("{}\n")
    assert checked_transcript(str(stray)) is None
    assert (
        checked_transcript(str(transcript.parent / ".." / ".." / ".." / ".." / "myproj" / "secrets.jsonl"))
        is None
    )
    link = transcript.parent / "link.jsonl"
    link.symlink_to(stray)
    assert checked_transcript(str(link)) is None  # a symlink out of the projects directory
    assert checked_transcript(str(transcript.with_suffix(".txt"))) is None
    assert checked_transcript(None) is None


def test_the_debug_log_rotates_past_512000_bytes_into_gzip_archives(paths: Paths) -> None:
    log = Path(paths.debug_log)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"x" * 512_000)
    assert rotate_debug_log(paths, 512_000, 10) is None  # at the limit: kept
    content = b"y" * 512_001
    log.write_bytes(content)
    when = dt.datetime(2026, 11, 21, 20, 15, 3)
    archive = rotate_debug_log(paths, 512_000, 10, when)
    assert archive == os.path.join(paths.archive_dir, "debug-20261121-201503.log.gz")
    with gzip.open(archive, "rb") as fh:
        assert fh.read() == content
    header = log.read_text().splitlines()
    assert header == [
        "2026-11-21 20:15:03: Log rotated (previous size: 512001 bytes)",
        f"2026-11-21 20:15:03: Archived to: {archive}",
        "2026-11-21 20:15:03: Continuing debug logging...",
    ]


def test_only_the_newest_archives_are_kept(paths: Paths) -> None:
    log = Path(paths.debug_log)
    log.parent.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(5):
        log.write_bytes(b"z" * 2000)
        archive = rotate_debug_log(paths, 1000, 3, dt.datetime(2026, 11, 21, 20, 0, i))
        assert archive is not None and os.path.exists(archive)
        os.utime(archive, (time.time() - 100 + i, time.time() - 100 + i))
        made.append(os.path.basename(archive))
    assert sorted(os.listdir(paths.archive_dir)) == sorted(made[-3:])


def test_cleanup_deletes_old_memory_files_once_a_day_and_keeps_the_rows(paths: Paths) -> None:
    old, recent = some_feedback(paths), some_feedback(paths)
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    assert daily_cleanup(paths, 30, today="2026-11-21") == 1
    assert not os.path.exists(old) and os.path.exists(recent)
    os.utime(recent, (month_ago, month_ago))
    assert daily_cleanup(paths, 30, today="2026-11-21") is None  # already done today
    assert os.path.exists(recent)
    assert daily_cleanup(paths, 30, today="2026-11-22") == 1
    conn = sqlite3.connect(paths.db)
    assert conn.execute("SELECT count(*) FROM feedback_entries").fetchone() == (2,)
    conn.close()


def test_the_backup_directory_defaults_inside_the_data_directory(tmp_path: Path) -> None:
    paths = resolve_paths(Config(), str(tmp_path / "state"))
    assert paths.backup_dir == str(tmp_path / "state" / "backups") and not paths.backup_dir_configured
    elsewhere = resolve_paths(attrs.evolve(Config(), data_dir=str(tmp_path / "d")), str(tmp_path / "state"))
    assert elsewhere.db == str(tmp_path / "d" / "claudarity.db")


def test_everything_stored_is_private_to_the_user(paths: Paths, transcript: Path) -> None:
    some_feedback(paths)
    Path(paths.debug_log).write_bytes(b"d" * 600_000)
    rotate_debug_log(paths, 512_000, 10)
    backup(paths, str(transcript))
    exposed = []
    for root, dirs, files in os.walk(paths.data_dir):
        exposed += [d for d in dirs if os.stat(os.path.join(root, d)).st_mode & 0o077]
        exposed += [
            os.path.join(root, f)
            for f in files
            if not f.endswith(".lock") and os.stat(os.path.join(root, f)).st_mode & 0o077
        ]
    assert exposed == []
    assert len(list(Path(paths.data_dir).rglob("*"))) > 10
