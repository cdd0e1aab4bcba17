"""What hookmux-capture adds per hook event, against Claude Code's own cost of a hook.

Every figure is measured in this one run, each comparison interleaved (machine drift
hits both sides alike), medians of per-event samples:

* in-process, warm (the path ``hookmux serve`` takes: one process, the plugin manager
  and settings cache reused, handlers run in the routing thread under a takeover
  guard, recording deferred until the answer is out): the
  latency of answering an event with capture on against off, for
  A. an event another plugin also takes (the test plugin alpha denies
     ``hmtest-deny``): the routing happens anyway, capture adds its handler;
  B. an event no other plugin takes: off, hookmux answers at once; on, capture's
     handler is the whole dispatch;
  plus the deferred recording of capture's handler run, and capture's handler
  alone (``capture_event(ctx)``). Goal: capture adds <= 0.5 ms p50 per event;
* cold, for information: whole ``hookmux run`` processes (``HOOKMUX_SERVE=0``) for
  event B with capture on and off: a process per event pays the imports of the
  dispatch path for every event capture takes, i.e. every event;
* the real Claude Code 2.1.330 (offline, loopback Messages API): the time it spends on
  each invocation of a ``/bin/true`` command hook, as its debug log times it
  (``(N ms)``), over a scripted session of edits: the floor any hook costs.

    python bench/capture.py [--events 3000] [--rounds 30] [--claude-rounds 3] [--edits 20]
                            [--skip-claude] [--quick] [--json bench/results/capture.json]

Needs hookmux-capture and the test plugins (tests/plugins/testplugins) installed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MS = 0.5
HOOKMUX = str(Path(sys.executable).with_name("hookmux"))


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files; so must the measurement
    env.update(HOOKMUX_HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), HOOKMUX_SERVE="0")
    return env


def event_a(i: int, cwd: str) -> dict[str, Any]:
    """Taken by alpha (a deny) and, when on, by capture."""
    return {
        "session_id": "bench-a",
        "transcript_path": "/tmp/bench.jsonl",
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "hmtest-deny now", "description": "bench"},
        "tool_use_id": f"toolu_a{i}",
    }


def event_b(i: int, cwd: str) -> dict[str, Any]:
    """Taken by no test plugin: only capture, when on. A real PostToolUse payload's shape."""
    return {
        "session_id": "bench-b",
        "transcript_path": "/tmp/bench.jsonl",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PostToolUse",
        "tool_name": "Read",
        "tool_input": {"file_path": f"{cwd}/notes.txt"},
        "tool_response": {"type": "text", "file": {"filePath": f"{cwd}/notes.txt", "content": "x\n" * 20}},
        "tool_use_id": f"toolu_b{i}",
        "duration_ms": 3,
    }


def warm(events: int, home: Path) -> dict[str, Any]:
    """The daemon's routing path in this process: answer() with a reused plugin manager and
    settings cache; the recording it defers is timed separately."""
    from hookmux.config import SettingsCache
    from hookmux.entry.route import answer
    from hookmux.routing.manifest import load_manifest
    from hookmux.routing.plugins import make_plugin_manager
    from hookmux.routing.takeover import Guard

    def unexpected(_guard: Guard) -> None:
        raise SystemExit("a handler overran its timeout")

    manifest = load_manifest(str(home))
    for needed in ("alpha", "capture"):
        if needed not in manifest["plugins"]:
            raise SystemExit(
                f"plugin {needed} is not installed (pip install plugins/capture tests/plugins/testplugins)"
            )
    pm = make_plugin_manager()
    cache = SettingsCache(watch=True)  # as the daemon reads settings
    cwd = str(home / "project")
    os.makedirs(cwd, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOOKMUX_")}
    envs = {
        "off": {**base, "HOOKMUX_HOME": str(home), "HOOKMUX_PLUGINS": "alpha"},
        "on": {**base, "HOOKMUX_HOME": str(home), "HOOKMUX_PLUGINS": "alpha,capture"},
    }
    samples: dict[str, list[float]] = {f"{case}-{mode}": [] for case in "ab" for mode in ("off", "on")}
    after: dict[str, list[float]] = {f"{case}-{mode}": [] for case in "ab" for mode in ("off", "on")}
    warmup = 100
    for i in range(events + warmup):
        for case, make in (("a", event_a), ("b", event_b)):
            for mode in ("off", "on"):
                data = json.dumps(make(i, cwd)).encode()
                later: list[Any] = []
                out, err = io.BytesIO(), io.StringIO()
                started = time.perf_counter()
                answer([], data, out, err, environ=envs[mode], home=str(home), manifest=manifest,
                       plugin_manager=pm, deferred=later, settings_loader=cache.load,
                       guard=Guard(unexpected))  # fmt: skip
                answered = time.perf_counter()
                for task in later:
                    task()
                done = time.perf_counter()
                if err.getvalue():
                    raise SystemExit(f"hookmux complained: {err.getvalue()}")
                if i >= warmup:
                    samples[f"{case}-{mode}"].append((answered - started) * 1000)
                    after[f"{case}-{mode}"].append((done - answered) * 1000)
    p50 = {k: statistics.median(v) for k, v in samples.items()}
    deferred = {k: statistics.median(v) for k, v in after.items()}
    return {
        "events": events,
        "answer_p50_ms": {k: round(v, 3) for k, v in p50.items()},
        "answer_p90_ms": {k: round(statistics.quantiles(v, n=10)[8], 3) for k, v in samples.items()},
        "deferred_p50_ms": {k: round(v, 3) for k, v in deferred.items()},
        "added_a_ms": round(p50["a-on"] - p50["a-off"], 3),
        "added_b_ms": round(p50["b-on"] - p50["b-off"], 3),
        "deferred_added_a_ms": round(deferred["a-on"] - deferred["a-off"], 3),
        "deferred_added_b_ms": round(deferred["b-on"] - deferred["b-off"], 3),
    }


def handler_alone(events: int, home: Path) -> dict[str, float]:
    """capture_event(ctx), the function every capture handler calls, against a no-op."""
    import hookmux_capture
    from hookmux_capture.config import Config

    from hookmux.routing.context import HookContext

    cwd = str(home / "project")
    environ = {"HOOKMUX_HOME": str(home)}
    times: dict[str, list[float]] = {"off": [], "on": []}

    def noop(_ctx: HookContext) -> None:
        return None

    for i in range(events + 100):
        raw = event_b(i, cwd)
        ctx = HookContext(plugin="capture", config=Config(), project_dir=cwd, home=str(home),
                          deadline=time.monotonic() + 5, raw=raw, correlation_id="c", environ=environ)  # fmt: skip
        for mode, fn in (("off", noop), ("on", hookmux_capture.capture_event)):
            started = time.perf_counter()
            fn(ctx)
            if i >= 100:
                times[mode].append((time.perf_counter() - started) * 1000)
    return {mode: round(statistics.median(v), 3) for mode, v in times.items()}


def cold(rounds: int, home: Path) -> dict[str, float]:
    """Whole `hookmux run` processes, no daemon, for event B."""
    env = base_env(home)
    cwd = str(home / "project")
    times: dict[str, list[float]] = {"off": [], "on": []}
    for i in range(rounds + 3):
        for mode, plugins in (("off", "alpha"), ("on", "alpha,capture")):
            data = json.dumps(event_b(i, cwd)).encode()
            started = time.perf_counter()
            subprocess.run([HOOKMUX, "run"], input=data, env=dict(env, HOOKMUX_PLUGINS=plugins),
                           capture_output=True, check=True)  # fmt: skip
            if i >= 3:
                times[mode].append((time.perf_counter() - started) * 1000)
    return {mode: round(statistics.median(v), 2) for mode, v in times.items()}


def claude_floor(rounds: int, edits: int, root: Path) -> dict[str, Any] | None:
    """Claude Code's own time per /bin/true command hook invocation (its debug log)."""
    from tests.support.claude_cli import find_claude, run_claude
    from tests.support.messages_api import MessagesAPI, Text, ToolUse

    claude = find_claude()
    if claude is None:
        return None
    project = root / "cc-project"
    (project / ".claude").mkdir(parents=True)
    group = {"matcher": "Edit", "hooks": [{"type": "command", "command": "/bin/true", "timeout": 30}]}
    (project / ".claude" / "settings.json").write_text(
        json.dumps({"hooks": {"PreToolUse": [group], "PostToolUse": [group]}})
    )
    times: list[float] = []
    for number in range(rounds + 1):  # round 0 warms up
        target = project / "notes.txt"
        target.write_text("".join(f"line-{i}\n" for i in range(edits)))
        script: list[Any] = [ToolUse("Read", {"file_path": str(target)})]
        script += [ToolUse("Edit", {"file_path": str(target), "old_string": f"line-{i}\n", "new_string": f"LINE-{i}\n"})
                   for i in range(edits)]  # fmt: skip
        script.append(Text("done"))
        home = root / f"cc-home-{number}"
        debug = home / "debug.log"
        with MessagesAPI(script) as api:
            run = run_claude(
                claude, project, home, api.url, timeout=600, extra_args=["--debug-file", str(debug)]
            )
            if run.returncode != 0 or target.read_text().count("LINE-") != edits:
                raise SystemExit(f"the Claude Code session failed:\n{run.describe()}\n{api.describe()}")
        found = [
            float(line.rpartition("(")[2].partition("ms)")[0])
            for line in debug.read_text().splitlines()
            if "Hooks: PreToolUse:Edit" in line or "Hooks: PostToolUse:Edit" in line
        ]
        if len(found) != 2 * edits:
            raise SystemExit(
                f"expected {2 * edits} timed hooks in Claude Code's debug log, found {len(found)}"
            )
        if number:
            times.extend(found)
    return {
        "rounds": rounds,
        "hooks_timed": len(times),
        "per_hook_p50_ms": round(statistics.median(times), 3),
        "per_hook_mean_ms": round(statistics.mean(times), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--claude-rounds", type=int, default=3)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--skip-claude", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few events, rounds and edits")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "capture.json")
    args = parser.parse_args()
    if args.quick:
        args.events, args.rounds, args.claude_rounds, args.edits = 300, 5, 1, 5
    root = Path(tempfile.mkdtemp(prefix="hookmux-bench-capture-"))
    home = root / "home"
    home.mkdir()
    os.environ.update(HOOKMUX_HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_RUNTIME_DIR=str(root))

    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    report["warm"] = w = warm(args.events, home)
    report["handler_p50_ms"] = h = handler_alone(args.events, home)
    report["cold_whole_process_p50_ms"] = c = cold(args.rounds, home)
    added = max(w["added_a_ms"], w["added_b_ms"])
    report["goal_ms"] = GOAL_MS
    report["goal_met"] = added <= GOAL_MS
    print(f"in-process, warm (the hookmux serve path), {args.events} events per case, interleaved, p50:")
    print(
        "| event | capture off | capture on | added | deferred recording added |\n|---|---:|---:|---:|---:|"
    )
    p50 = w["answer_p50_ms"]
    for case, label in (("a", "A. alpha also takes it (PreToolUse Bash deny)"),
                        ("b", "B. no other plugin takes it (PostToolUse Read)")):  # fmt: skip
        print(f"| {label} | {p50[case + '-off']} ms | {p50[case + '-on']} ms | {w['added_' + case + '_ms']:+} ms | "
              f"{w['deferred_added_' + case + '_ms']:+} ms |")  # fmt: skip
    print(f"capture_event(ctx) alone: {h['on']} ms p50 (a no-op: {h['off']} ms)")
    print(
        f"cold, whole `hookmux run` processes for event B (information): off {c['off']} ms, on {c['on']} ms p50"
    )
    if not args.skip_claude:
        report["claude"] = cc = claude_floor(args.claude_rounds, args.edits, root)
        if cc is None:
            print("real Claude Code: not installed (tests/support/claude_cli.py install); skipped")
        else:
            print(f"real Claude Code 2.1.330, /bin/true command hook, {cc['hooks_timed']} invocations timed by its "
                  f"debug log: p50 {cc['per_hook_p50_ms']} ms, mean {cc['per_hook_mean_ms']} ms")  # fmt: skip
            report["added_share_of_claude_floor"] = round(added / cc["per_hook_p50_ms"], 3)
            print(f"capture's warm cost is {report['added_share_of_claude_floor']:.0%} of that floor")
    print(f"goal: capture adds <= {GOAL_MS} ms p50 per event in-process: {'met' if report['goal_met'] else 'MISSED'} "
          f"({added} ms)")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
