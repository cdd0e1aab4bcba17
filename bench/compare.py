"""What each event of a recorded session costs: hookmux against the alternatives, side by side.

One recorded session (``bench/data/session.ndjson``: 228 real-shaped events of a
coding session on a SpecWeave project) is replayed through each configuration the
way Claude Code 2.1.330 would run its hooks: the configuration's settings decide
which handlers an event starts (matchers, ``if`` rules, duplicates once), every
handler of an event starts at once, stdin gets the event, and the event is done
when every process exited and closed stdout (http handlers: when the answer is
read). Configurations:

* ``python -c pass`` wired on every event: the bare interpreter start, the unit;
* one hand-written, stdlib-only hook script on every event, doing the five
  plugins' core work minimally (``bench/handwritten_hook.py``);
* hookmux with the five plugins, wired by ``hookmux install``: cold (``hookmux run``
  routes in-process, ``HOOKMUX_SERVE=0``), relay (``hookmux run`` hands the event to
  a warm ``hookmux serve``), http (Claude Code POSTs to ``hookmux serve``);
* one process per plugin: each plugin wired on its own (``hookmux install`` with
  ``HOOKMUX_PLUGINS=<plugin>``), as if each shipped its own hook script;
* SpecWeave's bash + jq hooks of seed 002 (``bench/specweave_bash/``), and, doing
  the same work, hookmux with only hookmux-specstatus and hookmux-metadata.

Each configuration has its own project copy, HOME, HOOKMUX_HOME and daemon, and
runs in its own launcher process (a subreaper, so the background work a hook
leaves behind is collected and counted). The configurations are interleaved
event by event (the order rotates), so machine drift hits all alike. Round 0 is
a warm-up that also counts processes (every hook under ``strace -f``); rounds
1..N are timed.

Figures per configuration: wall time per event (p50/p95/p99, ratios to the bare
interpreter's), the session's total, CPU per event (hook processes, background
processes and the daemon), processes per event (strace: every fork, plus the
daemon's), peak RSS (largest process, daemon included).

    python bench/compare.py [--rounds 3] [--events N] [--quick] [--configs a,b] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib as bl

CONFIGS: dict[str, str] = {
    "bare": "`python -c pass` on every event",
    "stdlib": "hand-written stdlib hook on every event",
    "cold": "hookmux, cold (`hookmux run` in-process)",
    "relay": "hookmux, relay (`hookmux run` → `hookmux serve`)",
    "http": "hookmux, http (`hookmux serve`)",
    "per_plugin": "one process per plugin (5 plugins wired separately)",
    "bash": "SpecWeave bash + jq hooks (seed 002)",
    "spec_hookmux": "hookmux, SpecWeave plugins only, cold",
}
DAEMON_CONFIGS = ("relay", "http")
#: The configurations whose answers must equal the cold path's, event by event.
SAME_ANSWERS = ("relay", "http")


# -- the launcher: runs one configuration's hooks ------------------------------------------


class Launcher:
    def __init__(self, key: str, base: Path, events_limit: int | None) -> None:
        self.key = key
        self.base = base
        self.limit = events_limit
        self.reaper = bl.Reaper()
        self.daemon: bl.Daemon | None = None
        self.poster: bl.HttpPoster | None = None
        self.settings: dict[str, Any] = {}
        self.lines: list[bytes] = []
        self.events: list[dict[str, Any]] = []
        self.ws: bl.Workspace | None = None
        self.census = False
        self.gnu_time = bl.gnu_time_available()
        self.tracer: subprocess.Popen[bytes] | None = None
        self.trace_dir = base / "traces"
        self.round = 0
        self.measured_cpu_from = 0.0
        self.daemon_cpu_from = 0.0
        home = base / "home"
        for sub in ("home", "hookmux-home", "config", "runtime", "install"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(base / "runtime", 0o700)
        self.env = bl.clean_env(
            HOME=str(home),
            HOOKMUX_HOME=str(base / "hookmux-home"),
            XDG_CONFIG_HOME=str(base / "config"),
            XDG_RUNTIME_DIR=str(base / "runtime"),
            **{bl.TAG_VAR: key},
        )
        if key in DAEMON_CONFIGS:
            self.env["HOOKMUX_SERVE_PORT"] = str(bl.free_port())
        elif key in ("cold", "per_plugin", "spec_hookmux"):
            self.env["HOOKMUX_SERVE"] = "0"
        if key in ("cold", "relay", "http"):
            self.env["HOOKMUX_PLUGINS"] = ",".join(bl.PLUGINS)  # not the test plugins tox installs too
        if key == "spec_hookmux":
            self.env["HOOKMUX_PLUGINS"] = "specstatus,metadata"

    # the configuration's settings, as ``hookmux install`` (or the seed) writes them

    def setup(self) -> dict[str, Any]:
        bl.become_subreaper()
        from hookmux.protocol.events import EVENT_NAMES

        def every(argv: list[str]) -> dict[str, Any]:
            handler = {"type": "command", "command": argv[0], "args": argv[1:]}
            return {event: [{"hooks": [handler]}] for event in EVENT_NAMES}

        if self.key == "bare":
            self.settings = {"hooks": every([bl.python_bin(), "-c", "pass"])}
        elif self.key == "stdlib":
            self.settings = {"hooks": every([bl.python_bin(), str(bl.HANDWRITTEN)])}
        elif self.key == "bash":
            if shutil.which("jq") is None:
                return {"available": False, "reason": "jq is not installed"}
            text = (
                (bl.BASH_PATTERN / "hooks.json")
                .read_text()
                .replace("${CLAUDE_PLUGIN_ROOT}", str(bl.BASH_PATTERN))
            )
            self.settings = json.loads(text)
        elif self.key == "per_plugin":
            hooks: dict[str, list[Any]] = {}
            for plugin in bl.PLUGINS:
                project = self.base / "install" / plugin
                project.mkdir(parents=True, exist_ok=True)
                problem = bl.install_hookmux(project, {**self.env, "HOOKMUX_PLUGINS": plugin})
                if problem:
                    return {"available": False, "reason": f"hookmux install ({plugin}): {problem}"}
                for event, groups in bl.load_settings(project)["hooks"].items():
                    for group in groups:
                        for handler in group["hooks"]:
                            handler["_env"] = {"HOOKMUX_PLUGINS": plugin}
                    hooks.setdefault(event, []).extend(groups)
            self.settings = {"hooks": hooks, "env": {}}
        else:
            if self.key in DAEMON_CONFIGS:
                self.daemon = bl.Daemon(dict(self.env))
                if not self.daemon.start():
                    return {"available": False, "reason": self.daemon.problem}
                self.reaper.managed[self.daemon.pid] = None
                self.poster = self.daemon.poster()
            project = self.base / "install" / "project"
            project.mkdir(parents=True, exist_ok=True)
            transport = "http" if self.key == "http" else "command"
            problem = bl.install_hookmux(project, self.env, transport)
            if problem:
                return {"available": False, "reason": f"hookmux install --transport {transport}: {problem}"}
            self.settings = bl.load_settings(project)
        wired = sum(len(g.get("hooks", [])) for groups in self.settings["hooks"].values() for g in groups)
        return {
            "available": True,
            "handlers_wired": wired,
            "daemon_pid": self.daemon.pid if self.daemon else None,
        }

    def start_round(self, number: int, census: bool) -> dict[str, Any]:
        self.round = number
        self.census = census
        self.ws = bl.make_workspace(self.base / f"round{number}")
        self.lines = bl.session_lines(self.ws, self.limit)
        self.events = [json.loads(line) for line in self.lines]
        if census:
            self.trace_dir.mkdir(exist_ok=True)
            if self.daemon is not None:
                trace = str(self.trace_dir / "daemon.trace")
                self.tracer = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=process", "-o", trace,
                                                "-p", str(self.daemon.pid)], stderr=subprocess.DEVNULL)  # fmt: skip
                self.reaper.managed[self.tracer.pid] = self.tracer
                time.sleep(0.3)  # let strace attach to every thread
        return {"events": len(self.lines)}

    def step(self, index: int) -> dict[str, Any]:
        assert self.ws is not None
        event = self.events[index]
        body = self.lines[index]
        project = str(self.ws.project)
        handlers = bl.handlers_for(self.settings, event, project)
        commands: list[tuple[list[str], dict[str, str]]] = []
        calls = []
        traces: list[str] = []
        env = dict(self.env, CLAUDE_PROJECT_DIR=project, CLAUDE_CODE_SESSION_ID=str(event.get("session_id")),
                   CLAUDECODE="1")  # fmt: skip
        for handler in handlers:
            if handler.get("type") == "http":
                calls.append(self._http_call(handler, body))
                continue
            argv = (
                [handler["command"], *handler["args"]]
                if "args" in handler
                else ["/bin/sh", "-c", handler["command"]]
            )
            if self.census:
                traces.append(str(self.trace_dir / f"{index}-{len(traces)}"))
                argv = bl.traced(argv, traces[-1] + ".trace", traces[-1] + ".rss" if self.gnu_time else None)
            commands.append((argv, {**env, **handler.get("_env", {})}))
        result = bl.run_processes(commands, body, self.ws.project, http_calls=calls) if handlers else None
        processes = execs = rss = 0
        for trace in traces:
            forks, run = bl.count_trace(trace + ".trace")
            processes += 1 + forks
            execs += run
            rss = max(rss, bl.read_rss(trace + ".rss"))
            for suffix in (".trace", ".rss"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(trace + suffix)
        self.reaper.reap()
        if result is None:
            return {"wall_ms": 0.0, "cpu_ms": 0.0, "rss_kb": 0, "handlers": 0, "out": [], "errors": []}
        return {
            "wall_ms": result.wall_ms,
            "cpu_ms": result.usage.cpu_ms,
            "rss_kb": rss,
            "handlers": len(handlers),
            "processes": processes,
            "execs": execs,
            "out": [o.decode("utf-8", "replace") for o in result.outputs],
            "errors": result.errors,
        }

    def _http_call(self, handler: dict[str, Any], body: bytes) -> Any:
        assert self.poster is not None
        url = handler["url"]
        path = "/" + url.split("//", 1)[1].split("/", 1)[1]
        env = {**os.environ, **self.settings.get("env", {})}
        headers = {
            k: bl.expand_vars(v, env, handler.get("allowedEnvVars", []))
            for k, v in handler.get("headers", {}).items()
        }
        poster = self.poster
        return lambda: poster.post(path, body, headers)

    def end_round(self) -> dict[str, Any]:
        reply: dict[str, Any] = {}
        if self.tracer is not None:
            self.tracer.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.tracer.wait(timeout=10)
            self.reaper.managed.pop(self.tracer.pid, None)
            forks, execs = bl.count_trace(str(self.trace_dir / "daemon.trace"))
            reply["daemon_processes"] = forks
            reply["daemon_execs"] = execs
            self.tracer = None
        return reply

    def settle(self, timeout: float, start_measuring: bool) -> dict[str, Any]:
        left = self.reaper.settle(timeout, self.daemon.pid if self.daemon else 0)
        if start_measuring:
            self.measured_cpu_from = self.reaper.usage.cpu_ms
            self.daemon_cpu_from = bl.proc_cpu_ms(self.daemon.pid) if self.daemon else 0.0
            self.reaper.usage.maxrss_kb = 0
        return {"still_running": left}

    def finish(self) -> dict[str, Any]:
        daemon_cpu = daemon_hwm = 0.0
        not_served = self.daemon.served(self.key) if self.daemon is not None else None
        if self.daemon is not None:
            daemon_cpu = bl.proc_cpu_ms(self.daemon.pid) - self.daemon_cpu_from
            daemon_hwm = bl.proc_hwm_kb(self.daemon.pid)
        if self.poster is not None:
            self.poster.close()
        if self.daemon is not None:
            self.daemon.stop()
        self.reaper.reap()
        return {
            "background_cpu_ms": self.reaper.usage.cpu_ms - self.measured_cpu_from,
            "background_processes": self.reaper.usage.processes,
            "background_rss_kb": self.reaper.usage.maxrss_kb,
            "daemon_cpu_ms": daemon_cpu,
            "daemon_rss_kb": daemon_hwm,
            "not_served": not_served,
        }


def launcher_main(key: str, base: Path, events: int | None) -> int:
    launcher = Launcher(key, base, events)
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            reply = getattr(launcher, op)(**request)
        except Exception as exc:
            import traceback

            reply = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
        out.flush()
        if op == "finish":
            break
    return 0


class Remote:
    """The main process's handle on one launcher."""

    def __init__(self, key: str, base: Path, events: int | None) -> None:
        self.key = key
        argv = [sys.executable, __file__, "--launcher", key, "--base", str(base)]
        if events:
            argv += ["--events", str(events)]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=bl.clean_env(), cwd=base)  # fmt: skip

    def send(self, op: str, **kw: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"launcher {self.key} exited ({self.proc.wait()})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"launcher {self.key}: {reply['error']}\n{reply.get('trace', '')}")
        return reply

    def call(self, op: str, **kw: Any) -> dict[str, Any]:
        self.send(op, **kw)
        return self.receive()


# -- the run ----------------------------------------------------------------------------------


def kill_daemon(pid: int) -> None:
    """SIGTERM ``pid`` if it still is a hookmux daemon (not a reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            if b"hookmux" not in fh.read():
                return
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass


#: Wall-clock times the plugins write into answers (feedback's "**Time:** ..." of a
#: logged win): each configuration runs at its own moment, in its own home.
WALL_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def same_answer(a: list[str], b: list[str]) -> bool:
    """The same answers, but for the wall-clock times they quote."""

    def norm(texts: list[str]) -> list[Any]:
        values = []
        for given in texts:
            text = WALL_TIME.sub("<time>", given)
            try:
                values.append(json.loads(text) if text.strip() else None)
            except ValueError:
                values.append(text)
        return [v for v in values if v is not None]

    return norm(a) == norm(b)


def run(args: argparse.Namespace) -> dict[str, Any]:
    keys = [k for k in args.configs.split(",") if k] if args.configs else list(CONFIGS)
    root = Path(tempfile.mkdtemp(prefix="hookmux-compare-"))
    remotes: dict[str, Remote] = {}
    status: dict[str, dict[str, Any]] = {}
    finals: dict[str, dict[str, Any]] = {}
    try:
        for key in keys:
            (root / key).mkdir()
            remotes[key] = Remote(key, root / key, args.events)
        for remote in remotes.values():
            remote.send("setup")
        for key, remote in list(remotes.items()):
            status[key] = remote.receive()
            if not status[key]["available"]:
                print(f"{CONFIGS[key]}: not available ({status[key]['reason']})", file=sys.stderr)
                remote.call("finish")
                del remotes[key]
        census = bl.strace_available()
        if not census:
            print("strace is not available: processes per event are not counted", file=sys.stderr)
        active = list(remotes)
        samples: dict[str, list[float]] = {k: [] for k in active}
        per_round_total: dict[str, list[float]] = {k: [] for k in active}
        cpu_steps = dict.fromkeys(active, 0.0)
        rss = dict.fromkeys(active, 0)
        processes = dict.fromkeys(active, 0)
        execs = dict.fromkeys(active, 0)
        hooked = dict.fromkeys(active, 0)
        hooked_census = dict.fromkeys(active, 0)
        invocations = dict.fromkeys(active, 0)
        errors: dict[str, list[str]] = {k: [] for k in active}
        mismatches: dict[str, list[dict[str, Any]]] = {k: [] for k in SAME_ANSWERS if k in active}
        n_events = 0
        started = time.monotonic()
        for number in range(args.rounds + 1):
            warmup = number == 0
            for remote in remotes.values():
                remote.send("start_round", number=number, census=warmup and census)
            n_events = min(r.receive()["events"] for r in list(remotes.values()))
            totals = dict.fromkeys(active, 0.0)
            for index in range(n_events):
                shift = (index + number) % len(active)
                answers: dict[str, list[str]] = {}
                for key in active[shift:] + active[:shift]:
                    reply = remotes[key].call("step", index=index)
                    totals[key] += reply["wall_ms"]
                    if warmup:
                        processes[key] += reply.get("processes", 0)
                        execs[key] += reply.get("execs", 0)
                        rss[key] = max(rss[key], reply.get("rss_kb", 0))
                        hooked_census[key] += bool(reply["handlers"])
                        continue
                    samples[key].append(reply["wall_ms"])
                    cpu_steps[key] += reply["cpu_ms"]
                    invocations[key] += reply["handlers"]
                    hooked[key] += bool(reply["handlers"])
                    errors[key] += reply["errors"]
                    answers[key] = reply["out"]
                for key, differing in mismatches.items():
                    if "cold" in answers and not same_answer(answers["cold"], answers[key]):
                        differing.append({"round": number, "index": index, "cold": answers["cold"],
                                          key: answers[key]})  # fmt: skip
            for key, remote in remotes.items():
                reply = remote.call("end_round")
                processes[key] += reply.get("daemon_processes", 0)
                execs[key] += reply.get("daemon_execs", 0)
                if not warmup:
                    per_round_total[key].append(totals[key] / 1000)
            settling = time.monotonic()
            for remote in remotes.values():
                remote.send("settle", timeout=10.0 if warmup else 0.0, start_measuring=warmup)
            left = {key: remote.receive()["still_running"] for key, remote in remotes.items()}
            done = time.monotonic() - started
            spent = ", ".join(f"{key} {totals[key] / 1000:.0f} s" for key in active)
            late = ", ".join(f"{key} {n}" for key, n in left.items() if n)
            print(f"round {number}{' (warm-up, process census)' if warmup else ''} done at {done:.0f} s (hooks: "
                  f"{spent}; settled in {time.monotonic() - settling:.1f} s{'; still running: ' + late if late else ''})",
                  file=sys.stderr)  # fmt: skip
        for remote in remotes.values():
            remote.send("settle", timeout=20.0, start_measuring=False)
        for remote in remotes.values():
            remote.receive()
        for key, remote in remotes.items():
            finals[key] = remote.call("finish")
    finally:
        for remote in remotes.values():
            with contextlib.suppress(Exception):
                remote.proc.kill()
                remote.proc.wait(5)
        for key, info in status.items():  # a launcher that died leaves its daemon behind
            if info.get("daemon_pid") and key not in finals:
                kill_daemon(info["daemon_pid"])
        shutil.rmtree(root, ignore_errors=True)
    measured = args.rounds * n_events
    base = bl.percentile(samples["bare"], 50) if "bare" in samples else float("nan")
    base_cpu = cpu_steps["bare"] / measured if "bare" in cpu_steps else float("nan")
    rows = []
    for key in keys:
        if key not in samples:
            rows.append({"key": key, "configuration": CONFIGS[key], "available": False,
                         "reason": status[key].get("reason", "")})  # fmt: skip
            continue
        final = finals[key]
        cpu = (cpu_steps[key] + final["background_cpu_ms"] + final["daemon_cpu_ms"]) / measured
        stats = bl.summary(samples[key])
        rows.append({
            "key": key,
            "configuration": CONFIGS[key],
            "available": True,
            "events_hooked": hooked[key] // args.rounds,
            "hook_invocations_per_event": round(invocations[key] / measured, 3),
            "wall_ms": stats,
            "wall_ratio": {q: round(stats[q] / base, 2) for q in ("p50", "p95", "p99", "mean")},
            "session_total_s": round(sum(per_round_total[key]) / len(per_round_total[key]), 2),
            "cpu_ms_per_event": round(cpu, 2),
            "cpu_ratio": round(cpu / base_cpu, 2),
            "cpu_split_ms_per_event": {
                "hook_processes": round(cpu_steps[key] / measured, 2),
                "background": round(final["background_cpu_ms"] / measured, 2),
                "daemon": round(final["daemon_cpu_ms"] / measured, 2),
            },
            "wall_ms_when_hooked": bl.summary([x for x in samples[key] if x > 0]),
            "processes_per_event": round(processes[key] / n_events, 2) if census else None,
            "processes_per_hooked_event": round(processes[key] / max(1, hooked_census[key]), 2) if census else None,
            "execs_per_event": round(execs[key] / n_events, 2) if census else None,
            "peak_rss_mb": round(max(rss[key], final["background_rss_kb"], final["daemon_rss_kb"]) / 1024, 1)
            if rss[key]
            else None,
            "hook_rss_mb": round(rss[key] / 1024, 1) if rss[key] else None,
            "daemon_rss_mb": round(final["daemon_rss_kb"] / 1024, 1) if final["daemon_rss_kb"] else None,
            "errors": sorted(set(errors[key]))[:5] + ([final["not_served"]] if final.get("not_served") else []),
            "answers_differing_from_cold": len(mismatches[key]) if key in mismatches else None,
            # the first few, for a reader to see why (event positions in bench/data/session.ndjson)
            "differing_answers": [{k: (v[:3] if isinstance(v, list) else v) for k, v in d.items()}
                                  for d in mismatches.get(key, [])[:5]],
            "samples_ms": [round(s, 3) for s in samples[key]],
        })  # fmt: skip
    return {
        **bl.machine_info(),
        "rounds": args.rounds,
        "events": n_events,
        "session": str(bl.SESSION.relative_to(bl.REPO)),
        "mode": "quick" if args.quick else "full",
        "bare_p50_ms": round(base, 2),
        "rows": rows,
    }


def fmt_ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def caption(report: dict[str, Any]) -> str:
    return (f"{report['rounds']} interleaved rounds of the {report['events']} events of `{report['session']}`; "
            f"ratios to `python -c pass` (p50 {report['bare_p50_ms']} ms)")  # fmt: skip


def table(report: dict[str, Any]) -> list[str]:
    lines = ["| configuration | events hooked | p50 | p95 | p99 | p50 when hooked | session total | CPU/event | "
             "processes/event | peak RSS |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for row in report["rows"]:
        if not row["available"]:
            lines.append(f"| {row['configuration']} | not available: {row['reason']} ||||||||| ")
            continue
        wall, ratio = row["wall_ms"], row["wall_ratio"]
        cells = [f"{fmt_ms(wall[q])} ({ratio[q]}x)" for q in ("p50", "p95", "p99")]
        cells.append(fmt_ms(row["wall_ms_when_hooked"]["p50"]))
        procs = "-" if row["processes_per_event"] is None else f"{row['processes_per_event']}"
        peak = "-" if row["peak_rss_mb"] is None else f"{row['peak_rss_mb']} MB"
        lines.append(f"| {row['configuration']} | {row['events_hooked']}/{report['events']} | {' | '.join(cells)} | "
                     f"{row['session_total_s']} s | {row['cpu_ms_per_event']} ms ({row['cpu_ratio']}x) | {procs} | "
                     f"{peak} |")  # fmt: skip
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds after the warm-up (default 3)")
    parser.add_argument("--events", type=int, default=None, help="replay only the first N events")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of the first 60 events")
    parser.add_argument("--configs", default="", help=f"comma-separated subset of: {', '.join(CONFIGS)}")
    parser.add_argument("--json", type=Path, default=bl.RESULTS / "compare.json")
    parser.add_argument("--launcher", help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    args = bl.parse_shared(parser)
    if args.launcher:
        return launcher_main(args.launcher, args.base, args.events)
    if args.quick:
        args.rounds, args.events = 1, args.events or 60
    if args.configs and "bare" not in args.configs.split(","):
        args.configs = "bare," + args.configs  # the unit of every ratio
    args.json.unlink(missing_ok=True)  # a run that fails leaves no stale results
    report = run(args)
    report["problems"] = [
        f"{r['configuration']}: errors {r['errors']}" for r in report["rows"] if r.get("errors")
    ]
    report["problems"] += [f"{r['configuration']}: {r['answers_differing_from_cold']} answers differ from the cold path's"
                           for r in report["rows"] if r.get("answers_differing_from_cold")]  # fmt: skip
    bl.write_json(args.json, report)
    print(f"{caption(report)}; Python {report['python'].split()[0]}, {report['machine']}, {report['date']}")
    print("\n".join(table(report)))
    for problem in report["problems"]:
        print(problem)
    verdict = "ok" if not report["problems"] else "PROBLEMS"
    print(f"check: every hook answered, warm transports answer like the cold path: {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
