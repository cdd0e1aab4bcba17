"""What hookmux-otel costs a hook: nothing on the hook's clock, by construction; measured here.

Every figure is measured in this one run, each comparison interleaved (machine drift hits
every side alike), medians of per-event samples:

* http (``hookmux serve``): 4 keep-alive client processes sending 200 events/s in all (the
  mix of ``bench/serve.py``: a deny, two plugins' context, a prompt, an unmatched event) to
  three daemons in turn, round after round: the test plugins only (off); the same plus
  hookmux-otel exporting to a loopback OTLP/HTTP receiver every 0.5 s (on); and the same
  with a receiver that never answers (on, hanging collector). Goal: on - off <= 0.1 ms p50;
* cold: a ``hookmux run`` process (``HOOKMUX_SERVE=0``) for an event no plugin takes, with
  hookmux-otel enabled (and configured) against not: goal, no difference (the plugin
  matches only SessionEnd, and the hot path never imports it).

    python bench/otel.py [--rounds 6] [--seconds 10] [--cold-rounds 200] [--quick]
                         [--json bench/results/otel.json]

Needs hookmux-otel and the test plugins (tests/plugins/testplugins) installed.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve import HOOKMUX, TEST_PLUGINS, Daemon, base_env, bash, http_load, mix, percentile

GOAL_HTTP_DELTA_MS = 0.1


class Collector:
    """A loopback OTLP/HTTP receiver: answers 200 (counting requests), or never answers."""

    def __init__(self, hang: bool) -> None:
        self.requests = 0
        self.release = threading.Event()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                collector.requests += 1
                if hang:
                    collector.release.wait(600)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def bench_http(rounds: int, seconds: float, root: Path) -> dict[str, Any]:
    collectors = {"on": Collector(hang=False), "on, hanging collector": Collector(hang=True)}
    envs = {"off": {**base_env(root / "off"), "HOOKMUX_PLUGINS": TEST_PLUGINS}}
    for arm, collector in collectors.items():
        envs[arm] = {
            **base_env(root / arm.replace(",", "").replace(" ", "-")),
            "HOOKMUX_PLUGINS": f"{TEST_PLUGINS},otel",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "HOOKMUX__OTEL__EXPORT_INTERVAL": "0.5",
            "HOOKMUX__OTEL__TIMEOUT": "2",
        }
    daemons = {arm: Daemon(env) for arm, env in envs.items()}
    latencies: dict[str, list[float]] = {arm: [] for arm in daemons}
    errors = 0
    try:
        for daemon in daemons.values():
            daemon.__enter__()
        for daemon in daemons.values():
            http_load(daemon, mix(), 4, 200, 2.0)  # warm up: imports, caches, the first export
        for r in range(rounds):
            order = list(daemons) if r % 2 == 0 else list(reversed(daemons))
            for arm in order:
                result = http_load(daemons[arm], mix(), 4, 200, seconds)
                latencies[arm] += result["latencies"]
                errors += result["errors"]
        exported = collectors["on"].requests
        held = collectors["on, hanging collector"].requests
        status = {arm: _otel_status(env) for arm, env in envs.items() if arm != "off"}
    finally:
        for daemon in daemons.values():
            daemon.__exit__()
        for collector in collectors.values():
            collector.close()
    rows = {
        arm: {"events": len(v), "p50_ms": round(statistics.median(v), 3), "p90_ms": round(percentile(v, 90), 3),
              "p99_ms": round(percentile(v, 99), 3)}
        for arm, v in latencies.items()
    }  # fmt: skip
    delta = round(rows["on"]["p50_ms"] - rows["off"]["p50_ms"], 3)
    delta_hanging = round(rows["on, hanging collector"]["p50_ms"] - rows["off"]["p50_ms"], 3)
    return {
        "rounds": rounds, "seconds_per_round": seconds, "clients": 4, "rate_per_s": 200, "errors": errors,
        "arms": rows, "p50_delta_ms": delta, "p50_delta_hanging_ms": delta_hanging,
        "collector_requests": exported, "hanging_requests_held": held, "otel_status": status,
        "goal": {"p50_delta_ms": GOAL_HTTP_DELTA_MS},
        "met": delta <= GOAL_HTTP_DELTA_MS and delta_hanging <= GOAL_HTTP_DELTA_MS and errors == 0,
    }  # fmt: skip


def _otel_status(env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([HOOKMUX, "otel", "status", "--json"], env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip
    report = json.loads(proc.stdout) if proc.returncode == 0 else {}
    keys = ("exported_spans", "dropped_spans", "failed_exports", "last_error")
    return {k: report.get(k) for k in keys}


def bench_cold(rounds: int, root: Path) -> dict[str, Any]:
    collector = Collector(hang=False)
    unmatched = json.dumps(bash("ls -la")).encode()
    envs = {
        "otel off": {**base_env(root / "cold"), "HOOKMUX_SERVE": "0", "HOOKMUX_PLUGINS": TEST_PLUGINS},
        "otel on": {**base_env(root / "cold"), "HOOKMUX_SERVE": "0", "HOOKMUX_PLUGINS": f"{TEST_PLUGINS},otel",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url},
    }  # fmt: skip
    times: dict[str, list[float]] = {arm: [] for arm in envs}
    try:
        for env in envs.values():
            for _ in range(3):  # .pyc files, the manifest
                subprocess.run([HOOKMUX, "run"], input=unmatched, env=env, capture_output=True, check=True)
        for r in range(rounds):
            for arm in list(envs) if r % 2 == 0 else list(reversed(envs)):
                started = time.perf_counter()
                proc = subprocess.run([HOOKMUX, "run"], input=unmatched, env=envs[arm], capture_output=True,
                                      check=True)  # fmt: skip
                times[arm].append((time.perf_counter() - started) * 1000)
                if proc.stdout:
                    raise SystemExit(f"{arm}: an unmatched event was answered: {proc.stdout!r}")
    finally:
        collector.close()
    rows = {arm: {"p50_ms": round(statistics.median(v), 3), "p90_ms": round(percentile(v, 90), 3)}
            for arm, v in times.items()}  # fmt: skip
    delta = round(rows["otel on"]["p50_ms"] - rows["otel off"]["p50_ms"], 3)
    return {"rounds": rounds, "arms": rows, "p50_delta_ms": delta, "collector_requests": collector.requests}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cold-rounds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "otel.json")
    args, _ = parser.parse_known_args()  # tox passes every bench the same arguments
    if args.quick:
        args.rounds, args.seconds, args.cold_rounds = 2, 3.0, 30
    root = Path(tempfile.mkdtemp(prefix="hookmux-bench-otel-"))
    try:
        http = bench_http(args.rounds, args.seconds, root)
        cold = bench_cold(args.cold_rounds, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {"machine": platform.platform(), "python": platform.python_version(), "http": http, "cold": cold}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"http p50: off {http['arms']['off']['p50_ms']} ms, on {http['arms']['on']['p50_ms']} ms "
          f"(+{http['p50_delta_ms']} ms), hanging collector {http['arms']['on, hanging collector']['p50_ms']} ms "
          f"(+{http['p50_delta_hanging_ms']} ms); goal <= +{GOAL_HTTP_DELTA_MS} ms: "
          f"{'met' if http['met'] else 'NOT met'}")  # fmt: skip
    print(f"cold unmatched event p50: off {cold['arms']['otel off']['p50_ms']} ms, "
          f"on {cold['arms']['otel on']['p50_ms']} ms ({cold['p50_delta_ms']:+} ms); "
          f"collector requests from cold runs: {cold['collector_requests']}")  # fmt: skip
    print(f"exports: {http['otel_status']}")
    return 0 if http["met"] and cold["collector_requests"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
