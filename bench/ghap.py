"""hookmux-ghap benchmark: a cold ``hookmux run`` per hook, against ``python -c pass``.

The ghap plugin matches every tool call (PreToolUse counts them), so its
per-event path is what every tool call of a session pays. Each round runs every
case once, in turn (interleaved, so machine drift hits all cases alike); the
figures are medians over the rounds and ratios to the bare interpreter start
measured in the same run, in the same virtual environment, with byte-code caches
(PYTHONDONTWRITEBYTECODE unset), as users run it. The seed's goal: every hook
under 200 ms.

Besides the wall time it reports, from hookmux's own records, how much of each
event the plugin accounts for (its import and its handler), and, from
``python -X importtime``, which modules a PreToolUse event imports, by package.

Needs hookmux and hookmux-ghap installed in this interpreter's environment:

    python bench/ghap.py [--rounds 30] [--json bench/results/ghap.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

GOAL_MS = 200.0


def event(name: str, project: Path, session: str, **fields: Any) -> bytes:
    payload = {
        "session_id": session,
        "transcript_path": str(project / ".claude" / f"{session}.jsonl"),
        "cwd": str(project),
        "permission_mode": "default",
        "hook_event_name": name,
        **fields,
    }
    return json.dumps(payload).encode()


def tool(project: Path, session: str, name: str, tool_input: dict[str, Any], **fields: Any) -> bytes:
    return event(name, project, session, tool_name="Bash" if "command" in tool_input else "Read",
                 tool_input=tool_input, tool_use_id="toolu_bench", **fields)  # fmt: skip


def run(argv: list[str], stdin: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(argv, input=stdin, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc


def setup(root: Path, hookmux: str, env: dict[str, str]) -> dict[str, tuple[list[str], Any]]:
    """Projects in the states the cases need, and each case's argv and stdin."""
    plain, active, checkin = root / "plain", root / "active", root / "checkin"
    for project in (plain, active, checkin):
        (project / ".claude").mkdir(parents=True)
    # every call checks in: the check-in path on every round
    (checkin / ".claude" / "hookmux.toml").write_text("[plugins.ghap]\ncheck_frequency = 1\n")
    start = ["start", "--domain", "debugging", "--strategy", "read-the-error",
             "--goal", "Make the login test pass", "--hypothesis", "The cookie expires",
             "--action", "Freeze the clock", "--prediction", "The login test will pass"]  # fmt: skip
    for project in (active, checkin):
        run([hookmux, "ghap", "--project-dir", str(project), *start], b"", env)
    for i in range(10):
        run(
            [hookmux, "ghap", "--project-dir", str(active), "values", "add", f"Learned value number {i}"],
            b"",
            env,
        )
    failing = {"command": "uv run pytest -q", "description": "tests"}
    sessions = iter(range(10**9))
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], b""),
        "hookmux run, no ghap handler matches (Bash ls)": (
            [hookmux, "run"],
            tool(
                plain,
                "bench-nomatch",
                "PostToolUse",
                {"command": "ls -la", "description": "ls"},
                tool_response={"stdout": "", "stderr": "", "interrupted": False},
            ),
        ),
        "PreToolUse, counted (no GHAP)": (
            [hookmux, "run"],
            tool(plain, "bench-count", "PreToolUse", {"file_path": str(plain / "a.py")}),
        ),
        "PreToolUse, check-in (GHAP active)": (
            [hookmux, "run"],
            tool(checkin, "bench-checkin", "PreToolUse", {"file_path": str(checkin / "a.py")}),
        ),
        "PostToolUseFailure, failing pytest (GHAP active)": (
            [hookmux, "run"],
            tool(
                active,
                "bench-outcome",
                "PostToolUseFailure",
                failing,
                error="Exit code 1\n.F.\n1 failed, 2 passed in 0.12s",
            ),
        ),
        # a new session each round: orphan detected, instructions, 5 values
        "SessionStart, orphan + instructions + values": (
            [hookmux, "run"],
            lambda: event("SessionStart", active, f"bench-start-{next(sessions)}", source="startup"),
        ),
        "UserPromptSubmit, 10 values (embedded store)": (
            [hookmux, "run"],
            event("UserPromptSubmit", active, "bench-prompt", prompt="why does login fail?"),
        ),
    }


def handler_shares(home: str) -> dict[str, dict[str, float]]:
    """Median event and ghap-handler durations (ms) per case, from hookmux's records."""
    spool = Path(home) / "spool" / "records.ndjson"
    events: dict[str, list[float]] = defaultdict(list)
    handlers: dict[str, list[float]] = defaultdict(list)
    for line in spool.read_text().splitlines() if spool.exists() else []:
        record = json.loads(line)
        session = str(record.get("session_id") or "")
        key = "bench-start" if session.startswith("bench-start") else session
        if record.get("kind") == "event":
            events[key].append(record["duration_ms"])
        elif record.get("kind") == "exec" and record.get("plugin") == "ghap":
            handlers[key].append(record["duration_ms"])
    return {
        key: {
            "dispatch_ms": round(statistics.median(events[key]), 2),
            "ghap_handler_ms": round(statistics.median(handlers[key]), 2) if handlers[key] else 0.0,
        }
        for key in events
    }


def import_profile(argv: list[str], stdin: bytes, env: dict[str, str], runs: int = 9) -> dict[str, float]:
    """Milliseconds spent importing, per owner, median over ``runs`` cold runs.

    Each module's own import time goes to the nearest package among attrs, cattrs,
    pluggy, hookmux and hookmux_ghap in its import chain (``inspect`` imported by
    cattrs counts for cattrs); modules no such package imported are the
    interpreter's start-up (site, encodings, ...) or "other".
    """
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for group, ms in _import_times(argv, stdin, env).items():
            samples[group].append(ms)
    medians = {group: statistics.median(values) for group, values in samples.items()}
    return {k: round(v, 2) for k, v in sorted(medians.items(), key=lambda kv: -kv[1])}


OWNERS = {"attr": "attrs", "attrs": "attrs", "cattrs": "cattrs", "pluggy": "pluggy",
          "hookmux": "hookmux core", "hookmux_ghap": "hookmux_ghap"}  # fmt: skip


def _import_times(argv: list[str], stdin: bytes, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv], input=stdin, env=env,
                          capture_output=True, check=True)  # fmt: skip
    # -X importtime prints a module after the modules it imported, indented one level more
    pending: dict[int, list[tuple[str, float, list[Any]]]] = defaultdict(list)
    for line in proc.stderr.decode().splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        first, _cumulative, label = line.split("|")
        try:
            self_ms = int(first.split(":")[1]) / 1000
        except ValueError:
            continue  # the header line
        depth = (len(label) - len(label.lstrip(" ")) - 1) // 2
        pending[depth].append((label.strip(), self_ms, pending.pop(depth + 1, [])))
    totals: dict[str, float] = defaultdict(float)

    def walk(node: tuple[str, float, list[Any]], owner: str | None, root: str) -> None:
        name, self_ms, children = node
        owner = OWNERS.get(name.split(".")[0], owner)
        if owner is None:
            owner = "interpreter start-up" if root in ("site", "encodings") else "other"
        totals[owner] += self_ms
        for child in children:
            walk(child, owner if owner in OWNERS.values() else None, root)

    for node in pending.get(0, []):
        walk(node, None, node[0])
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "ghap.json")
    args = parser.parse_args()

    hookmux = str(Path(sys.executable).with_name("hookmux"))
    try:
        import hookmux_ghap  # noqa: F401
    except ImportError:
        print("hookmux-ghap is not installed here: pip install -e plugins/ghap", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="hookmux-ghap-bench-"))
    try:
        return measure(args, hookmux, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(args: argparse.Namespace, hookmux: str, root: Path) -> int:
    home = str(root / "hookmux-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_", "CLAMS_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files; so must the measurement
    env.update(HOOKMUX_HOME=home, XDG_CONFIG_HOME=str(root / "config"), HOOKMUX_PLUGINS="ghap")
    cases = setup(root, hookmux, env)

    def stdin_of(spec: Any) -> bytes:
        return spec() if callable(spec) else spec

    for argv, spec in cases.values():  # warm up: .pyc files, the plugin manifest
        for _ in range(3):
            run(argv, stdin_of(spec), env)
    spool = Path(home) / "spool" / "records.ndjson"
    if spool.exists():
        spool.unlink()  # keep only the measured rounds' records
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (argv, spec) in cases.items():
            stdin = stdin_of(spec)
            started = time.perf_counter()
            run(argv, stdin, env)
            times[name].append((time.perf_counter() - started) * 1000)
    shares = handler_shares(home)
    share_keys = {
        "hookmux run, no ghap handler matches (Bash ls)": "bench-nomatch",
        "PreToolUse, counted (no GHAP)": "bench-count",
        "PreToolUse, check-in (GHAP active)": "bench-checkin",
        "PostToolUseFailure, failing pytest (GHAP active)": "bench-outcome",
        "SessionStart, orphan + instructions + values": "bench-start",
        "UserPromptSubmit, 10 values (embedded store)": "bench-prompt",
    }
    base = statistics.median(times["python -c pass"])
    rows = []
    for name, samples in times.items():
        median = statistics.median(samples)
        share = shares.get(share_keys.get(name, ""), {})
        rows.append({
            "case": name,
            "median_ms": round(median, 2),
            "p90_ms": round(statistics.quantiles(samples, n=10)[-1], 2),
            "ratio": round(median / base, 2),
            **share,
        })  # fmt: skip
    argv, spec = cases["PreToolUse, counted (no GHAP)"]
    profile = import_profile(argv, stdin_of(spec), env)
    hooks = [r for r in rows if r["case"] not in ("python -c pass",) and "no ghap" not in r["case"]]
    worst = max(r["median_ms"] for r in hooks)
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rounds": args.rounds,
        "rows": rows,
        "pre_tool_use_import_ms_by_package": profile,
        "goal_ms": GOAL_MS,
        "worst_hook_median_ms": worst,
        "goal_met": worst < GOAL_MS,
        "margin_ms": round(GOAL_MS - worst, 2),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"{args.rounds} interleaved rounds, Python {report['python']}, {report['machine']}, {report['date']}"
    )
    print("| case | median | p90 | ratio to python -c pass | hookmux dispatch | ghap handler |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        dispatch = f"{r['dispatch_ms']} ms" if "dispatch_ms" in r else "-"
        handler = f"{r['ghap_handler_ms']} ms" if r.get("ghap_handler_ms") else "-"
        print(
            f"| {r['case']} | {r['median_ms']} ms | {r['p90_ms']} ms | {r['ratio']}x | {dispatch} | {handler} |"
        )
    print("PreToolUse imports (median ms, by the package that pulled them in): "
          + ", ".join(f"{k} {v}" for k, v in profile.items()))  # fmt: skip
    verdict = "met" if report["goal_met"] else "MISSED"
    print(
        f"goal: every hook < {GOAL_MS:.0f} ms: {verdict} (worst median {worst} ms, margin {report['margin_ms']} ms)"
    )
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
