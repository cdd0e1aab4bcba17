"""Many hookmux processes at once: no line lost, none interleaved, sequence numbers intact."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

from capture_testing import CaptureCLI

PROCESSES, EVENTS, SESSIONS = 8, 200, 4

#: One hookmux process handling EVENTS events through the real hook entry (matchers,
#: dispatch, the capture handler), each to one of SESSIONS sessions shared by all writers.
WRITER = textwrap.dedent(
    """
    import io, json, sys
    from hookmux.entry.run import run
    cwd, worker, events, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for i in range(events):
        event = {"session_id": f"s{(worker + i) % sessions}", "cwd": cwd, "hook_event_name": "PreToolUse",
                 "tool_name": "Bash", "tool_input": {"command": f"echo {worker} {i}"},
                 "tool_use_id": f"toolu_{worker}_{i}"}
        out = io.StringIO()
        assert run([], io.BytesIO(json.dumps(event).encode()), io.BytesIO(), out) == 0, out.getvalue()
        assert out.getvalue() == "", out.getvalue()
    """
)

#: Bundles (and so deletes) the sessions' captures over and over while the writers write.
BUNDLER = textwrap.dedent(
    """
    import os, sys, time
    from hookmux_capture.bundle import bundle_session
    from hookmux_capture.config import Config
    home, stop, sessions = sys.argv[1], sys.argv[2], int(sys.argv[3])
    done = 0
    while not os.path.exists(stop):
        for k in range(sessions):
            if bundle_session(home, Config(), f"s{k}", missing_ok=True) is not None:
                done += 1
        time.sleep(0.02)
    print(done)
    """
)


def start_writers(cli: CaptureCLI, cwd: Path) -> list[subprocess.Popen[bytes]]:
    env = cli.env(HOOKMUX__CAPTURE__AUTO_CLEAN="false")
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(cwd), str(w), str(EVENTS), str(SESSIONS)], env=env
        )
        for w in range(PROCESSES)
    ]


def check_order(lines: list[dict[str, Any]]) -> None:
    """Each writer's events appear in the order it wrote them, and seq follows the file."""
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    by_writer: dict[str, list[int]] = {}
    for line in lines:
        _, worker, i = line["tool_use_id"].split("_")
        by_writer.setdefault(worker, []).append(int(i))
    for order in by_writer.values():
        assert order == sorted(order)


def test_eight_processes_times_200_events_leave_1600_lines_with_sequences_intact(
    capture_cli: CaptureCLI, tmp_path: Path
) -> None:
    writers = start_writers(capture_cli, tmp_path)
    # read while they write: listing and status take the locks too
    ends = time.monotonic() + 300
    while any(w.poll() is None for w in writers) and time.monotonic() < ends:
        capture_cli.json("capture", "list")
    for w in writers:
        w.wait(timeout=max(ends - time.monotonic(), 1))
    assert [w.returncode for w in writers] == [0] * PROCESSES
    seen: Counter[str] = Counter()
    for k in range(SESSIONS):
        path = capture_cli.capture_dir / f"s{k}.ndjson"
        raw = path.read_bytes().splitlines()
        lines = [json.loads(r) for r in raw]  # every line is valid JSON
        assert all(line["session_id"] == f"s{k}" for line in lines)
        check_order(lines)
        meta = json.loads((capture_cli.capture_dir / f"s{k}.meta.json").read_text())
        assert (meta["events"], meta["seq"], meta["bytes"]) == (len(lines), len(lines), path.stat().st_size)
        assert len({line["run_id"] for line in lines}) == 1
        seen.update(line["tool_use_id"] for line in lines)
    assert sum(seen.values()) == PROCESSES * EVENTS == 1600
    assert set(seen.values()) == {1}
    status = capture_cli.json("status")["plugins"]["capture"]
    assert (status["events"], status["write_errors"]) == (1600, 0)


def test_bundling_while_eight_processes_write_loses_nothing(capture_cli: CaptureCLI, tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    bundler = subprocess.Popen(
        [sys.executable, "-c", BUNDLER, str(capture_cli.home), str(stop), str(SESSIONS)],
        env=capture_cli.env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    writers = start_writers(capture_cli, tmp_path)
    for w in writers:
        w.wait(timeout=300)
    stop.write_text("")
    bundled_runs = int(bundler.communicate(timeout=60)[0])
    assert [w.returncode for w in writers] == [0] * PROCESSES
    assert bundler.returncode == 0 and bundled_runs > SESSIONS  # captures were cut mid-stream

    seen: Counter[str] = Counter()
    for path in (capture_cli.capture_dir / "bundles").glob("*.json"):
        summary = json.loads(path.read_text())
        assert summary["sequence"]["gaps"] == [] and summary["sequence"]["duplicates"] == []
        assert summary["sequence"]["first"] == 1 and summary["counts"]["invalid_lines"] == 0
        seen.update(c["tool_use_id"] for c in summary["tool_calls"])
    for path in capture_cli.capture_dir.glob("*.ndjson"):
        lines = [json.loads(r) for r in path.read_bytes().splitlines()]
        check_order(lines)
        seen.update(line["tool_use_id"] for line in lines)
    assert sum(seen.values()) == 1600 and set(seen.values()) == {1}
    assert capture_cli.json("status")["plugins"]["capture"]["events"] == 1600
