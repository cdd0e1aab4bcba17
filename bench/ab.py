"""A/B: this tree against another commit, built side by side and measured interleaved.

For a change that must not cost anything (a refactoring, a new layer), the
figures of two separate runs differ more by the machine's drift than by the
change. This builds the baseline commit and the working tree (or --tree) into two fresh
venvs (same interpreter, same pip, the test plugins in both) and measures them
in one run, alternating sides case by case:

* ``python -c pass`` in each venv (the floor);
* an event no plugin matches, cold (no daemon): the hot path's import cost;
* a matched event (a deny) relayed by ``hookmux run`` to a running ``hookmux serve``;
* http: 2 keep-alive clients at 200 events/s in all against each side's daemon
  (a deny, two plugins' context, a prompt, an event no plugin takes), in blocks
  that alternate between the sides; per-event latency at the client.

Medians (p50) per side and the change in percent; a process case is also given as
a ratio to its own venv's ``python -c pass`` (the two floors differ only by the
run's noise, which the ratio cancels). ``--max-change`` fails the run when the tree
is slower than the baseline by more than that many percent on any case (process
cases by their ratio, http by its p50).

    python bench/ab.py [--baseline HEAD] [--tree REF] [--rounds 40] [--http-blocks 6] [--http-seconds 3]
                       [--max-change 3] [--json bench/results/ab.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from serve import bash, free_port, http_load, mix, percentile

ROOT = Path(__file__).resolve().parents[1]
TEST_PLUGINS = "alpha,beta,faulty,guarded,guards"


def build(source: Path, where: Path) -> Path:
    """A venv at ``where`` with hookmux and the test plugins from ``source``."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, str(source)], check=True)
    subprocess.run([*pip, "--no-deps", str(source / "tests" / "plugins" / "testplugins")], check=True)
    return where / "bin"


def checkout(ref: str, where: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    where.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files; so must the measurement
    env.update(HOOKMUX_HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), HOOKMUX_PLUGINS=TEST_PLUGINS)
    env.update(extra)
    return env


class Side:
    """One build: its executables, a home without a daemon, and one with."""

    def __init__(self, name: str, bin_dir: Path, scratch: Path) -> None:
        self.name = name
        self.python = str(bin_dir / "python")
        self.hookmux = str(bin_dir / "hookmux")
        self.cold_env = env_for(scratch / f"{name}-cold", HOOKMUX_SERVE="0")
        self.warm_home = scratch / f"{name}-warm"
        self.warm_env = env_for(self.warm_home, HOOKMUX_SERVE="1")
        self.port = 0
        self.token = ""

    def start(self) -> None:
        self.port = free_port()
        proc = subprocess.run([self.hookmux, "serve", f"--port={self.port}"], env=self.warm_env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode:
            raise SystemExit(f"{self.name}: hookmux serve did not start: {proc.stdout}{proc.stderr}")
        self.token = (self.warm_home / "daemon" / "token").read_text().strip()

    def stop(self) -> None:
        subprocess.run([self.hookmux, "serve", "stop"], env=self.warm_env, capture_output=True, check=False)


def timed(argv: list[str], stdin: bytes, env: dict[str, str], expect: bytes | None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, env=env, capture_output=True, check=True)
    elapsed = (time.perf_counter() - started) * 1000
    if expect is not None and expect not in proc.stdout:
        raise SystemExit(f"{argv}: unexpected answer {proc.stdout!r} {proc.stderr!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default="HEAD", help="the commit to compare with (default: HEAD)")
    parser.add_argument("--tree", default=None, help="a commit to measure instead of the working tree")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--http-blocks", type=int, default=6)
    parser.add_argument("--http-seconds", type=float, default=3.0)
    parser.add_argument("--max-change", type=float, default=None, help="fail above this slowdown, in %%")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "ab.json")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="hookmux-ab-"))
    try:
        print(f"building {args.baseline} and {args.tree or 'the working tree'} in {scratch} ...", flush=True)
        sides = [
            Side(
                "baseline",
                build(checkout(args.baseline, scratch / "src-baseline"), scratch / "venv-a"),
                scratch,
            ),
            Side(
                "tree",
                build(checkout(args.tree, scratch / "src-tree") if args.tree else ROOT, scratch / "venv-b"),
                scratch,
            ),
        ]
        return measure(sides, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure(sides: list[Side], args: argparse.Namespace) -> int:
    deny, unmatched = json.dumps(bash("hmtest-deny")).encode(), json.dumps(bash("ls -la")).encode()
    cases: dict[str, Any] = {
        "python -c pass": lambda s: timed([s.python, "-c", "pass"], b"", s.cold_env, None),
        "unmatched event, cold": lambda s: timed([s.hookmux, "run"], unmatched, s.cold_env, None),
        "deny, relayed to hookmux serve": lambda s: timed(
            [s.hookmux, "run"], deny, s.warm_env, b"alpha refuses"
        ),
    }
    times: dict[tuple[str, str], list[float]] = {(c, s.name): [] for c in cases for s in sides}
    for side in sides:
        side.start()
    try:
        for side in sides:  # .pyc files, manifests, the daemon's first events
            for case in cases.values():
                for _ in range(3):
                    case(side)
        for n in range(args.rounds):
            for case_name, case in cases.items():
                for side in sides if n % 2 == 0 else sides[::-1]:
                    times[(case_name, side.name)].append(case(side))
        http: dict[str, list[float]] = {s.name: [] for s in sides}
        errors = 0
        for side in sides:
            http_load(side, mix(), 2, 200, 1.0)  # type: ignore[arg-type] - it reads .port and .token
        for n in range(args.http_blocks):
            for side in sides if n % 2 == 0 else sides[::-1]:
                result = http_load(side, mix(), 2, 200, args.http_seconds)  # type: ignore[arg-type]
                http[side.name] += result["latencies"]
                errors += result["errors"]
    finally:
        for side in sides:
            side.stop()

    # A process case is also read against its own venv's floor: the two floors are the same
    # interpreter, so their difference is the run's noise, which the ratio cancels.
    floor = {s.name: statistics.median(times[("python -c pass", s.name)]) for s in sides}
    rows = []
    for case_name in [*cases, "http p50"]:
        values = {
            s.name: statistics.median(http[s.name] if case_name == "http p50" else times[(case_name, s.name)])
            for s in sides
        }
        base, tree = values["baseline"], values["tree"]
        row = {"case": case_name, "baseline_ms": round(base, 3), "tree_ms": round(tree, 3),
               "change_pct": round((tree / base - 1) * 100, 1)}  # fmt: skip
        if case_name in cases and case_name != "python -c pass":
            ratios = (base / floor["baseline"], tree / floor["tree"])
            row.update(baseline_ratio=round(ratios[0], 3), tree_ratio=round(ratios[1], 3),
                       ratio_change_pct=round((ratios[1] / ratios[0] - 1) * 100, 1))  # fmt: skip
        rows.append(row)
    http_p99 = {s.name: round(percentile(http[s.name], 99), 3) for s in sides}
    print(f"\n{'case':34} {'baseline':>10} {'tree':>10} {'change':>8}   x floor: baseline / tree / change")
    for row in rows:
        line = f"{row['case']:34} {row['baseline_ms']:>8.3f}ms {row['tree_ms']:>8.3f}ms {row['change_pct']:>+7.1f}%"
        if "tree_ratio" in row:
            line += (
                f"   {row['baseline_ratio']:.3f} / {row['tree_ratio']:.3f} / {row['ratio_change_pct']:+.1f}%"
            )
        print(line)
    print(f"http p99: baseline {http_p99['baseline']} ms, tree {http_p99['tree']} ms; http errors: {errors}")
    # Process cases by their ratio to the floor; http by its latency.
    worst = max(r.get("ratio_change_pct", r["change_pct"]) for r in rows if r["case"] != "python -c pass")
    met = errors == 0 and (args.max_change is None or worst <= args.max_change)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "baseline": args.baseline, "tree": args.tree or "working tree", "rounds": args.rounds, "http_blocks": args.http_blocks,
        "http_seconds": args.http_seconds, "rows": rows, "http_p99_ms": http_p99, "http_errors": errors,
        "max_change_pct": args.max_change, "worst_change_pct": worst, "met": met,
    }, indent=2) + "\n")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
