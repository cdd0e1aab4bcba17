"""Write failures degrade to a bounded ring, are reported once, and never fail the hook.

A real "disk full": the capture file is a symlink to /dev/full, where every write
fails with ENOSPC. A real unwritable directory: a path under a regular file
(ENOTDIR; the tests run as root, so permission bits would not stop them).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from capture_testing import CaptureCLI
from hookmux_capture import writer
from hookmux_capture.bundle import health
from hookmux_capture.config import Config

from hookmux.testing import make_event

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


def home() -> str:
    return os.environ["HOOKMUX_HOME"]


def capture(payload: dict[str, Any], config: Config | None = None, stderr: Any = None) -> int | None:
    return writer.capture(payload, home=home(), config=config or Config(), max_bytes=200_000, stderr=stderr)


def disk_full(session: str) -> Path:
    directory = Path(home()) / "capture"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{session}.ndjson"
    path.symlink_to("/dev/full")
    return path


def ring_lines(config: Config | None = None) -> list[dict[str, Any]]:
    from hookmux_capture.config import fallback_dir

    path = Path(fallback_dir(config or Config())) / writer.RING
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def event(session: str, i: int) -> dict[str, Any]:
    return make_event("PreToolUse", cwd="/tmp", session_id=session, tool_use_id=f"toolu_{i}")


def test_disk_full_goes_to_the_ring_is_reported_once_then_recovered_in_order() -> None:
    full = disk_full("full")
    err = io.StringIO()
    for i in range(3):
        assert capture(event("full", i), stderr=err) is None
    messages = [m for m in err.getvalue().splitlines() if m]
    assert len(messages) == 1, messages  # reported once
    assert "No space left on device" in messages[0] and "hooks still answer" in messages[0]
    assert [json.loads("{" + e["body"] + "}")["tool_use_id"] for e in ring_lines()] == [
        "toolu_0",
        "toolu_1",
        "toolu_2",
    ]
    report = health(home(), Config())
    assert (report["write_errors"], report["queue_depth"]) == (3, 3)
    assert report["failing_since"] is not None and "No space" in report["last_error"]["error"]
    assert "queue depth 3" in report["summary"]

    full.unlink()  # space again
    seq = capture(event("full", 3), stderr=err)
    assert seq == 1
    lines = [json.loads(line) for line in full.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4]
    # the newest event first (it found the disk writable), then the ring, oldest first
    assert [line["tool_use_id"] for line in lines] == ["toolu_3", "toolu_0", "toolu_1", "toolu_2"]
    assert [bool(line.get("recovered")) for line in lines] == [False, True, True, True]
    assert ring_lines() == []
    report = health(home(), Config())
    assert (report["queue_depth"], report["recovered"], report["failing_since"]) == (0, 3, None)
    assert report["write_errors"] == 3  # the count stays: it is history

    full.unlink()
    full.symlink_to("/dev/full")  # a second episode is reported again
    capture(event("full", 4), stderr=err)
    assert len([m for m in err.getvalue().splitlines() if m]) == 2


def test_the_ring_is_bounded_and_counts_what_it_dropped() -> None:
    disk_full("tiny")
    config = Config(ring_size=8)
    for i in range(20):
        capture(event("tiny", i), config, stderr=io.StringIO())
    kept = [json.loads("{" + e["body"] + "}")["tool_use_id"] for e in ring_lines(config)]
    assert 6 <= len(kept) <= 8
    assert kept == [f"toolu_{i}" for i in range(20 - len(kept), 20)]  # the newest
    report = health(home(), config)
    assert report["queue_depth"] == len(kept)
    assert report["dropped"] == 20 - len(kept)
    assert report["write_errors"] == 20


def test_the_ring_is_also_bounded_in_bytes() -> None:
    disk_full("wide")
    config = Config(ring_max_bytes=20_000)
    for i in range(30):
        payload = dict(event("wide", i), tool_input={"command": "x" * 2000})
        capture(payload, config, stderr=io.StringIO())
    from hookmux_capture.config import fallback_dir

    assert (Path(fallback_dir(config)) / writer.RING).stat().st_size <= 20_000
    assert health(home(), config)["dropped"] > 0


def test_with_no_writable_ring_the_process_keeps_lines_in_memory_until_it_can_write(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    config = Config(fallback_directory=str(blocker / "ring"))  # ENOTDIR
    full = disk_full("mem")
    err = io.StringIO()
    try:
        for i in range(3):
            assert capture(event("mem", i), config, stderr=err) is None
        assert writer.process_stats["buffered_in_memory"] == 3
        assert "kept in memory only while this process lives" in err.getvalue()
        assert err.getvalue().count("hookmux: capture:") == 1
        full.unlink()
        capture(event("mem", 3), config, stderr=err)
        lines = [json.loads(line) for line in full.read_text().splitlines()]
        assert [line["tool_use_id"] for line in lines] == ["toolu_3", "toolu_0", "toolu_1", "toolu_2"]
        assert writer.process_stats["buffered_in_memory"] == 0
    finally:
        writer._memory_ring.clear()
        writer._memory_bytes[0] = 0
        writer.process_stats["buffered_in_memory"] = 0
        writer._reported.clear()


def test_a_fallback_directory_others_can_read_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(PermissionError):
        writer.private_dir(str(shared))


def test_the_hook_never_fails_because_of_capture(capture_cli: CaptureCLI, tmp_path: Path) -> None:
    """Through the real `hookmux run`: capture directory impossible, then disk full."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    impossible = {"HOOKMUX__CAPTURE__DIRECTORY": str(blocker / "captures")}
    runs = [
        capture_cli.run(make_event("Stop", cwd=tmp_path, session_id="s"), env=impossible) for _ in range(3)
    ]
    assert [(r.returncode, r.stdout) for r in runs] == [(0, b"")] * 3
    assert "Not a directory" in runs[0].stderr and "hooks still answer" in runs[0].stderr
    assert "hookmux: capture" not in runs[1].stderr + runs[2].stderr  # reported once, across processes
    status = capture_cli.json("status", env=impossible)["plugins"]["capture"]
    assert (status["write_errors"], status["queue_depth"]) == (3, 3)
    text = capture_cli.command("status", env=impossible).stdout
    assert "plugin    capture: 0 captures" in text and "3 write errors, queue depth 3" in text

    # the directory becomes possible: the next event drains the ring into the capture
    blocker.unlink()
    ok = capture_cli.run(make_event("Stop", cwd=tmp_path, session_id="s"), env=impossible)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, b"", "")
    written = [json.loads(line) for line in (blocker / "captures" / "s.ndjson").read_text().splitlines()]
    assert [line["seq"] for line in written] == [1, 2, 3, 4]
    assert [bool(line.get("recovered")) for line in written] == [False, True, True, True]
    status = capture_cli.json("status", env=impossible)["plugins"]["capture"]
    assert (status["queue_depth"], status["recovered"], status["events"]) == (0, 3, 4)
