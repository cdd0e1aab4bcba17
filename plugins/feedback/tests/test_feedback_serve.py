"""The feedback of a prompt is recorded by an observer: under the warm daemon
(``hookmux serve``) once the answer is out, in a one-event ``hookmux run`` before the
process exits. Real processes, the plugin's real inter-process lock as the gate: while
the test holds ``.feedback.lock`` no hit can be written, so an answer that arrives then
did not wait for the recording."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feedback_support import PLUGIN, wait_for
from filelock import FileLock
from hookmux_feedback.config import Paths
from hookmux_feedback.storage import LOCK_TIMEOUT

from hookmux.testing import HookmuxCLI, hookmux_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.daemon_support

from tests.daemon_support import served

Event = Callable[..., dict[str, Any]]


def matched(paths: Paths, kind: str) -> list[str]:
    log = Path(paths.wins if kind == "win" else paths.losses)
    return [json.loads(x)["matched"] for x in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def env(hookmux_cli: HookmuxCLI) -> dict[str, str]:
    return hookmux_cli.env(HOOKMUX_PLUGINS=PLUGIN)


def test_the_daemon_answers_a_feedback_prompt_before_it_records_the_hit(
    env: dict[str, str], event: Event, paths: Paths
) -> None:
    with served(env) as daemon:
        started = daemon.run(event("SessionStart", source="startup"))  # the session is seen
        assert b"MEMORY" in started.stdout, started.stderr
        for prompt, kind, pattern, send in (
            ("that's totally wrong", "loss", "totally wrong", "relay"),
            ("nailed it, thanks", "win", "nailed it", "http"),
        ):
            with FileLock(paths.lock, timeout=5):  # no hit can be written while this is held
                t0 = time.monotonic()
                if send == "relay":
                    relayed = daemon.run(event("UserPromptSubmit", prompt=prompt))
                    answer = (relayed.returncode, relayed.stdout)
                    assert answer == (0, b""), relayed.stderr
                else:
                    assert daemon.post(event("UserPromptSubmit", prompt=prompt)) == (200, b"")
                answered = time.monotonic() - t0
                # answered without waiting for the lock (a synchronous recording would have
                # waited LOCK_TIMEOUT for it, then failed and lost the hit), nothing recorded yet
                assert answered < LOCK_TIMEOUT
                assert matched(paths, kind) == []
            # the lock is free: the observer, waiting for it in the daemon, records the hit
            wait_for(lambda k=kind: matched(paths, k), timeout=LOCK_TIMEOUT, what=f"the {kind}")
            assert matched(paths, kind) == [pattern]
        wait_for(lambda: daemon.health()["in_flight"] == 0, what="the events' records")
    [line] = [json.loads(x) for x in Path(paths.losses).read_text().splitlines()]
    memory = Path(line["cache_file"]).read_text(encoding="utf-8")
    assert "## Quick Context\n✏️ notes.py, 📖 notes.py, ✏️ notes.py" in memory  # the transcript, read there
    # both handlers ran twice and are recorded as any handler; the observer once the answer was out
    metrics = subprocess.run([hookmux_executable(), "metrics", "--json"], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
    runs = {
        h["handler"]: (h["count"], h["failures"])
        for h in json.loads(metrics.stdout)["handlers"]
        if h["event"] == "UserPromptSubmit"
    }
    assert runs == {"hookmux_user_prompt_submit": (2, 0), "record_prompt_feedback": (2, 0)}


def test_a_one_event_process_records_the_hit_before_it_exits(
    hookmux_cli: HookmuxCLI, event: Event, paths: Paths
) -> None:
    only = {"HOOKMUX_PLUGINS": PLUGIN}
    hookmux_cli.run(event("SessionStart", source="startup"), env=only)
    held, released = threading.Event(), []

    def hold() -> None:  # the lock for a second, from another thread while hookmux runs
        with FileLock(paths.lock, timeout=5):
            held.set()
            time.sleep(1.0)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    run = hookmux_cli.run(event("UserPromptSubmit", prompt="that's totally wrong"), env=only)
    exited = time.monotonic()
    holder.join()
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", "")
    # in order, in the process: it waited for the lock and wrote the hit before it exited
    assert exited > released[0]
    assert matched(paths, "loss") == ["totally wrong"]
