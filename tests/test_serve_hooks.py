"""``hookmux_serve_start`` and ``hookmux_serve_stop``: the daemon's own plugin services.

The test plugin alpha writes a line to ``$HOOKMUX_HOME/alpha-serve.ndjson`` from each hook;
faulty's start hook raises. The daemon is the real one."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from daemon_support import served, wait_for

from hookmux.testing import HookmuxCLI, make_event


def marks(home: Path) -> list[dict[str, Any]]:
    path = home / "alpha-serve.ndjson"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_daemon_starts_and_stops_the_plugins_services(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    env = hookmux_cli.env()
    home = Path(env["HOOKMUX_HOME"])
    event = make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "hmtest-deny"})
    assert hookmux_cli.run(event).returncode == 0  # hookmux run never calls them
    assert marks(home) == []
    with served(env) as daemon:
        (start,) = wait_for(lambda: marks(home))
        assert start == {"hook": "start", "pid": daemon.pid(), "home": str(home)}
        log = home / "daemon" / "daemon.log"
        # one plugin's failure is logged; the others started anyway
        wait_for(lambda: "plugin faulty: hookmux_serve_start raised RuntimeError: faulty has no service" in
                 log.read_text())  # fmt: skip
        assert daemon.post(event)[0] == 200
        os.kill(daemon.pid(), signal.SIGHUP)  # a restart: stopped, then started in the new process
        wait_for(lambda: [m["hook"] for m in marks(home)] == ["start", "stop", "start"], 30)
        assert daemon.post(event)[0] == 200
    assert [m["hook"] for m in marks(home)] == ["start", "stop", "start", "stop"]
    assert {m["pid"] for m in marks(home)} == {start["pid"]}  # re-executed in place


def test_a_plugin_turned_off_is_not_started(hookmux_cli: HookmuxCLI) -> None:
    env = hookmux_cli.env(HOOKMUX_DISABLED="alpha")
    with served(env) as daemon:
        wait_for(
            lambda: "plugins loaded" in (Path(env["HOOKMUX_HOME"]) / "daemon" / "daemon.log").read_text()
        )
        assert daemon.health()["status"] == "ok"
    assert marks(Path(env["HOOKMUX_HOME"])) == []
