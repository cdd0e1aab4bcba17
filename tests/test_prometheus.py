"""A real Prometheus server scrapes ``hookmux serve``'s ``/metrics`` with the token file.

Runs in ``tox -e prometheus`` (``.ci/run`` installs Debian's ``prometheus``); skipped,
saying why, only when no ``prometheus`` binary is on PATH. The server is our own
process on a loopback port with its own data directory, stopped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from daemon_support import free_port, served, wait_for

from hookmux.testing import HookmuxCLI, make_event

pytestmark = pytest.mark.prometheus

PROMETHEUS = shutil.which("prometheus")
requires_prometheus = pytest.mark.skipif(
    PROMETHEUS is None, reason="no prometheus binary on PATH (apt-get install prometheus; .ci/run does)"
)

SCRAPE_CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hookmux
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials_file: {token}
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


@contextlib.contextmanager
def prometheus(tmp_path: Path, token: Path, target_port: int) -> Iterator[str]:
    """Our own Prometheus on a loopback port: its API's base URL."""
    assert PROMETHEUS is not None
    config = tmp_path / "prometheus.yml"
    config.write_text(SCRAPE_CONFIG.format(token=token, port=target_port))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def api(base: str, path: str, **params: str) -> Any:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}" if params else f"{base}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


def query(base: str, expression: str) -> list[dict[str, Any]]:
    answer = api(base, "/api/v1/query", query=expression)
    return list(answer["data"]["result"]) if answer and answer.get("status") == "success" else []


@requires_prometheus
def test_a_real_prometheus_scrapes_the_daemon_with_the_token_file(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    env = hookmux_cli.env()
    with served(env) as daemon:
        for _ in range(3):  # alpha denies, beta adds context: two handler series
            daemon.post(make_event("PreToolUse", cwd=tmp_path, tool_name="Bash",
                                   tool_input={"command": "hmtest-deny"}))  # fmt: skip
        wait_for(lambda: daemon.health()["in_flight"] == 0)
        token = daemon.home / "daemon" / "token"
        with prometheus(tmp_path, token, daemon.port) as base:

            def scraped() -> list[dict[str, Any]]:
                targets = api(base, "/api/v1/targets") or {}
                active = (targets.get("data") or {}).get("activeTargets") or []
                return [t for t in active if t.get("health") == "up"]

            (target,) = wait_for(scraped, timeout=60, interval=0.25)
            assert target["labels"]["job"] == "hookmux" and target["lastError"] == ""
            runs = wait_for(lambda: query(base, "hookmux_handler_runs_total"), timeout=30, interval=0.25)
            by_plugin = {r["metric"]["plugin"]: float(r["value"][1]) for r in runs}
            assert by_plugin["alpha"] == 3, runs
            assert {r["metric"]["event"] for r in runs} == {"PreToolUse"}
            seconds = query(base, 'hookmux_handler_duration_seconds{plugin="alpha",quantile="0.5"}')
            millis = query(base, 'hookmux_handler_duration_ms{plugin="alpha",quantile="0.5"}')
            assert len(seconds) == len(millis) >= 1, (seconds, millis)
            # the same latency in the base unit (the _ms name is kept one release, deprecated)
            assert float(seconds[0]["value"][1]) == pytest.approx(
                float(millis[0]["value"][1]) / 1000, rel=1e-3
            )
            served_total = query(base, 'sum(hookmux_serve_requests_total{transport="http"})')
            assert float(served_total[0]["value"][1]) == 3
            uptime = query(base, "hookmux_serve_uptime_seconds")
            assert float(uptime[0]["value"][1]) > 0


@requires_prometheus
def test_without_the_token_the_target_is_down(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    env = hookmux_cli.env()
    with served(env) as daemon:
        wrong = tmp_path / "wrong-token"
        wrong.write_text("not-the-token\n")
        with prometheus(tmp_path, wrong, daemon.port) as base:

            def failed() -> list[dict[str, Any]]:
                targets = api(base, "/api/v1/targets") or {}
                active = (targets.get("data") or {}).get("activeTargets") or []
                return [t for t in active if t.get("health") == "down"]

            (target,) = wait_for(failed, timeout=60, interval=0.25)
            assert "401" in target["lastError"]
            time.sleep(1.5)
            assert query(base, "hookmux_handler_runs_total") == []
