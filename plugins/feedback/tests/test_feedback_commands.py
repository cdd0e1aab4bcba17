"""``hookmux feedback summary | list | export``, through the real console script."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from hookmux_feedback.config import Paths
from hookmux_feedback.storage import Hit, record

from hookmux.testing import hookmux_executable


def hookmux(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [hookmux_executable(), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=cwd,
        check=False,
    )


def seed(paths: Paths) -> None:
    now = dt.datetime.now(dt.UTC)
    for kind, pattern, message, age in (
        ("loss", "totally wrong", "that's totally wrong", 3),
        ("win", "nice work", "nice work", 2),
        ("win", "great", "great", 1),
    ):
        hit = Hit(
            kind=kind, pattern=pattern, session_id="s", project="myproj", user_message=message,
            context_summary="✏️ app.py", ai_summary="Recent conversation:",
        )  # fmt: skip
        record(paths, [hit], now - dt.timedelta(hours=age))
    old = Hit(kind="loss", pattern="bad", session_id="s", project="old", user_message="bad",
              context_summary="", ai_summary="")  # fmt: skip
    record(paths, [old], now - dt.timedelta(days=30))


def test_summary_prints_what_a_new_session_gets(paths: Paths) -> None:
    seed(paths)
    text = hookmux("feedback", "summary")
    assert text.returncode == 0, text.stderr
    assert "📊 MEMORY (Last 7 Days)" in text.stdout
    assert "🏆 WINS: 2" in text.stdout and "💥 LOSSES: 1" in text.stdout
    as_json = json.loads(hookmux("feedback", "summary", "--json").stdout)
    assert as_json["wins"]["count"] == 2 and as_json["losses"]["count"] == 1
    assert {p["pattern"]: p["confidence"] for p in as_json["patterns"]} == {
        "bad": 0.3,
        "great": 0.3,
        "nice work": 0.3,
        "totally wrong": 0.3,
    }
    assert as_json["data_dir"] == paths.data_dir


def test_list_shows_recent_feedback_newest_first_with_filters(paths: Paths) -> None:
    seed(paths)
    out = hookmux("feedback", "list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 4 and "'great'" in lines[0] and "'bad'" in lines[-1]
    rows = json.loads(hookmux("feedback", "list", "--json", "--type", "loss", "--days", "7").stdout)
    assert [(r["pattern"], r["type"], r["user_message"]) for r in rows] == [
        ("totally wrong", "loss", "that's totally wrong")
    ]
    assert len(json.loads(hookmux("feedback", "list", "--json", "--limit", "2").stdout)) == 2


def test_list_says_so_when_nothing_is_recorded() -> None:
    out = hookmux("feedback", "list")
    assert (out.returncode, out.stdout.strip()) == (0, "no feedback recorded")


def test_export_writes_every_entry_with_every_column(paths: Paths, tmp_path: Path) -> None:
    seed(paths)
    lines = hookmux("feedback", "export").stdout.splitlines()
    rows = [json.loads(x) for x in lines]
    assert [r["pattern"] for r in rows] == ["bad", "totally wrong", "nice work", "great"]  # oldest first
    assert set(rows[0]) == {
        "id", "ts", "session_id", "project", "pattern", "type", "user_message", "context_summary",
        "ai_summary", "transcript_path", "cache_file", "created_at",
    }  # fmt: skip
    target = tmp_path / "export.json"
    done = hookmux("feedback", "export", "--json", "--output", str(target))
    assert done.returncode == 0 and "exported 4 entries" in done.stderr
    assert json.loads(target.read_text()) == rows


def test_the_project_config_decides_where_the_data_is(tmp_path: Path, project: Path) -> None:
    data = tmp_path / "elsewhere"
    (project / ".claude").mkdir()
    (project / ".claude" / "hookmux.toml").write_text(f'[plugins.feedback]\ndata_dir = "{data}"\n')
    # data_dir is a destination: the repository's value applies once the user trusts the file
    out = json.loads(hookmux("feedback", "summary", "--json", "--project-dir", str(project)).stdout)
    assert out["data_dir"] != str(data)
    assert hookmux("trust", "--project-dir", str(project)).returncode == 0
    out = json.loads(hookmux("feedback", "summary", "--json", "--project-dir", str(project)).stdout)
    assert out["data_dir"] == str(data)
    (project / ".claude" / "hookmux.toml").write_text("[plugins.feedback]\nretention_days = 0\n")
    assert hookmux("trust", "--project-dir", str(project)).returncode == 0
    bad = hookmux("feedback", "summary", cwd=project)
    assert bad.returncode == 1 and "retention_days must be positive, got 0" in bad.stderr
    assert bad.stdout == ""
