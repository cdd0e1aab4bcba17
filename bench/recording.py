"""What recording (the guard-rails store) adds per routed event, against recording off.

Two measurements, each interleaved so machine drift hits both sides alike:

* cold: a fresh process per sample imports hookmux's dispatch path, then times
  its first ``dispatch()`` of an event one plugin matches, recording on or off:
  the difference is what recording adds to a cold ``hookmux run`` (first-call
  imports, opening and locking the spool, the write), without the ~20 ms
  jitter of whole-process timings that would drown a 1 ms effect;
* warm: ``dispatch()`` in one process (the path a daemon takes), recording on and off;
* for information, whole ``hookmux run`` subprocesses with ``HOOKMUX_METRICS=1``/``0``.

Goal (issue: guard rails): recording adds at most 1 ms p50 per event.

    python bench/recording.py [--rounds 40] [--events 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: A throwaway project: events never point at a shared directory such as /tmp,
#: where plugins that keep project state (ghap's journal) would write.
PROJECT = tempfile.mkdtemp(prefix="hookmux-bench-project-")

GOAL_MS = 1.0


def event(i: int) -> dict[str, object]:
    return {
        "session_id": "bench",
        "transcript_path": "/tmp/bench.jsonl",
        "cwd": PROJECT,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "hmtest-deny", "description": "bench"},
        "tool_use_id": f"toolu_{i}",
    }


COLD_PROBE = """
import json, sys, time
from hookmux.config import CoreConfig, Settings
from hookmux.routing.dispatch import dispatch
from hookmux.entry.route import matching_handlers
from hookmux.routing.manifest import load_manifest
from hookmux.state.paths import hookmux_home
raw = json.loads(sys.argv[1])
home = hookmux_home()
manifest = load_manifest(home)
handlers = matching_handlers(raw, manifest)
settings = Settings(core=CoreConfig(metrics=sys.argv[2] == "on"))
__import__("hookmux_testplugins.alpha")
started = time.perf_counter()
dispatch(raw, handlers, manifest, home=home, settings=settings)
print((time.perf_counter() - started) * 1000)
"""


def cold_first_dispatch(rounds: int, env: dict[str, str]) -> dict[str, float]:
    times: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(rounds + 3):
        for mode in ("on", "off"):
            proc = subprocess.run([sys.executable, "-c", COLD_PROBE, json.dumps(event(i)), mode], env=env,
                                  capture_output=True, text=True, check=True)  # fmt: skip
            if i >= 3:
                times[mode].append(float(proc.stdout))
    return {mode: statistics.median(values) for mode, values in times.items()}


def whole_process(rounds: int, env: dict[str, str]) -> dict[str, float]:
    hookmux = str(Path(sys.executable).with_name("hookmux"))
    times: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(rounds + 3):
        for mode in ("on", "off"):
            run_env = dict(env, HOOKMUX_METRICS="1" if mode == "on" else "0")
            started = time.perf_counter()
            subprocess.run([hookmux, "run"], input=json.dumps(event(i)).encode(), env=run_env, capture_output=True,
                           check=True)  # fmt: skip
            if i >= 3:
                times[mode].append((time.perf_counter() - started) * 1000)
    return {mode: statistics.median(values) for mode, values in times.items()}


def warm(events: int, home: str) -> dict[str, float]:
    from hookmux.config import CoreConfig, Settings
    from hookmux.entry.route import matching_handlers
    from hookmux.routing.dispatch import dispatch
    from hookmux.routing.manifest import load_manifest

    manifest = load_manifest(home)
    settings = {mode: Settings(core=CoreConfig(metrics=mode == "on")) for mode in ("on", "off")}
    times: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(events + 50):
        for mode in ("on", "off"):
            raw = event(i)
            started = time.perf_counter()
            handlers = matching_handlers(raw, manifest)
            dispatch(raw, handlers, manifest, home=home, settings=settings[mode])
            if i >= 50:
                times[mode].append((time.perf_counter() - started) * 1000)
    return {mode: statistics.median(values) for mode, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "recording.json")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="hookmux-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # the test plugins only (capture, in the bench env too, takes every event), in-process
    cold = {"HOOKMUX_PLUGINS": "alpha,beta,faulty,guarded,guards", "HOOKMUX_SERVE": "0"}
    env.update(HOOKMUX_HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"), **cold)
    os.environ.update(HOOKMUX_HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"), **cold)
    cold_ms = cold_first_dispatch(args.rounds, env)
    warm_ms = warm(args.events, home)
    whole_ms = whole_process(args.rounds, env)
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "whole_process_p50_ms": {k: round(v, 3) for k, v in whole_ms.items()},
        "cold_p50_ms": {k: round(v, 3) for k, v in cold_ms.items()},
        "cold_added_ms": round(cold_ms["on"] - cold_ms["off"], 3),
        "warm_p50_ms": {k: round(v, 3) for k, v in warm_ms.items()},
        "warm_added_ms": round(warm_ms["on"] - warm_ms["off"], 3),
        "goal_ms": GOAL_MS,
    }
    report["goal_met"] = report["cold_added_ms"] <= GOAL_MS and report["warm_added_ms"] <= GOAL_MS
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print("| path | recording off (p50) | recording on (p50) | added | ratio |\n|---|---:|---:|---:|---:|")
    for path, key in (
        ("cold: first dispatch() in a fresh process", "cold"),
        ("warm: dispatch() in a live process", "warm"),
    ):
        off, on = report[f"{key}_p50_ms"]["off"], report[f"{key}_p50_ms"]["on"]
        print(f"| {path} | {off} ms | {on} ms | {report[f'{key}_added_ms']:+} ms | {on / off:.3f}x |")
    whole = report["whole_process_p50_ms"]
    print(f"(whole `hookmux run` processes, for information: off {whole['off']} ms, on {whole['on']} ms p50)")
    print(f"goal: recording adds <= {GOAL_MS} ms p50: {'met' if report['goal_met'] else 'MISSED'}")
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
