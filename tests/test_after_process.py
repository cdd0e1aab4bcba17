"""The daemon's after-answer work (observers, records, background jobs) in a process of
its own: done there in order, recorded once, nothing lost when that process or the
daemon is killed, and in the daemon itself when the process is turned off."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from daemon_support import served, wait_for
from plugin_site import install_plugin

from hookmux.daemon.lifecycle import AFTER_BACKLOG, AFTER_BACKLOG_BYTES
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

#: An observer that says which process ran it; it waits ``hmtest_sleep`` seconds first.
PIDWATCH = """
import os, time
from hookmux import hookimpl

@hookimpl(observer=True)
def hookmux_subagent_stop(event):
    time.sleep(float(event.raw.get("hmtest_sleep", 0)))
    with open(event.raw["hmtest_log"], "a") as fh:
        fh.write(f"{event.agent_id} {os.getpid()}\\n")
"""


def _env(hookmux_cli: HookmuxCLI, tmp_path: Path, **extra: str) -> dict[str, str]:
    site = tmp_path / "site"
    install_plugin(site, "pidwatch", PIDWATCH)
    return hookmux_cli.env(PYTHONPATH=str(site), **extra)


def _event(tmp_path: Path, n: int, log: Path, sleep: float = 0.0) -> dict[str, object]:
    return make_event(
        "SubagentStop", cwd=tmp_path, agent_id=f"agent-{n}", hmtest_log=str(log), hmtest_sleep=sleep
    )


def _observed(log: Path) -> list[tuple[str, int]]:
    if not log.exists():
        return []
    return [(agent, int(pid)) for agent, pid in (line.split() for line in log.read_text().splitlines())]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _metrics(env: dict[str, str]) -> dict[str, int]:
    proc = subprocess.run([hookmux_executable(), "metrics", "--json"], env={**env, "HOOKMUX_SERVE": "0"},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return {h["handler"]: h["count"] for h in json.loads(proc.stdout)["handlers"]}


def test_observers_run_in_the_after_answer_process_in_order_and_are_recorded_once(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    env = _env(hookmux_cli, tmp_path)
    log = tmp_path / "observed.log"
    with served(env) as daemon:
        health = wait_for(lambda: (h := daemon.health())["after_process"] and h)
        for n in range(20):
            assert daemon.post(_event(tmp_path, n, log)) == (200, b"")
        wait_for(lambda: len(_observed(log)) == 20, timeout=20)
        after = daemon.health()
    assert health["after_process"] != health["pid"] and after["after_process"] == health["after_process"]
    assert after["after_process_rss_bytes"] > 0
    assert _observed(log) == [(f"agent-{n}", health["after_process"]) for n in range(20)]
    assert _metrics(env)["hookmux_subagent_stop"] == 20


def test_turned_off_the_daemon_does_the_work_itself(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    env = _env(hookmux_cli, tmp_path, HOOKMUX_SERVE_AFTER_PROCESS="0")
    log = tmp_path / "observed.log"
    with served(env) as daemon:
        for n in range(3):
            assert daemon.post(_event(tmp_path, n, log)) == (200, b"")
        wait_for(lambda: len(_observed(log)) == 3, timeout=20)
        health = daemon.health()
    assert health["after_process"] == "" and health["after_process_rss_bytes"] == 0
    assert _observed(log) == [(f"agent-{n}", health["pid"]) for n in range(3)]


def test_a_killed_after_process_loses_no_event(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """Killed mid-work: the daemon does the work itself from then on (the event at hand
    too, so at worst that one is observed twice), and says so in its log."""
    env = _env(hookmux_cli, tmp_path)
    log = tmp_path / "observed.log"
    with served(env) as daemon:
        process = wait_for(lambda: daemon.health()["after_process"])
        for n in range(10):
            assert daemon.post(_event(tmp_path, n, log, sleep=0.1)) == (200, b"")
        wait_for(lambda: len(_observed(log)) >= 2, timeout=20)
        os.kill(process, signal.SIGKILL)
        wait_for(
            lambda: {agent for agent, _ in _observed(log)} == {f"agent-{n}" for n in range(10)}, timeout=30
        )
        wait_for(lambda: daemon.health()["in_flight"] == 0)
        pid = daemon.pid()
        text = (daemon.home / "daemon" / "daemon.log").read_text()
    observed = _observed(log)
    assert list(dict.fromkeys(agent for agent, _ in observed)) == [f"agent-{n}" for n in range(10)]
    assert observed[-1] == ("agent-9", pid)
    assert "the after-answer process failed" in text


def test_the_after_process_dies_with_the_daemon_and_the_next_daemon_does_what_was_owed(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    env = _env(hookmux_cli, tmp_path)
    log = tmp_path / "observed.log"
    with served(env) as daemon:
        process = wait_for(lambda: daemon.health()["after_process"])
        for n in range(6):
            assert daemon.post(_event(tmp_path, n, log, sleep=0.3)) == (200, b"")
        os.kill(daemon.pid(), signal.SIGKILL)
        wait_for(lambda: not _alive(process), timeout=5)
        done = len(_observed(log))
        assert done < 6
        time.sleep(0.5)
        assert len(_observed(log)) == done  # nothing works on the killed daemon's events any more
        daemon.start()
        wait_for(lambda: len({a for a, _ in _observed(log)}) == 6, timeout=30)
    assert [a for a, _ in _observed(log)][-1] == "agent-5"


def test_a_flood_of_large_events_is_held_to_the_bytes_owed(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """With the after-answer process, what waits for it is the events' bytes: a flood of
    large events is held back once they add up to AFTER_BACKLOG_BYTES, long before
    AFTER_BACKLOG_PROCESS of them; none is lost, and they are observed in order."""
    env = _env(hookmux_cli, tmp_path)
    log = tmp_path / "observed.log"
    filler = "x" * 200_000
    count = 3 * AFTER_BACKLOG_BYTES // len(filler)
    most = 0
    with served(env) as daemon:
        for n in range(count):
            event = {**_event(tmp_path, n, log, sleep=0.02), "hmtest_filler": filler}
            assert daemon.post(event) == (200, b"")
            if n % 10 == 0:
                most = max(most, daemon.health()["after_owed"])
        wait_for(lambda: len(_observed(log)) == count, timeout=120)
    assert AFTER_BACKLOG_BYTES // len(filler) // 2 <= most <= AFTER_BACKLOG_BYTES // len(filler) + 2
    assert [a for a, _ in _observed(log)] == [f"agent-{n}" for n in range(count)]


def test_one_shot_connections_in_a_flood_are_each_answered(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """A flood of relays or http hooks, each on a connection of its own, outruns slow
    observers: each event waits for its answer until the work caught up, and no connection
    whose client already left holds one of the daemon's connection slots meanwhile (the
    events past the limit were turned away: closed without an answer). The daemon does the
    work itself here: its bound is the tightest."""
    env = _env(hookmux_cli, tmp_path, HOOKMUX_SERVE_AFTER_PROCESS="0")
    log = tmp_path / "observed.log"
    count = 3 * AFTER_BACKLOG
    with served(env) as daemon:
        for n in range(count):
            assert daemon.post(_event(tmp_path, n, log, sleep=0.005)) == (200, b"")
        assert daemon.health()["in_flight"] <= AFTER_BACKLOG + 2
        wait_for(lambda: len(_observed(log)) == count, timeout=60)
    assert [a for a, _ in _observed(log)] == [f"agent-{n}" for n in range(count)]
