"""After-answer work survives a killed daemon: the pending log (:mod:`hookmux.state.pending`)
on its own, with real processes killed holding it, and a daemon SIGKILLed while an
event's observer still runs, whose successor does what it owed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from daemon_support import daemon_pids, served, wait_for

from hookmux.state.pending import INITIAL_SIZE, Orphan, PendingLog, orphans
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

HOLD = textwrap.dedent(
    """
    import sys, time
    from hookmux.state.pending import PendingLog
    log = PendingLog(sys.argv[1])
    for n in range(3):
        log.owe(n, b'{"argv": ["--transport=http"]}', b'{"n": %d}' % n)
    log.paid(1)
    print(log.paths[0], flush=True)
    time.sleep(600)
    """
)


def killed_holding_a_log(directory: Path) -> Path:
    """A process that owed entries 0 and 2 of its log, SIGKILLed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(directory)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    path = Path(proc.stdout.readline().strip())
    assert not list(orphans(str(directory)))  # alive: its log is not anyone else's to take
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return path


def test_a_killed_process_leaves_what_it_owed_and_one_taker_gets_it(tmp_path: Path) -> None:
    path = killed_holding_a_log(tmp_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    [orphan] = orphans(str(tmp_path))
    assert not list(orphans(str(tmp_path)))  # taken over: nobody else replays it meanwhile
    entries = orphan.unpaid()
    assert [(n, header["argv"], payload) for n, header, payload in entries] == [
        (0, ["--transport=http"], b'{"n": 0}'),
        (2, ["--transport=http"], b'{"n": 2}'),
    ]
    orphan.paid(0)
    os.close(orphan.fd)  # the taker died after replaying entry 0: the next one gets entry 2 only
    [again] = orphans(str(tmp_path))
    assert [n for n, _, _ in again.unpaid()] == [2]
    again.remove()
    assert not path.exists()


def test_a_log_is_emptied_whenever_nothing_is_owed_and_removed_on_close(tmp_path: Path) -> None:
    log = PendingLog(str(tmp_path))
    [path] = map(Path, log.paths)
    log.owe(0, b"{}", b'{"secret": "tool input"}')
    log.owe(1, b"{}", b"{}")
    log.paid(0)
    assert b"tool input" in path.read_bytes()
    log.paid(1)
    assert not path.read_bytes().strip(b"\0")  # the events are not kept once their work is done
    log.owe(2, b"{}", b"{}")
    log.close()
    assert path.exists()  # still owed: left for the next daemon
    log = PendingLog(str(tmp_path))
    log.close()
    assert not any(map(os.path.exists, log.paths))


@pytest.mark.parametrize("kept", [1, 3])
def test_a_flood_that_always_owes_something_does_not_grow_the_log(tmp_path: Path, kept: int) -> None:
    """Entries paid a few behind (``kept`` owed at any time), 1000 of 64 KiB: 64 MB
    written, a few MB of files at most; what is owed is still there to replay."""
    log = PendingLog(str(tmp_path))
    payload = b"x" * (64 << 10)
    for n in range(1000):
        log.owe(n, b"{}", payload)
        if n >= kept:
            log.paid(n - kept)
    assert log.owed == kept
    assert len(log.paths) == 2
    assert sum(os.path.getsize(p) for p in log.paths) <= 4 * INITIAL_SIZE
    owed = [n for path in log.paths for n, _, _ in Orphan(path, os.open(path, os.O_RDONLY)).unpaid()]
    assert sorted(owed) == list(range(1000 - kept, 1000))
    for n in range(1000 - kept, 1000):
        log.paid(n)
    assert not any(Path(p).read_bytes().strip(b"\0") for p in log.paths)
    log.close()


@pytest.mark.parametrize("complete", [False, True])
def test_an_entry_the_kill_cut_short_is_not_there(tmp_path: Path, complete: bool) -> None:
    """An entry's first byte is written last: until then, the log ends before it."""
    path = killed_holding_a_log(tmp_path)
    end = len(path.read_bytes().rstrip(b"\0"))
    entry = b'P 3 2 9\n{}{"n": 3}'
    with path.open("r+b") as fh:
        fh.seek(end)
        fh.write(entry if complete else b"\0" + entry[1:])
    [orphan] = orphans(str(tmp_path))
    assert [n for n, _, _ in orphan.unpaid()] == ([0, 2, 3] if complete else [0, 2])
    orphan.remove()


def holding(directory: Path) -> list[str]:
    """The pending logs in ``directory`` that hold an event."""
    return [p.name for p in directory.glob("pending-*.log") if p.read_bytes().strip(b"\0")]


def handler_counts(env: dict[str, str]) -> dict[str, dict[str, int]]:
    proc = subprocess.run([hookmux_executable(), "metrics", "--json"], env={**env, "HOOKMUX_SERVE": "0"},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return {f"{h['plugin']}.{h['handler']}": h["statuses"] for h in json.loads(proc.stdout)["handlers"]}


def explained(env: dict[str, str]) -> list[dict[str, Any]]:
    proc = subprocess.run([hookmux_executable(), "explain", "--json"], env={**env, "HOOKMUX_SERVE": "0"},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return list(json.loads(proc.stdout))


@pytest.mark.parametrize("answered", [True, False], ids=["answered-then-observed", "only-observed"])
def test_a_daemon_killed_before_an_events_observer_ran_leaves_it_to_the_next(
    hookmux_cli: HookmuxCLI, tmp_path: Path, answered: bool
) -> None:
    """The observer waits for a gate file; the daemon answers and is SIGKILLed while it
    waits. The next daemon runs it (now the gate exists), records every handler's run
    once, and keeps no event on disk."""
    env = hookmux_cli.env()
    log, gate = tmp_path / "observed.log", tmp_path / "gate"
    command = f"hmtest-observe {log} {gate}" + (" && echo hmtest-context" if answered else "")
    event = make_event("PostToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": command},
                       tool_response={"stdout": ""}, tool_use_id="toolu_killed")  # fmt: skip
    pending = Path(env["HOOKMUX_HOME"]) / "daemon"
    with served(env) as daemon:
        status, body = daemon.post(event)
        assert status == 200
        assert (b"alpha-context for toolu_killed" in body) == answered
        assert holding(pending)
        assert daemon.health()["after_owed"] == 1
        os.kill(daemon.pid(), signal.SIGKILL)
        wait_for(lambda: not daemon_pids(daemon.home))
        assert not log.exists()  # the observer died with the daemon
        gate.touch()
        daemon.start()
        wait_for(lambda: log.exists() and log.read_text(), timeout=30)
        wait_for(lambda: "guards.observer" in handler_counts(env), timeout=30)
        leftovers = holding(pending)
    assert log.read_text().splitlines() == ["observed toolu_killed gate=seen"]
    counts = handler_counts(env)
    expected = {"guards.observer": {"ok": 1}}
    if answered:
        expected |= {"alpha.hookmux_post_tool_use": {"ok": 1}, "beta.hookmux_post_tool_use": {"ok": 1}}
    assert counts == expected
    [record] = explained(env)
    assert ("replayed" in (record.get("notes") or "")) == answered
    assert not leftovers
