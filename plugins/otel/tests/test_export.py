"""Exporting off the hook's clock: the daemon's thread, a dead or hanging collector, the
cold ``hookmux run`` (which never opens a connection), ``hookmux otel export`` and the
SessionEnd worker. Events are routed by hookmux-capture (it takes every event); the
daemon and the console scripts are the real ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from otel_testing import Receiver, free_port, wait_for

from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests.daemon_support

from tests.daemon_support import Served, served

PLUGINS = "otel,capture"


def bash(command: str, cwd: Path, event: str = "PreToolUse", **fields: Any) -> dict[str, Any]:
    return make_event(event, cwd=cwd, tool_name="Bash", tool_input={"command": command}, **fields)


def status(env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([hookmux_executable(), "status", "--json"], env=env, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return dict(json.loads(proc.stdout)["plugins"]["otel"])


def event_spans(receiver: Receiver) -> list[dict[str, Any]]:
    return [s for s in receiver.spans() if s["name"].startswith("hookmux ")]


@pytest.fixture
def env(hookmux_cli: HookmuxCLI) -> dict[str, str]:
    return hookmux_cli.env(HOOKMUX_PLUGINS=PLUGINS, HOOKMUX__OTEL__EXPORT_INTERVAL="0.2")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_the_daemon_exports_in_the_background(
    env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
    with served(env) as daemon:
        for i in range(4):
            assert daemon.post(bash(f"echo http-{i}", tmp_path, tool_use_id=f"toolu_h{i}"))[0] == 200
        for i in range(3):
            assert daemon.run(bash(f"echo relay-{i}", tmp_path, tool_use_id=f"toolu_r{i}")).returncode == 0
        spans = wait_for(
            lambda: len(event_spans(receiver)) == 7 and receiver.spans(), 30, "7 events exported"
        )
        pid = daemon.pid()
        report = wait_for(
            lambda: (s := status(env))["exported_spans"] == 14 and s, 10, "status to count them"
        )
    commands = sorted(
        s["attributes"]["hookmux.tool_use_id"] for s in spans if s["name"].startswith("hookmux ")
    )
    assert commands == sorted([*(f"toolu_h{i}" for i in range(4)), *(f"toolu_r{i}" for i in range(3))])
    assert {s["attributes"]["hookmux.plugin"] for s in spans if not s["name"].startswith("hookmux ")} == {
        "capture"
    }
    assert report["enabled"] is True and report["dropped_spans"] == 0 and report["failed_exports"] == 0
    assert report["endpoint"] == f"{receiver.url}/v1/traces" and report["source"] == "environment"
    assert report["summary"].startswith(f"to {receiver.url}/v1/traces: 14 spans")
    assert pid > 0


def test_a_hanging_collector_costs_the_hooks_nothing_and_losses_are_bounded_and_counted(
    env: dict[str, str], tmp_path: Path
) -> None:
    with Receiver(mode="hang") as receiver:
        env.update(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, HOOKMUX__OTEL__TIMEOUT="1",
                   HOOKMUX__OTEL__MAX_BACKLOG="5")  # fmt: skip
        with served(env) as daemon:
            assert daemon.post(bash("echo first", tmp_path))[0] == 200
            wait_for(lambda: receiver.held >= 1, 20, "the exporter to be stuck in a request")
            # the exporter is stuck: every hook is still answered, by both ways in
            for i in range(6):
                status_code, _ = daemon.post(bash(f"echo while-stuck-{i}", tmp_path))
                assert status_code == 200
                assert daemon.run(bash(f"echo relayed-{i}", tmp_path)).returncode == 0
            wait_for(lambda: daemon.health()["in_flight"] == 0, 10, "no event in flight")
            failing = wait_for(lambda: (s := status(env))["failed_exports"] >= 1 and s, 20, "a failed export")
            assert failing["last_error"] and "failing:" in failing["summary"]
            receiver.mode = "ok"  # the collector comes back
            receiver.release()
            report = wait_for(
                lambda: (s := status(env))["exported_spans"] > 0 and s, 60, "the export to resume"
            )
            spans = event_spans(receiver)
    # 13 events waited; 5 were kept (max_backlog): the 8 oldest were dropped, with their
    # handler runs (one capture run each), and counted
    assert len(spans) == 5 and report["exported_spans"] == 10
    assert report["dropped_spans"] == 16


def test_a_refused_connection_is_retried_and_nothing_within_the_backlog_is_lost(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{port}"
    with served(env) as daemon:
        for i in range(3):
            assert daemon.post(bash(f"echo refused-{i}", tmp_path))[0] == 200
        failing = wait_for(lambda: (s := status(env))["failed_exports"] >= 1 and s, 20, "a failed export")
        assert failing["exported_spans"] == 0 and failing["last_error"]
        with Receiver(port=port) as receiver:
            wait_for(lambda: len(event_spans(receiver)) == 3, 60, "the backlog to be sent")
            report = status(env)
    assert report["dropped_spans"] == 0 and report["exported_spans"] == 6


def test_a_cold_run_never_connects_the_export_command_and_the_session_end_worker_do(
    hookmux_cli: HookmuxCLI, receiver: Receiver, tmp_path: Path
) -> None:
    env = {"HOOKMUX_PLUGINS": PLUGINS, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}  # HOOKMUX_SERVE=0
    for i in range(3):
        assert hookmux_cli.run(bash(f"echo cold-{i}", tmp_path), env=env).returncode == 0
    assert receiver.requests == []  # the hooks spooled their records and left
    proc = subprocess.run([hookmux_executable(), "otel", "export", "--json"], env=hookmux_cli.env(**env),
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"state": "ok", "spans": 6, "logs": 0, "events": 3}
    assert len(event_spans(receiver)) == 3

    # without a daemon, the session's end queues a background export
    assert hookmux_cli.run(make_event("SessionEnd", cwd=tmp_path, reason="other"), env=env).returncode == 0
    assert hookmux_cli.run(bash("echo late", tmp_path), env=env).returncode == 0
    names = wait_for(lambda: {s["name"] for s in event_spans(receiver)} >= {"hookmux SessionEnd"}
                     and [s["name"] for s in event_spans(receiver)], 30, "the worker's export")  # fmt: skip
    assert names[:3] == ["hookmux PreToolUse"] * 3 and "hookmux SessionEnd" in names


def test_off_until_an_endpoint_is_configured(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    env = hookmux_cli.env(HOOKMUX_PLUGINS=PLUGINS)
    assert hookmux_cli.run(bash("echo off", tmp_path), env={"HOOKMUX_PLUGINS": PLUGINS}).returncode == 0
    proc = subprocess.run([hookmux_executable(), "otel", "export", "--json"], env=env, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    assert json.loads(proc.stdout) == {"state": "off"}
    report = status(env)
    assert report["enabled"] is False and report["summary"].startswith("off: no OTLP endpoint")


def test_serve_stop_sends_what_is_left(env: dict[str, str], receiver: Receiver, tmp_path: Path) -> None:
    env.update(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, HOOKMUX__OTEL__EXPORT_INTERVAL="600")
    daemon = Served(env, Path(env["HOOKMUX_HOME"]), free_port()).start()
    try:
        wait_for(lambda: "otel" in daemon.health()["plugins_loaded"], 20, "the plugins to load")
        for i in range(2):
            assert daemon.post(bash(f"echo before-stop-{i}", tmp_path))[0] == 200
        wait_for(lambda: daemon.health()["in_flight"] == 0, 10, "no event in flight")
    finally:
        daemon.stop()
    assert len(event_spans(receiver)) == 2  # the thread slept; the stop hook exported them


def exporter_pids(home: Path) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"hookmux_otel.exporter" in argv and str(home).encode() in argv:
            found.append(int(pid))
    return found


def test_no_exporter_runs_until_an_endpoint_is_configured_then_one_starts(
    env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    home = Path(env["HOOKMUX_HOME"])
    with served(env) as daemon:
        wait_for(lambda: "otel" in daemon.health()["plugins_loaded"], 20, "the plugins to load")
        assert daemon.post(bash("echo unconfigured", tmp_path))[0] == 200
        time.sleep(1.0)
        assert exporter_pids(home) == []  # an unconfigured plugin costs no process
        config = Path(env["XDG_CONFIG_HOME"]) / "hookmux" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'[plugins.otel]\nendpoint = "{receiver.url}"\n')  # while the daemon runs
        (pid,) = wait_for(lambda: exporter_pids(home), 20, "the exporter to start")
        assert daemon.post(bash("echo configured", tmp_path))[0] == 200
        wait_for(lambda: any(s["attributes"]["hookmux.event"] == "PreToolUse" for s in event_spans(receiver)),
                 20, "the export")  # fmt: skip
    wait_for(lambda: exporter_pids(home) == [], 10, "the exporter to leave with the daemon")
    assert pid > 0
