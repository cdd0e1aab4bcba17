"""What the trust check costs a cold event: interleaved rounds, medians, ratios in the same run.

The trust check (docs/plugins.md, "Trust") runs only when a project file sets a
sensitive key: one ``stat`` of the trust store and the SHA-256 of the file already
read. This measures ``hookmux run`` (no daemon) on a matched event (the test plugin
alpha's deny) in a project with no hookmux file, with a file of plain keys, with a
file setting a sensitive key (untrusted, then trusted), and a SessionStart no plugin
takes (the notice's two ``stat`` calls) with and without a project file.

    python bench/trust.py [--rounds 40] [--json bench/results/trust.json]
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

HOOKMUX = str(Path(sys.executable).with_name("hookmux"))


def timed(argv: list[str], stdin: bytes, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, input=stdin, env=env, cwd=cwd, capture_output=True, check=True)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "trust.json")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="hookmux-trust-bench-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
        env.update(HOOKMUX_HOME=str(scratch / "home"), XDG_CONFIG_HOME=str(scratch / "config"),
                   HOOKMUX_SERVE="0", HOOKMUX_PLUGINS="alpha", HOOKMUX_METRICS="0")  # fmt: skip
        projects = {name: scratch / name for name in ("none", "plain", "untrusted", "trusted")}
        for path in projects.values():
            (path / ".claude").mkdir(parents=True)
        (projects["plain"] / ".claude" / "hookmux.toml").write_text("[hookmux]\ndedupe_ttl = 5\n")
        for name in ("untrusted", "trusted"):
            (projects[name] / ".claude" / "hookmux.toml").write_text("[hookmux]\nstore_raw = true\n")
        subprocess.run([HOOKMUX, "trust", "--project-dir", str(projects["trusted"])], env=env, check=True,
                       capture_output=True)  # fmt: skip

        def deny(project: Path) -> bytes:
            return json.dumps({"session_id": "s", "hook_event_name": "PreToolUse", "cwd": str(project),
                               "tool_name": "Bash", "tool_input": {"command": "hmtest-deny"},
                               "tool_use_id": "toolu_1"}).encode()  # fmt: skip

        def start(project: Path) -> bytes:
            return json.dumps({"session_id": "s", "hook_event_name": "SessionStart", "cwd": str(project),
                               "source": "startup"}).encode()  # fmt: skip

        cases = {
            "python -c pass": ([sys.executable, "-c", "pass"], b"", projects["none"]),
            **{f"deny, {n} project file": ([HOOKMUX, "run"], deny(p), p) for n, p in projects.items()},
            "SessionStart, no project file": ([HOOKMUX, "run"], start(projects["none"]), projects["none"]),
            "SessionStart, plain project file": (
                [HOOKMUX, "run"],
                start(projects["plain"]),
                projects["plain"],
            ),
        }
        for argv, stdin, cwd in cases.values():  # .pyc files, the manifest
            for _ in range(3):
                timed(argv, stdin, env, cwd)
        times: dict[str, list[float]] = {name: [] for name in cases}
        names = list(cases)
        for n in range(args.rounds):
            for name in names if n % 2 == 0 else names[::-1]:
                argv, stdin, cwd = cases[name]
                times[name].append(timed(argv, stdin, env, cwd))
        medians = {name: statistics.median(values) for name, values in times.items()}
        base = medians["deny, none project file"]
        start_base = medians["SessionStart, no project file"]
        rows = []
        for name, value in medians.items():
            against = start_base if name.startswith("SessionStart") else base
            rows.append({"case": name, "p50_ms": round(value, 3), "vs_no_file": round(value / against, 3)})
            print(f"{name:36} {value:8.3f} ms  {value / against:6.3f}x")
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rounds": args.rounds, "cases": rows}, indent=2) + "\n")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
