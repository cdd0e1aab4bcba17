"""Startup benchmark: ``hookmux run`` against ``python -c pass`` in the same venv.

Each round runs every case once, in turn (interleaved, so machine drift hits all
cases alike); the figures are medians over the rounds and ratios to the bare
interpreter start measured in the same run. Goal (issue: core platform): an
event no plugin matches costs at most 1.5x bare interpreter start.

    python bench/startup.py [--rounds 40] [--json bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: A throwaway project: events never point at a shared directory such as /tmp,
#: where plugins that keep project state (ghap's journal) would write.
PROJECT = tempfile.mkdtemp(prefix="hookmux-bench-project-")

GOAL_UNMATCHED = 1.5
TEST_PLUGINS = "alpha,beta,faulty,guarded,guards"


def event(command: str) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": "/tmp/bench.jsonl",
            "cwd": PROJECT,
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "bench"},
            "tool_use_id": "toolu_bench",
        }
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "startup.json")
    args = parser.parse_args()

    hookmux = str(Path(sys.executable).with_name("hookmux"))
    home = tempfile.mkdtemp(prefix="hookmux-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files; so must the measurement
    env.update(HOOKMUX_HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"))
    # The cold path, routed to the test plugins only: the bench env also has the five
    # plugins of plugins/ installed (capture takes every event), and a matched event
    # would start `hookmux serve` and be relayed from the next round on.
    env.update(HOOKMUX_PLUGINS=TEST_PLUGINS, HOOKMUX_SERVE="0")
    cases = {
        "python -c pass": ([sys.executable, "-c", "pass"], b""),
        "hookmux run, no plugin matches": ([hookmux, "run"], event("ls -la")),
        "hookmux run, one plugin matches (deny)": ([hookmux, "run"], event("hmtest-deny")),
    }
    for argv, stdin in cases.values():  # warm up: .pyc files, the plugin manifest
        for _ in range(3):
            subprocess.run(argv, input=stdin, env=env, capture_output=True, check=True)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (argv, stdin) in cases.items():
            started = time.perf_counter()
            subprocess.run(argv, input=stdin, env=env, capture_output=True, check=True)
            times[name].append((time.perf_counter() - started) * 1000)
    base = statistics.median(times["python -c pass"])
    rows = []
    for name, samples in times.items():
        median = statistics.median(samples)
        rows.append({"case": name, "median_ms": round(median, 2), "ratio": round(median / base, 2),
                     "p90_ms": round(statistics.quantiles(samples, n=10)[-1], 2)})  # fmt: skip
    unmatched = rows[1]["ratio"]
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rounds": args.rounds,
        "rows": rows,
        "goal_unmatched_ratio": GOAL_UNMATCHED,
        "goal_met": unmatched <= GOAL_UNMATCHED,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"{args.rounds} interleaved rounds, Python {report['python']}, {report['machine']}, {report['date']}"
    )
    print("| case | median | p90 | ratio to python -c pass |\n|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['case']} | {row['median_ms']} ms | {row['p90_ms']} ms | {row['ratio']}x |")
    verdict = "met" if report["goal_met"] else "MISSED"
    print(f"goal: no-match event <= {GOAL_UNMATCHED}x bare start: {verdict} ({unmatched}x)")
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
