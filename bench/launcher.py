"""Launcher benchmark: what ``hookmux install`` wires, whatever pip installed hookmux.

Two fresh virtual environments of the same interpreter, hookmux installed from this
checkout as the README does (``python -m venv`` + ``pip install .``): one with the pip
the interpreter bundles (23.2.1 with CPython 3.11.7, whose console scripts import ``re``),
one with the newest pip from PyPI. In each, ``hookmux install --scope project`` wires a
throwaway project; the benchmark then runs, interleaved round by round, in both
environments: ``python -c pass``, the wired command (exec form, as Claude Code runs it)
with an event no plugin wants, and pip's console script with the same event. Medians,
ratios to ``python -c pass`` of the same environment. Goal (issue #16): the wired
command at most 1.15x in both.

    python bench/launcher.py [--rounds 30] [--python /path/to/python3.11] [--json bench/results/launcher.json]
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

REPO = Path(__file__).resolve().parents[1]
GOAL = 1.15


def base_python() -> str:
    """The real interpreter behind this one (never a pyenv shim)."""
    return str(getattr(sys, "_base_executable", sys.executable))


def run(argv: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, env=env, check=True, capture_output=True, timeout=600, **kwargs)  # type: ignore[call-overload, no-any-return]


def make_env(root: Path, python: str, newest_pip: bool, env: dict[str, str]) -> dict[str, object]:
    venv = root / ("newest-pip" if newest_pip else "bundled-pip")
    run([python, "-m", "venv", str(venv)], env)
    py = str(venv / "bin" / "python")
    if newest_pip:
        run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], env)
    run([py, "-m", "pip", "install", "-q", str(REPO)], env)
    pip = run([py, "-m", "pip", "--version"], env).stdout.decode().split()[1]
    home = root / f"{venv.name}-state"
    project = root / f"{venv.name}-project"
    (project / ".claude").mkdir(parents=True)
    hook_env = dict(env, HOOKMUX_HOME=str(home), HOOKMUX_SERVE="0")
    run(
        [str(venv / "bin" / "hookmux"), "install", "--scope", "project", "--project-dir", str(project)],
        hook_env,
    )
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    [group] = settings["hooks"]["SessionStart"]  # no plugin: the staleness check only
    [handler] = group["hooks"]
    event = json.dumps(
        {
            "session_id": "bench",
            "transcript_path": str(root / "t.jsonl"),
            "cwd": str(project),
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "ls -la", "description": "bench"},
            "tool_use_id": "toolu_bench",
        }
    ).encode()
    script = str(venv / "bin" / "hookmux")
    return {
        "name": venv.name,
        "pip": pip,
        "env": hook_env,
        "script_imports_re": "import re\n" in Path(script).read_text(),
        "wired": handler["command"],
        "cases": {
            "python -c pass": ([py, "-c", "pass"], b""),
            "wired command, no plugin matches": ([handler["command"], *handler["args"]], event),
            "pip's console script, no plugin matches": ([script, *handler["args"]], event),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--python", default=base_python(), help="interpreter to build both venvs from")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "launcher.json")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="hookmux-bench-launcher-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOOKMUX", "CLAUDE_", "PYTHON", "VIRTUAL_ENV"))
    }
    # users have .pyc files; so must the measurement (PYTHONDONTWRITEBYTECODE is unset above)
    env.update(HOME=str(root / "home"), XDG_CONFIG_HOME=str(root / "config"))
    envs = [make_env(root, args.python, newest, env) for newest in (False, True)]
    cases = [(e, name, argv, stdin) for e in envs for name, (argv, stdin) in e["cases"].items()]  # type: ignore[attr-defined]
    for e, _, argv, stdin in cases:  # warm up: .pyc files, the plugin manifest
        for _ in range(3):
            run(argv, e["env"], input=stdin)
    times: dict[tuple[str, str], list[float]] = {(e["name"], name): [] for e, name, _, _ in cases}
    for _ in range(args.rounds):
        for e, name, argv, stdin in cases:
            started = time.perf_counter()
            run(argv, e["env"], input=stdin)
            times[(e["name"], name)].append((time.perf_counter() - started) * 1000)
    rows = []
    for e in envs:
        base = statistics.median(times[(e["name"], "python -c pass")])  # type: ignore[index]
        for name in e["cases"]:  # type: ignore[attr-defined]
            samples = times[(e["name"], name)]  # type: ignore[index]
            median = statistics.median(samples)
            rows.append({"venv": e["name"], "pip": e["pip"], "case": name, "median_ms": round(median, 2),
                         "p90_ms": round(statistics.quantiles(samples, n=10)[-1], 2),
                         "ratio": round(median / base, 2)})  # fmt: skip
    wired = [r for r in rows if r["case"].startswith("wired")]
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "interpreter": args.python,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rounds": args.rounds,
        "venvs": [
            {
                "venv": e["name"],
                "pip": e["pip"],
                "script_imports_re": e["script_imports_re"],
                "wired": e["wired"],
            }
            for e in envs
        ],
        "rows": rows,
        "goal_ratio": GOAL,
        "goal_met": all(r["ratio"] <= GOAL for r in wired),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"{args.rounds} interleaved rounds, Python {report['python']}, {report['machine']}, {report['date']}"
    )
    print("| venv (pip) | case | median | p90 | ratio to python -c pass |\n|---|---|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['venv']} ({r['pip']}) | {r['case']} | {r['median_ms']} ms | {r['p90_ms']} ms | {r['ratio']}x |"
        )
    verdict = "met" if report["goal_met"] else "MISSED"
    print(f"goal: wired command <= {GOAL}x python -c pass in both venvs: {verdict} "
          f"({', '.join(str(r['ratio']) + 'x' for r in wired)})")  # fmt: skip
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
