"""Capture under the warm daemon (``hookmux serve``): relayed and http events, the caller's
environment, and the in-memory ring that only a long-lived process can keep."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from capture_testing import CaptureCLI

from hookmux.testing import make_event

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.daemon_support

from tests.daemon_support import served, wait_for


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def env(capture_cli: CaptureCLI) -> dict[str, str]:
    return capture_cli.env(HOOKMUX__CAPTURE__AUTO_CLEAN="false", HOOKMUX__CAPTURE__AUTO_BUNDLE="false")


def test_the_daemon_captures_relayed_and_http_events_concurrently(
    capture_cli: CaptureCLI, env: dict[str, str], tmp_path: Path
) -> None:
    with served(env) as daemon:
        relayed = [
            daemon.run(make_event("PreToolUse", cwd=tmp_path, session_id="warm", tool_use_id=f"toolu_r{i}"))
            for i in range(5)
        ]
        assert [(r.returncode, r.stdout, r.stderr) for r in relayed] == [(0, b"", b"")] * 5

        def post(worker: int) -> None:
            for i in range(20):
                event = make_event(
                    "PostToolUse", cwd=tmp_path, session_id="warm", tool_use_id=f"toolu_{worker}_{i}"
                )
                assert daemon.post(event) == (200, b"")

        threads = [threading.Thread(target=post, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        health = daemon.health()
    assert health["requests_relay"] == 5 and health["requests_http"] >= 80
    got = lines(capture_cli.capture_dir / "warm.ndjson")
    assert len(got) == 85
    assert [line["seq"] for line in got] == list(range(1, 86))
    # one process observed them all: the daemon's after-answer process
    assert {line["pid"] for line in got} == {health["after_process"]} != {health["pid"]}
    assert sorted(line["tool_use_id"] for line in got) == sorted(
        [f"toolu_r{i}" for i in range(5)] + [f"toolu_{w}_{i}" for w in range(4) for i in range(20)]
    )


def test_relayed_events_are_captured_with_the_callers_config(
    capture_cli: CaptureCLI, env: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    with served(env) as daemon:
        result = daemon.run(
            make_event("Stop", cwd=tmp_path, session_id="mine"),
            HOOKMUX__CAPTURE__DIRECTORY=str(elsewhere),
            HOOKMUX__CAPTURE__RUN_ID="ci-7",
            TRACEPARENT="00-" + "ab" * 16 + "-" + "cd" * 8 + "-01",
        )
        assert result.returncode == 0 and daemon.health()["requests_relay"] == 1
    (line,) = lines(elsewhere / "mine.ndjson")
    assert (line["run_id"], line["trace_id"]) == ("ci-7", "ab" * 16)
    assert not (capture_cli.capture_dir / "mine.ndjson").exists()


def test_the_daemon_keeps_unwritable_lines_in_memory_and_writes_them_later(
    capture_cli: CaptureCLI, env: dict[str, str], tmp_path: Path
) -> None:
    """Nowhere to write (capture directory and fallback ring both impossible): a process
    per event loses the line; the daemon keeps it and writes it once it can."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    nowhere = {
        "HOOKMUX__CAPTURE__DIRECTORY": str(blocker / "caps"),
        "HOOKMUX__CAPTURE__FALLBACK_DIRECTORY": str(blocker / "ring"),
    }
    cold = capture_cli.run(make_event("Stop", cwd=tmp_path, session_id="cold"), env=nowhere)
    assert (cold.returncode, cold.stdout) == (0, b"")
    assert "kept in memory only while this process lives" in cold.stderr  # and this process ends now
    with served(env) as daemon:
        for i in range(3):
            result = daemon.run(make_event("Stop", cwd=tmp_path, session_id="warm", n=i), **nowhere)
            assert (result.returncode, result.stdout) == (0, b"")
        # capture is an observer: it runs once the answer is out; let the third one finish
        wait_for(lambda: daemon.health()["in_flight"] == 0)
        blocker.unlink()  # writable again
        result = daemon.run(make_event("SubagentStop", cwd=tmp_path, session_id="warm"), **nowhere)
        assert result.returncode == 0
        assert daemon.health()["requests_relay"] == 4
    got = lines(blocker / "caps" / "warm.ndjson")
    assert [line["seq"] for line in got] == [1, 2, 3, 4]
    assert [line["event"] for line in got] == ["SubagentStop", "Stop", "Stop", "Stop"]
    assert [line["payload"]["n"] for line in got[1:]] == [0, 1, 2]
    assert [bool(line.get("recovered")) for line in got] == [False, True, True, True]
    assert not (blocker / "caps" / "cold.ndjson").exists()  # the cold process's line is gone
