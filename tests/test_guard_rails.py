"""Guard rails shared by every hookmux process: records, breakers, background work, primitives."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from hookmux.testing import CliRun, HookmuxCLI, hookmux_executable, make_event


def bash(command: str, cwd: Path, event: str = "PreToolUse", **fields: Any) -> dict[str, Any]:
    return make_event(event, cwd=cwd, tool_name="Bash", tool_input={"command": command}, **fields)


def hookmux(cli: HookmuxCLI, *args: str, env: dict[str, str] | None = None) -> Any:
    proc = subprocess.run(
        [hookmux_executable(), *args], env=cli.env(**(env or {})), capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout) if "--json" in args else proc.stdout


def store(cli: HookmuxCLI) -> sqlite3.Connection:
    hookmux(cli, "status", "--json")  # ingests the spool
    conn = sqlite3.connect(cli.home / "hookmux.db")
    conn.row_factory = sqlite3.Row
    return conn


def wait_for(predicate: Any, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


# -- records ------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import io, json, sys
    from hookmux.entry.run import run
    cwd, worker = sys.argv[1], sys.argv[2]
    for i in range(200):
        event = {"session_id": f"s{worker}", "cwd": cwd, "hook_event_name": "PostToolUse",
                 "tool_name": "Bash", "tool_input": {"command": "echo hmtest-context"},
                 "tool_use_id": f"toolu_{worker}_{i}", "tool_response": {"stdout": "x"}}
        out = io.BytesIO()
        assert run([], io.BytesIO(json.dumps(event).encode()), out, sys.stderr) == 0
        assert b"alpha-context" in out.getvalue()
    """
)


def test_eight_processes_times_200_events_leave_exact_records_and_metrics(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    env = hookmux_cli.env()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(w)], env=env) for w in range(8)
    ]
    # Read (and so ingest) while the writers write: ingestion must not lose or double anything.
    while any(w.poll() is None for w in writers):
        subprocess.run([hookmux_executable(), "status", "--json"], env=env, capture_output=True, check=True)
    assert [w.returncode for w in writers] == [0] * 8
    metrics = hookmux(hookmux_cli, "metrics", "--json")
    handlers = {(h["plugin"], h["handler"]): h for h in metrics["handlers"]}
    for plugin in ("alpha", "beta"):
        h = handlers[(plugin, "hookmux_post_tool_use")]
        assert (h["event"], h["count"], h["failures"]) == ("PostToolUse", 1600, 0)
        assert set(h) >= {"plugin", "handler", "event", "count", "failures", "p50_ms", "p95_ms", "p99_ms"}
        assert 0 < h["p50_ms"] <= h["p95_ms"] <= h["p99_ms"]
    assert [(e["event"], e["count"]) for e in metrics["events"]] == [("PostToolUse", 1600)]
    conn = store(hookmux_cli)
    assert conn.execute("select count(*) from events").fetchone()[0] == 1600
    assert conn.execute("select count(distinct tool_use_id) from events").fetchone()[0] == 1600
    assert conn.execute("select count(*) from executions").fetchone()[0] == 3200


def test_correlation_id_joins_pre_and_post_of_one_tool_call(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    log = tmp_path / "log"
    for event in ("PreToolUse", "PostToolUse"):
        hookmux_cli.run(
            bash(
                f"hmtest-dedupe {log} hmtest-context",
                tmp_path,
                event,
                tool_use_id="toolu_corr",
                session_id="s1",
            )
        )
    hookmux_cli.run(bash("hmtest-deny", tmp_path, tool_use_id="toolu_other"))
    conn = store(hookmux_cli)
    rows = conn.execute(
        "select event, correlation_id from events where tool_use_id = 'toolu_corr'"
    ).fetchall()
    assert sorted(r["event"] for r in rows) == ["PostToolUse", "PreToolUse"]
    assert len({r["correlation_id"] for r in rows}) == 1
    other = conn.execute("select correlation_id from events where tool_use_id = 'toolu_other'").fetchone()[0]
    assert other != rows[0]["correlation_id"]
    # the plugin saw the same id
    assert log.read_text().split()[-1] == rows[0]["correlation_id"]


def test_payloads_are_off_by_default_and_redacted_bounded_compressed_when_on(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    secret = "sk-ant-api03-" + "x" * 40
    event = bash(f"hmtest-deny OPENAI_API_KEY={secret} {'y' * 5000}", tmp_path, tool_use_id="toolu_p")
    hookmux_cli.run(event)
    assert store(hookmux_cli).execute("select payload from events").fetchone()[0] is None

    hookmux_cli.run(event, env={"HOOKMUX_STORE_RAW": "1", "HOOKMUX_MAX_BYTES": "1000"})
    hookmux_cli.run(event, env={"HOOKMUX_STORE_RAW": "1", "HOOKMUX_COMPRESS": "true"})
    rows = (
        store(hookmux_cli)
        .execute("select payload, payload_encoding from events where payload is not null order by ts")
        .fetchall()
    )
    bounded, compressed = rows[0], rows[1]
    assert bounded["payload_encoding"] == "json"
    assert secret not in bounded["payload"] and len(bounded["payload"].encode()) < 1100
    assert "bytes cut]" in bounded["payload"] and bounded["payload"].startswith('{"session_id"')
    assert compressed["payload_encoding"] == "json+zlib+base64"
    text = zlib.decompress(base64.b64decode(compressed["payload"])).decode()
    assert "OPENAI_API_KEY=[REDACTED]" in text and secret not in text and "y" * 5000 in text


def test_metrics_off_records_nothing(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    result = hookmux_cli.run(bash("hmtest-deny", tmp_path), env={"HOOKMUX_METRICS": "0"})
    assert result.output is not None
    assert hookmux(hookmux_cli, "status", "--json")["store"]["events"] == 0


def test_prometheus_format(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    hookmux_cli.run(bash("hmtest-deny", tmp_path))
    text = hookmux(hookmux_cli, "metrics", "--format", "prometheus")
    assert "# TYPE hookmux_handler_runs_total counter" in text
    assert (
        'hookmux_handler_runs_total{plugin="alpha",handler="hookmux_pre_tool_use",event="PreToolUse"} 1'
        in text
    )
    assert 'hookmux_events_total{event="PreToolUse"} 1' in text


# -- breakers -------------------------------------------------------------------------------


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_breaker_opens_after_3_failures_and_a_probe_recovers_it_across_processes(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    flag, log = tmp_path / "flag", tmp_path / "log"
    flag.touch()
    env = {"HOOKMUX_BREAKER_COOLDOWN": "1"}
    event = bash(f"hmtest-flaky {flag} {log}", tmp_path)
    for _ in range(3):
        assert "flaky error: raised RuntimeError" in hookmux_cli.run(event, env=env).stderr
    assert runs(log) == 3
    skipped = hookmux_cli.run(event, env=env)  # another process: the breaker is shared
    assert "guards.flaky open: circuit breaker open" in skipped.stderr and runs(log) == 3
    assert [b["state"] for b in hookmux(hookmux_cli, "status", "--json")["breakers"]] == ["open"]
    flag.unlink()
    time.sleep(1.1)
    probe = hookmux_cli.run(event, env=env)
    assert probe.stderr == "" and runs(log) == 4
    hookmux_cli.run(event, env=env)
    assert runs(log) == 5
    assert hookmux(hookmux_cli, "status", "--json")["breakers"] == []
    statuses = {h["handler"]: h["statuses"] for h in hookmux(hookmux_cli, "metrics", "--json")["handlers"]}
    assert statuses["flaky"] == {"error": 3, "open": 1, "silent": 2}


def test_failed_probe_reopens_and_high_failure_rate_disables(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    flag, log = tmp_path / "flag", tmp_path / "log"
    flag.touch()
    env = {"HOOKMUX_BREAKER_COOLDOWN": "0.3", "HOOKMUX_BREAKER_WINDOW": "6", "HOOKMUX_BREAKER_THRESHOLD": "3"}
    event = bash(f"hmtest-flaky {flag} {log}", tmp_path)
    for _ in range(3):
        hookmux_cli.run(event, env=env)
    time.sleep(0.35)
    hookmux_cli.run(event, env=env)  # probe fails: open again
    assert runs(log) == 4 and hookmux(hookmux_cli, "breakers", "--json")[0]["state"] == "open"
    flag.unlink()
    time.sleep(0.35)
    hookmux_cli.run(event, env=env)  # probe succeeds
    hookmux_cli.run(event, env=env)  # 6 runs, 4 failed > 50 %: disabled until reset
    assert hookmux(hookmux_cli, "breakers", "--json")[0]["state"] == "disabled"
    assert "disabled" in hookmux_cli.run(event, env=env).stderr and runs(log) == 6
    assert "reset: guards.flaky" in hookmux(hookmux_cli, "breakers", "reset", "guards.flaky")
    hookmux_cli.run(event, env=env)
    assert runs(log) == 7


# -- background work -------------------------------------------------------------------------


def worker_pids(home: Path) -> set[int]:
    """Live hookmux.entry.worker processes of this test (their environment names its home)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if b"hookmux.entry.worker" in cmdline and f"HOOKMUX_HOME={home}".encode() in environ:
            found.add(int(pid))
    return found


def test_background_handler_runs_detached_after_the_answer(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    log = tmp_path / "log"
    started = time.monotonic()
    proc = subprocess.run(
        [hookmux_executable(), "run"],
        input=json.dumps(bash(f"hmtest-later {log}", tmp_path, "PostToolUse", tool_use_id="toolu_bg")).encode(),
        capture_output=True, env=hookmux_cli.env(), check=True, timeout=10,
    )  # fmt: skip
    # communicate() returned: no child kept our stdout/stderr pipes open, and it did not wait for the 0.2 s job
    assert time.monotonic() - started < 5 and proc.stdout == b"" and proc.stderr == b""
    wait_for(log.exists)
    line = log.read_text().split()
    assert line[:3] == ["background", "toolu_bg", "True"] and int(line[3]) != proc.returncode
    assert int(line[5]) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)  # it yields the CPU to the hooks
    wait_for(lambda: not worker_pids(hookmux_cli.home))
    rows = store(hookmux_cli).execute("select status, background from executions order by ts").fetchall()
    assert [tuple(r) for r in rows] == [("queued", 0), ("silent", 1)]


def test_a_worker_yields_the_cpu_from_its_first_instruction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Niced by the process that starts it, before its interpreter has imported anything:
    its start (tens of ms of imports) does not compete with the answers either."""
    from hookmux.state import background

    early = tmp_path / "site"
    early.mkdir()
    seen = tmp_path / "niceness-at-start"
    # Runs when the worker's interpreter starts, before `-m hookmux.entry.worker`.
    (early / "sitecustomize.py").write_text(
        "import os, time\n"
        "if 'hookmux-worker-test' in os.environ.get('HOOKMUX_HOME', ''):\n"
        "    time.sleep(0.5)\n"
        f"    open({str(seen)!r}, 'w').write(str(os.getpriority(os.PRIO_PROCESS, 0)))\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(early))
    home = tmp_path / "hookmux-worker-test"
    home.mkdir()
    assert background.ensure_worker(str(home), 1)
    wait_for(seen.exists)
    wait_for(lambda: seen.read_text() != "")
    assert int(seen.read_text()) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    wait_for(lambda: not worker_pids(home))


def test_edit_burst_is_capped_and_coalesced_not_dropped(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    """60 events in a burst: never more than 2 workers alive; the queue coalesces per key
    (the command here) and the newest event of the burst is always processed. The jobs wait
    for a gate opened after the burst: the workers stay busy while it queues, however fast
    this machine runs them."""
    log, gate = tmp_path / "log", tmp_path / "gate"
    events = [json.dumps(bash(f"hmtest-later {log} {gate}", tmp_path, "PostToolUse", tool_use_id=f"toolu_{i}")).encode()
              for i in range(60)]  # fmt: skip
    env = hookmux_cli.env()
    peak = 0
    for batch in range(0, 60, 6):
        procs = [subprocess.Popen([hookmux_executable(), "run"], stdin=subprocess.PIPE, env=env,
                                  stdout=subprocess.DEVNULL) for _ in range(6)]  # fmt: skip
        for proc, data in zip(procs, events[batch : batch + 6], strict=True):
            proc.communicate(data)
        peak = max(peak, len(worker_pids(hookmux_cli.home)))
    gate.touch()
    wait_for(lambda: not worker_pids(hookmux_cli.home) and "toolu_59" in (log.read_text() if log.exists() else ""),
             timeout=30)  # fmt: skip
    assert peak <= 2
    done = [line.split()[1] for line in log.read_text().splitlines()]
    assert done[-1] == "toolu_59"
    assert len(done) < 60  # coalesced
    assert hookmux(hookmux_cli, "status", "--json")["background"]["queued"] == 0


def test_debounce_runs_leading_and_one_trailing_with_the_last_event(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    for i in range(8):
        hookmux_cli.run(bash(f"hmtest-debounce {log}", tmp_path, "PostToolUse", tool_use_id=f"toolu_{i}"))
    assert log.read_text().splitlines() == ["work toolu_0 trailing=False"]
    wait_for(lambda: len(log.read_text().splitlines()) == 2)
    assert log.read_text().splitlines()[1] == "work toolu_7 trailing=True"
    wait_for(lambda: not worker_pids(hookmux_cli.home))
    time.sleep(1.6)
    assert len(log.read_text().splitlines()) == 2


def test_dedupe_is_shared_across_processes_and_counted(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    log = tmp_path / "log"
    event = json.dumps(bash(f"hmtest-dedupe {log}", tmp_path, tool_use_id="toolu_same")).encode()
    procs = [subprocess.Popen([hookmux_executable(), "run"], stdin=subprocess.PIPE, env=hookmux_cli.env())
             for _ in range(6)]  # fmt: skip
    for proc in procs:
        proc.communicate(event)
    assert len(log.read_text().splitlines()) == 1
    deduped = next(
        h for h in hookmux(hookmux_cli, "metrics", "--json")["handlers"] if h["handler"] == "deduped"
    )
    assert (deduped["count"], deduped["dedupe_hits"]) == (6, 5)
    hookmux_cli.run(bash(f"hmtest-dedupe {log}", tmp_path, tool_use_id="toolu_new"))
    assert len(log.read_text().splitlines()) == 2


# -- degraded stores --------------------------------------------------------------------------


def test_unwritable_state_is_reported_once_and_the_event_still_answered(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    cli = HookmuxCLI(blocker / "home", tmp_path / "config")
    result: CliRun = cli.run(bash("hmtest-deny && hmtest-later /dev/null", tmp_path))
    assert result.returncode == 0
    assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    assert result.stderr.count("cannot record") == 1, result.stderr


def mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, check=False
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.decode().strip() or 'not root'})")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Any:
    mounted: list[Path] = []

    def make(name: str, options: str) -> Path:
        path = tmp_path / name
        mount_tmpfs(path, options)
        mounted.append(path)
        return path

    yield make
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_disk_keeps_answering_and_keeps_what_was_stored(tmpfs: Any, tmp_path: Path) -> None:
    home = tmpfs("full", "size=512k,mode=0700")
    cli = HookmuxCLI(home, tmp_path / "config")
    cli.run(bash("hmtest-deny", tmp_path, tool_use_id="toolu_kept"))
    assert hookmux(cli, "status", "--json")["store"]["events"] == 1
    filler = home / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    for chunk in (65536, 4096, 1):  # fill the disk to the last byte
        try:
            while True:
                os.write(fd, b"\0" * chunk)
        except OSError:
            pass
    os.close(fd)
    for i in range(3):
        result = cli.run(bash("hmtest-deny", tmp_path, tool_use_id=f"toolu_full_{i}"))
        assert result.returncode == 0
        assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
        assert "cannot record" in result.stderr and len(result.stderr.splitlines()) == 1
    filler.unlink()
    conn = store(cli)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in conn.execute("select tool_use_id from events")] == ["toolu_kept"]


def test_read_only_state_dir(tmpfs: Any, tmp_path: Path) -> None:
    home = tmpfs("ro", "ro,size=64k")
    result = HookmuxCLI(home, tmp_path / "config").run(bash("hmtest-deny", tmp_path))
    assert result.output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    assert "cannot" in result.stderr


def test_kill_9_during_writes_leaves_a_usable_store(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    script = WRITER.replace("range(200)", "range(100000)")
    env = hookmux_cli.env()
    writer = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), "0"], env=env)
    ingester = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom hookmux import store\nwhile True: store.ingest(sys.argv[1])",
         str(hookmux_cli.home)], env=env)  # fmt: skip
    time.sleep(2.0)
    for proc in (writer, ingester):
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    conn = store(hookmux_cli)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    events = conn.execute("select count(*) from events").fetchone()[0]
    executions = conn.execute("select count(*) from executions").fetchone()[0]
    assert events > 10
    assert executions in (2 * events, 2 * events + 1, 2 * events - 1)  # at most the record cut by the kill
    result = hookmux_cli.run(bash("hmtest-deny", tmp_path))  # still routes and records
    assert result.output is not None
    assert hookmux(hookmux_cli, "status", "--json")["store"]["events"] == events + 1


def test_cleanup_applies_retention(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    hookmux_cli.run(bash("hmtest-deny", tmp_path))
    conn = store(hookmux_cli)
    conn.execute("update events set ts = ts - 10 * 86400")
    conn.commit()
    hookmux_cli.run(bash("hmtest-deny", tmp_path))
    report = hookmux(hookmux_cli, "cleanup", "--json", env={"HOOKMUX_RETENTION_DAYS": "7"})
    assert report["events_deleted"] == 1
    assert hookmux(hookmux_cli, "status", "--json")["store"]["events"] == 1


def test_rate_limit_is_shared_across_processes(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    log = tmp_path / "log"
    for _ in range(4):
        hookmux_cli.run(bash(f"hmtest-ratelimit {log}", tmp_path))
    assert log.read_text().split() == ["allowed", "allowed", "limited", "limited"]


def test_hanging_and_raising_handlers_are_recorded(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    hookmux_cli.run(bash("hmtest-hang", tmp_path))
    hookmux_cli.run(bash("hmtest-crash", tmp_path))
    rows = {r["handler"]: r for r in store(hookmux_cli).execute("select * from executions")}
    assert rows["hang_before_tool"]["status"] == "timeout"
    assert 450 <= rows["hang_before_tool"]["duration_ms"] < 3000  # its declared timeout is 0.5 s
    assert rows["hookmux_pre_tool_use"]["error"] == "raised RuntimeError: faulty handler exploded"


def test_run_event_can_run_background_jobs_in_process(tmp_path: Path) -> None:
    from hookmux_testplugins import guards

    from hookmux.testing import run_event

    log = tmp_path / "log"
    event = bash(f"hmtest-later {log}", tmp_path, "PostToolUse", tool_use_id="toolu_inline")
    queued = run_event(event, plugins={"guards": guards})
    assert queued.statuses == {"guards.hookmux_post_tool_use": "queued"} and not log.exists()
    ran = run_event(event, plugins={"guards": guards}, run_background=True)
    assert [o.status for o in ran.background] == ["silent"]
    assert log.read_text().split()[:3] == ["background", "toolu_inline", "True"]
