"""Benchmark: ``hookmux statusline`` against ``python -c pass`` in the same environment.

Claude Code runs the statusLine command after every assistant message; the goal
(issue 5) is a median under 1.5x a bare interpreter start. Each round runs both
cases once, in turn (interleaved, so machine drift hits both alike); figures are
medians over the rounds. Byte-code files are allowed (PYTHONDONTWRITEBYTECODE is
unset), as on a user's machine.

    python plugins/specstatus/bench_statusline.py [--rounds 40] [--json results.json]

Run it with the interpreter of the environment where hookmux and hookmux-specstatus
are installed (the ``hookmux`` script next to it is measured).
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
from typing import Any

GOAL = 1.5

CACHE = {
    "current": {"id": "0001-demo", "name": "0001-demo", "completed": 3, "total": 5, "percentage": 60,
                "acsCompleted": 4, "acsTotal": 7},
    "openCount": 1,
    "lastUpdate": "2025-11-19T07:48:21Z",
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if args.rounds < 30:
        parser.error("--rounds must be at least 30")

    hookmux = str(Path(sys.executable).with_name("hookmux"))
    work = Path(tempfile.mkdtemp(prefix="statusline-bench-"))
    project = work / "project"
    (project / ".specweave" / "state").mkdir(parents=True)
    (project / ".specweave" / "state" / "status-line.json").write_text(json.dumps(CACHE, indent=2) + "\n")
    status = json.dumps(
        {
            "session_id": "bench",
            "cwd": str(project),
            "workspace": {"current_dir": str(project), "project_dir": str(project)},
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet"},
            "version": "2.1.330",
        }
    ).encode()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files; so must the measurement
    env.update(
        HOOKMUX_HOME=str(work / "home"), XDG_CONFIG_HOME=str(work / "config"), HOOKMUX_PLUGINS="specstatus"
    )
    cases = {
        "python -c pass": ([sys.executable, "-c", "pass"], b""),
        "hookmux statusline": ([hookmux, "statusline"], status),
    }
    expected = "[0001-demo] | ████░░░░ | 3/5 tasks | 4/7 ACs\n"
    for argv, stdin in cases.values():  # warm up: .pyc files, the plugin manifest
        for _ in range(3):
            subprocess.run(argv, input=stdin, env=env, capture_output=True, check=True)
    check = subprocess.run(
        cases["hookmux statusline"][0], input=status, env=env, capture_output=True, check=True
    )
    if check.stdout.decode() != expected:
        print(f"unexpected status line: {check.stdout!r} (stderr: {check.stderr!r})", file=sys.stderr)
        return 2

    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (argv, stdin) in cases.items():
            started = time.perf_counter()
            subprocess.run(argv, input=stdin, env=env, capture_output=True, check=True)
            times[name].append((time.perf_counter() - started) * 1000)
    base = statistics.median(times["python -c pass"])
    rows: list[dict[str, Any]] = [
        {
            "case": name,
            "median_ms": round(statistics.median(samples), 2),
            "p90_ms": round(statistics.quantiles(samples, n=10)[-1], 2),
            "ratio": round(statistics.median(samples) / base, 2),
        }
        for name, samples in times.items()
    ]
    ratio = rows[1]["ratio"]
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rounds": args.rounds,
        "rows": rows,
        "goal_ratio": GOAL,
        "goal_met": ratio < GOAL,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"{args.rounds} interleaved rounds, Python {report['python']}, {report['machine']}, {report['date']}"
    )
    print("| case | median | p90 | ratio to python -c pass |\n|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['case']} | {row['median_ms']} ms | {row['p90_ms']} ms | {row['ratio']}x |")
    verdict = "met" if report["goal_met"] else "MISSED"
    print(f"goal: hookmux statusline < {GOAL}x bare start: {verdict} ({ratio}x)")
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
