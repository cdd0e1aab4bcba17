"""How hookmux scales: latency and throughput against installed plugins and concurrent sessions.

Synthetic plugins (1, 5 and 20 distributions, each a ``hookmux-synthNN`` wheel
built here and installed with ``pip install --target``) each handle the eight
events of the recorded session (SessionStart, UserPromptSubmit, PreToolUse,
PostToolUse, PostToolUseFailure, PostToolBatch, Stop, SessionEnd) with no
matcher, so every plugin runs on every event; a handler reads the event and
answers nothing. ``HOOKMUX_PLUGINS`` names only them (the five real plugins stay
installed but are left out).

C concurrent sessions (1, 4, 8) are C client threads, each replaying the first
``--events`` events of ``bench/data/session.ndjson`` under its own session id, one
event at a time, as Claude Code does within a session. Per setting: per-event
latency at the client (p50, p95) and throughput (events answered per second of
wall time, all sessions together), for the cold path (a ``hookmux run`` process
per event, ``HOOKMUX_SERVE=0``) and the warm daemon (``hookmux run`` relaying to
``hookmux serve``, and http). Settings run one after another in an order that
rotates each round.

    python bench/scale.py [--events 40] [--rounds 1] [--plugins 1,5,20] [--sessions 1,4,8]
                          [--quick] [--json bench/results/scale.json]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import benchlib as bl

TRANSPORTS = {
    "cold": "cold (`hookmux run`)",
    "relay": "relay (`hookmux run` → serve)",
    "http": "http (serve)",
}
EVENTS = ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure", "PostToolBatch",
          "Stop", "SessionEnd")  # fmt: skip


def plugin_name(index: int) -> str:
    return f"synth{index:02d}"


def build_wheel(directory: Path, index: int) -> Path:
    """``hookmux_synthNN-0.1.0-py3-none-any.whl``: one module, one entry point."""
    from hookmux.protocol.events import hookspec_name

    name = plugin_name(index)
    module = f"hookmux_{name}"
    dist = f"hookmux_{name}-0.1.0"
    handlers = "\n\n".join(
        f"@hookimpl\ndef {hookspec_name(event)}(event):\n    seen[event.hook_event_name] = seen.get(event.hook_event_name, 0) + 1\n"
        for event in EVENTS
    )
    files = {
        f"{module}/__init__.py": f'"""Synthetic hookmux plugin {name} (bench/scale.py)."""\n\n'
        f"from hookmux import hookimpl\n\nseen = {{}}\n\n\n{handlers}",
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: hookmux-{name}\nVersion: 0.1.0\n"
        "Requires-Dist: hookmux\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: bench/scale.py\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{dist}.dist-info/entry_points.txt": f"[hookmux]\n{name} = {module}\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


def install(target: Path, wheels: list[Path]) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), *map(str, wheels)],
                   check=True, env=bl.clean_env())  # fmt: skip


def replay(transport: str, env: dict[str, str], ws: bl.Workspace, lines: list[bytes], sessions: int,
           daemon: bl.Daemon | None) -> tuple[list[float], float]:  # fmt: skip
    """``sessions`` clients in parallel, each its own session id; (latencies ms, wall s)."""
    latencies: list[list[float]] = [[] for _ in range(sessions)]
    failures: list[str] = []

    def client(number: int) -> None:
        session = f"scale-{number:02d}".encode()
        mine = [line.replace(b"5e55b0a1-7c1d-4b8e-9d4f-2a6c0b3e9f10", session) for line in lines]
        poster = daemon.poster() if transport == "http" and daemon else None
        try:
            for body in mine:
                started = time.perf_counter()
                if poster is not None:
                    poster.post("/hook", body)
                else:
                    proc = subprocess.run([bl.hookmux_bin(), "run"], input=body, env=env, cwd=ws.project,
                                          capture_output=True, timeout=120, check=False)  # fmt: skip
                    if proc.returncode != 0:
                        failures.append(proc.stderr.decode()[-200:])
                latencies[number].append((time.perf_counter() - started) * 1000)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            if poster is not None:
                poster.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{transport}: {failures[:3]}")
    return [x for per in latencies for x in per], wall


def run(args: argparse.Namespace) -> dict[str, Any]:
    counts = [int(x) for x in args.plugins.split(",")]
    concurrency = [int(x) for x in args.sessions.split(",")]
    bl.become_subreaper()  # the daemons' detached workers come back to us: wait for them at the end
    root = Path(tempfile.mkdtemp(prefix="hookmux-scale-"))
    daemons: dict[int, bl.Daemon] = {}
    envs: dict[tuple[int, str], dict[str, str]] = {}
    unavailable: dict[str, str] = {}
    results: dict[tuple[int, str, int], dict[str, list[float]]] = {}
    try:
        wheels_dir = root / "wheels"
        wheels_dir.mkdir()
        wheels = [build_wheel(wheels_dir, i + 1) for i in range(max(counts))]
        ws = bl.make_workspace(root / "workspace")
        lines = bl.session_lines(ws, args.events)
        for count in counts:
            target = root / f"site-{count}"
            install(target, wheels[:count])
            names = ",".join(plugin_name(i + 1) for i in range(count))
            port = str(bl.free_port())
            for transport in TRANSPORTS:
                home = root / f"home-{count}-{'cold' if transport == 'cold' else 'warm'}"
                env = bl.clean_env(HOME=str(root / "home"), HOOKMUX_HOME=str(home), PYTHONPATH=str(target),
                                   HOOKMUX_PLUGINS=names, XDG_CONFIG_HOME=str(root / "config"))  # fmt: skip
                if transport == "cold":
                    env["HOOKMUX_SERVE"] = "0"
                else:
                    env["HOOKMUX_SERVE_PORT"] = port  # relay and http: one daemon
                envs[count, transport] = env
            if "relay" not in unavailable:
                daemon = bl.Daemon(dict(envs[count, "relay"]))
                if daemon.start():
                    daemons[count] = daemon
                else:
                    unavailable["relay"] = unavailable["http"] = daemon.problem
        settings = [(count, transport, c) for count in counts for transport in TRANSPORTS for c in concurrency
                    if transport not in unavailable]  # fmt: skip
        for count, transport in sorted({(n, t) for n, t, _ in settings}):  # warm up: .pyc files, manifests
            replay(transport, envs[count, transport], ws, lines[:3], 1, daemons.get(count))
        for count, daemon in daemons.items():  # the warm path must really be warm
            for transport in ("relay", "http"):
                problem = daemon.served(transport)
                if problem and transport not in unavailable:
                    unavailable[transport] = f"{problem} ({count} plugins)"
        settings = [s for s in settings if s[1] not in unavailable]
        started = time.monotonic()
        for number in range(args.rounds):
            shift = number % len(settings)
            for count, transport, sessions in settings[shift:] + settings[:shift]:
                latencies, wall = replay(
                    transport, envs[count, transport], ws, lines, sessions, daemons.get(count)
                )
                entry = results.setdefault((count, transport, sessions), {"latencies": [], "throughput": []})
                entry["latencies"] += latencies
                entry["throughput"].append(len(latencies) / wall)
            print(
                f"round {number + 1}/{args.rounds} done, {time.monotonic() - started:.0f} s", file=sys.stderr
            )
    finally:
        for daemon in daemons.values():
            daemon.stop()
        bl.Reaper().settle(20.0)
        shutil.rmtree(root, ignore_errors=True)
    rows = []
    for (count, transport, sessions), entry in sorted(results.items()):
        stats = bl.summary(entry["latencies"])
        rows.append({"plugins": count, "transport": transport, "sessions": sessions,
                     "p50_ms": stats["p50"], "p95_ms": stats["p95"],
                     "events_per_s": round(sum(entry["throughput"]) / len(entry["throughput"]), 1)})  # fmt: skip
    return {
        **bl.machine_info(),
        "events_per_session": len(lines),
        "rounds": args.rounds,
        "mode": "quick" if args.quick else "full",
        "unavailable": unavailable,
        "rows": rows,
        "problems": [f"{t}: {why}" for t, why in unavailable.items() if "answered no" in why],
    }


def caption(report: dict[str, Any]) -> str:
    return (f"{report['events_per_session']} events per session, {report['rounds']} round(s); "
            "cells: p50 / p95 latency per event, throughput of all sessions together")  # fmt: skip


def table(report: dict[str, Any]) -> list[str]:
    concurrency = sorted({r["sessions"] for r in report["rows"]})
    lines = ["| transport | plugins | " + " | ".join(f"{c} session{'s' if c > 1 else ''}" for c in concurrency) + " |",
             "|---|---:|" + "---:|" * len(concurrency)]  # fmt: skip
    cells: dict[tuple[str, int], dict[int, str]] = {}
    for r in report["rows"]:
        cells.setdefault((r["transport"], r["plugins"]), {})[r["sessions"]] = (
            f"{r['p50_ms']} / {r['p95_ms']} ms, {r['events_per_s']} ev/s"
        )
    for transport, label in TRANSPORTS.items():
        for (t, count), by_c in sorted(cells.items(), key=lambda kv: kv[0][1]):
            if t == transport:
                lines.append(
                    f"| {label} | {count} | " + " | ".join(by_c.get(c, "-") for c in concurrency) + " |"
                )
        if transport in report["unavailable"]:
            lines.append(f"| {label} | not available: {report['unavailable'][transport]} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=40, help="events per session (default 40)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--plugins", default="1,5,20")
    parser.add_argument("--sessions", default="1,4,8")
    parser.add_argument("--quick", action="store_true", help="smoke run: 12 events per session")
    parser.add_argument("--json", type=Path, default=bl.RESULTS / "scale.json")
    args = bl.parse_shared(parser)
    if args.quick:
        args.events = min(args.events, 12)
    args.json.unlink(missing_ok=True)  # a run that fails leaves no stale results
    report = run(args)
    bl.write_json(args.json, report)
    print(f"{caption(report)}; {report['machine']}, {report['date']}")
    print("\n".join(table(report)))
    for problem in report["problems"]:
        print(f"problem: {problem}")
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
