"""What hooks cost a real Claude Code session: the real CLI, a scripted session of 60 tool calls.

The real Claude Code 2.1.330 (``tests/support/claude_cli.py``) runs offline against
the loopback Messages API stand-in (``tests/support/messages_api.py``), which
scripts the first 60 tool calls of ``bench/scenario.py``'s session (Read, Edit,
Write and Bash on a SpecWeave project; the Bash test runs are ``printf`` with the
recorded output and exit code). The same session runs with each configuration:

* no hooks: the session's own wall time, the baseline;
* ``/bin/true`` on every PreToolUse and PostToolUse (matcher ``*``): Claude Code's
  own floor per hook (spawning a process that does nothing);
* hookmux with the five plugins as ``hookmux install --scope project`` wires them:
  the default as a user gets it (the native launcher, relaying to the daemon that
  the first matched event starts), the same with the daemon killed (SIGKILL) in the
  middle of each session, command transport cold (``HOOKMUX_SERVE=0``), the native
  launcher and the Python launcher (the previous default) relaying to a running
  ``hookmux serve``, and http (``--transport http``);
* SpecWeave's bash + jq hooks (seed 002, ``bench/specweave_bash/hooks.json``) and,
  for the same work, hookmux with hookmux-specstatus and hookmux-metadata only.

Each run gets a fresh project and HOME; runs of the configurations are interleaved
(round-robin, the order rotating each round). Hook invocations per configuration
come from one calibration run that records every event Claude Code fires, matched
against each configuration's settings the way Claude Code matches them.

Two measures of a hook's cost, and why they differ (by 10-20x for ``/bin/true``):

* **wall**: (median session wall - median wall without hooks) / invocations: what the
  hooks add to the session as a user waits for it. Claude Code overlaps much of a
  hook's life with its own work (it spawns the hook, keeps streaming, rendering and
  preparing the next request, and checks for the hook's answer between steps), so
  a cheap hook adds far less than its duration.
* **timed**: each hook from spawn to exit as Claude Code's debug log times it
  (``Hooks: <event>:<tool> [<command>] finished with status 0 (N ms)``; http hooks:
  from the POST to the response): everything the hook costs, overlapped or not, the
  process spawn from a busy Node process included (a few ms even for ``/bin/true``).

Both are given per configuration, and hookmux's ratio to ``/bin/true`` both ways.
A session with a daemon killed mid-way is checked for lost events: each foreground
handler's executions per run (from ``hookmux metrics``) must equal the plain default's
(background handlers are coalesced by design, so their counts depend on timing).

    python bench/claude_session.py [--runs 3] [--tool-calls 60] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import benchlib as bl
from scenario import ToolCall, tool_calls

sys.path.insert(0, str(bl.REPO))
from tests.support.claude_cli import CLAUDE_CODE_VERSION, find_claude, run_claude
from tests.support.messages_api import MessagesAPI, ScriptEntry, Text, ToolUse

CONFIGS: dict[str, str] = {
    "none": "no hooks",
    "true": "`/bin/true` on PreToolUse + PostToolUse",
    "default": "hookmux as `hookmux install` wires it (native launcher → relay)",
    "default_killed": "the same, `hookmux serve` killed (SIGKILL) mid-session",
    "cold": "hookmux, command, cold",
    "relay_python": "hookmux, Python launcher → relay (the previous default)",
    "relay": "hookmux, native launcher → relay to a running `hookmux serve`",
    "http": "hookmux, http (`hookmux serve`)",
    "bash": "SpecWeave bash + jq hooks (seed 002)",
    "spec_hookmux": "hookmux, SpecWeave plugins only, cold",
}
#: a daemon started by the benchmark before the runs
DAEMON_CONFIGS = ("relay", "relay_python", "http")
#: the daemon started by hookmux itself, as for a user (the first matched event)
AUTOSTART_CONFIGS = ("default", "default_killed")
HOOKMUX_CONFIGS = ("default", "default_killed", "cold", "relay_python", "relay", "http")


def bash_command(call: ToolCall) -> str:
    """The call's command as a cheap ``printf`` with the recorded output and exit code (the
    original stays in a comment, so hooks matching on it still see it)."""
    output = call.summary.split("\n", 1)[1] if call.exit_code else call.summary
    text = f"printf '%s\\n' {shlex.quote(output)}"
    if call.exit_code:
        text += f"; exit {call.exit_code}"
    return f"{text}  # {call.input['command']}"


def script(project: Path, count: int) -> list[ScriptEntry]:
    """The first ``count`` tool calls, one assistant turn per batch, then a closing text."""
    calls = [c for c in tool_calls(str(project)) if not c.stream_only][:count]
    turns: dict[int, list[ToolUse | Text]] = {}
    for call in calls:
        tool_input = dict(call.input)
        if call.name == "Bash":
            tool_input["command"] = bash_command(call)
        turns.setdefault(call.batch, []).append(ToolUse(call.name, tool_input))
    entries: list[ScriptEntry] = [blocks for blocks in turns.values()]
    entries.append(Text("All tasks are checked off."))
    return entries


class Config:
    def __init__(self, key: str, root: Path) -> None:
        self.key = key
        self.root = root / key
        self.root.mkdir(parents=True)
        self.env: dict[str, str] = {}
        self.settings_files: dict[str, str] = {}
        self.settings: dict[str, Any] = {"hooks": {}, "env": {}}
        self.daemon: bl.Daemon | None = None
        self.reason = ""
        if key in (*HOOKMUX_CONFIGS, "spec_hookmux"):
            self.env = {
                "HOOKMUX_HOME": str(self.root / "hookmux-home"),
                "XDG_CONFIG_HOME": str(self.root / "config"),
            }
        if key in DAEMON_CONFIGS:
            self.env["HOOKMUX_SERVE_PORT"] = str(bl.free_port())
        if key in (*DAEMON_CONFIGS, *AUTOSTART_CONFIGS):
            self.env["HOOKMUX_SERVE"] = "1"  # run_claude's environment turns the relay off
        if key in AUTOSTART_CONFIGS:
            self.env["HOOKMUX_SERVE_IDLE"] = "900"  # gone soon even if the benchmark is killed
        if key in ("cold", "spec_hookmux"):
            self.env["HOOKMUX_SERVE"] = "0"
        if key in HOOKMUX_CONFIGS:
            self.env["HOOKMUX_PLUGINS"] = ",".join(bl.PLUGINS)  # not the test plugins tox installs too
        if key == "spec_hookmux":
            self.env["HOOKMUX_PLUGINS"] = "specstatus,metadata"

    def setup(self) -> bool:
        """Write the settings once into a template project (copied into each run's)."""
        template = self.root / "template"
        (template / ".claude").mkdir(parents=True)
        if self.key == "true":
            hook = {"matcher": "*", "hooks": [{"type": "command", "command": "/bin/true"}]}
            self._write(template, {"hooks": {"PreToolUse": [hook], "PostToolUse": [hook]}})
        elif self.key == "bash":
            if shutil.which("jq") is None:
                self.reason = "jq is not installed"
                return False
            text = (
                (bl.BASH_PATTERN / "hooks.json")
                .read_text()
                .replace("${CLAUDE_PLUGIN_ROOT}", str(bl.BASH_PATTERN))
            )
            self._write(template, {"hooks": json.loads(text)["hooks"]})
        elif self.key != "none":
            env = bl.clean_env(HOME=str(self.root / "home"), **self.env)
            if self.key in DAEMON_CONFIGS:
                self.daemon = bl.Daemon(env)
                if not self.daemon.start():
                    self.reason = self.daemon.problem
                    return False
            transport = "http" if self.key == "http" else "command"
            problem = bl.install_hookmux(template, env, transport)
            if problem:
                self.reason = f"hookmux install --transport {transport}: {problem}"
                return False
            if self.key == "relay_python":
                problem = python_launcher_instead(template)
                if problem:
                    self.reason = problem
                    return False
            # warm up: the plugin manifest of this HOOKMUX_HOME, byte code
            ws = bl.make_workspace(self.root / "warm-up")
            for line in bl.session_lines(ws, 3):
                subprocess.run([bl.hookmux_bin(), "run"], input=line, env=env, cwd=ws.project, capture_output=True,
                               timeout=60, check=False)  # fmt: skip
        for path in (template / ".claude").glob("settings*.json"):
            self.settings_files[path.name] = path.read_text()
        self.settings = bl.load_settings(template)
        return True

    def _write(self, project: Path, settings: dict[str, Any]) -> None:
        (project / ".claude" / "settings.json").write_text(json.dumps(settings, indent=2))

    def workspace(self, label: str) -> bl.Workspace:
        ws = bl.make_workspace(self.root / label)
        for name, text in self.settings_files.items():
            (ws.project / ".claude" / name).write_text(text)
        return ws

    def emulated_invocations(self, events: list[dict[str, Any]], project: str) -> int:
        """The hooks ``events`` start under these settings, by benchlib's reading of Claude Code's rules."""
        return sum(len(bl.handlers_for(self.settings, e, project)) for e in events)

    def invocations(self, claude: Path, count: int) -> int:
        """The hooks Claude Code really starts in the session: a run where every handler is
        replaced by a recorder (same group, matcher and ``if``; identical handlers stay
        identical, so Claude Code's de-duplication is kept)."""
        ws = self.workspace("count")
        log = self.root / "invocations.ndjson"
        for path in (ws.project / ".claude").glob("settings*.json"):
            settings = json.loads(path.read_text())
            for groups in (settings.get("hooks") or {}).values():
                for group in groups:
                    group["hooks"] = [self._recorder(h, log) for h in group["hooks"]]
            path.write_text(json.dumps(settings))
        if not self.settings["hooks"]:
            return 0
        with MessagesAPI(script(ws.project, count)) as api:
            run = run_claude(claude, ws.project, ws.home, api.url, timeout=600, extra_env=self.env)
        if run.returncode != 0:
            raise RuntimeError(f"{self.key}: the counting run failed: {run.describe()}")
        return sum(1 for line in log.read_text().splitlines() if line.strip()) if log.exists() else 0

    @staticmethod
    def _recorder(handler: dict[str, Any], log: Path) -> dict[str, Any]:
        digest = hashlib.sha256(json.dumps(handler, sort_keys=True).encode()).hexdigest()[:12]
        recorder = {"type": "command", "command": sys.executable, "args": ["-c", RECORDER, str(log), digest]}
        if "if" in handler:
            recorder["if"] = handler["if"]
        return recorder

    def close(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()
        if self.key in AUTOSTART_CONFIGS:  # the daemon hookmux started for the runs
            env = bl.clean_env(HOME=str(self.root / "home"), **self.env)
            subprocess.run([bl.hookmux_bin(), "serve", "stop"], env=env, capture_output=True, timeout=120,
                           check=False)  # fmt: skip

    def handler_metrics(self) -> list[dict[str, Any]]:
        """Every handler's executions and latency in this configuration's home (``hookmux metrics``)."""
        env = bl.clean_env(HOME=str(self.root / "home"), **{**self.env, "HOOKMUX_SERVE": "0"})
        proc = subprocess.run([bl.hookmux_bin(), "metrics", "--json", "--hours", "24"], env=env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        try:
            return list(json.loads(proc.stdout)["handlers"])
        except (ValueError, KeyError):
            return []

    def handler_runs(self) -> dict[str, int]:
        """Executions per foreground handler so far in this configuration's home (background
        handlers are coalesced by design: how many runs they get depends on timing)."""
        background = self.background_handlers()
        return {
            f"{h['plugin']}.{h['handler']}:{h['event']}": int(h["count"])
            for h in self.handler_metrics()
            if (h["plugin"], h["handler"]) not in background
        }

    def background_handlers(self) -> set[tuple[str, str]]:
        """(plugin, function) of every background handler (``hookmux plugins --json``)."""
        env = bl.clean_env(HOME=str(self.root / "home"), **{**self.env, "HOOKMUX_SERVE": "0"})
        proc = subprocess.run([bl.hookmux_bin(), "plugins", "--json"], env=env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
        try:
            plugins = json.loads(proc.stdout)
        except ValueError:
            return set()
        return {
            (p["name"], h["function"])
            for p in plugins
            for handlers in p.get("events", {}).values()
            for h in handlers
            if h.get("background")
        }

    def kill_daemon_when(self, api: MessagesAPI, requests: int) -> threading.Thread:
        """SIGKILL this home's daemon once the model was asked ``requests`` times (between
        two tool calls), from a thread."""
        state = self.root / "hookmux-home" / "daemon" / "daemon.json"

        def kill() -> None:
            ends = time.monotonic() + 600
            while len(api.main_requests) < requests and time.monotonic() < ends:
                time.sleep(0.01)
            with contextlib.suppress(OSError, ValueError, KeyError):
                os.kill(int(json.loads(state.read_text())["pid"]), signal.SIGKILL)

        thread = threading.Thread(target=kill, daemon=True)
        thread.start()
        return thread


def python_launcher_instead(project: Path) -> str | None:
    """Point the hookmux handlers of ``project``'s settings at the Python launcher behind
    the native one (the wiring before the native launcher); None, or why it cannot."""
    from hookmux.entry.nativelauncher import python_launcher_of

    path = project / ".claude" / "settings.json"
    settings = json.loads(path.read_text())
    swapped = 0
    for groups in settings.get("hooks", {}).values():
        for group in groups:
            for handler in group["hooks"]:
                behind = python_launcher_of(str(handler.get("command")))
                if behind:
                    handler["command"] = behind
                    swapped += 1
    if not swapped:
        return "no native launcher was wired (no C compiler?): nothing to compare"
    path.write_text(json.dumps(settings, indent=2))
    return None


_HOOK_LINE = re.compile(r"Hooks: (\w+):?\S* \[(.*)\] finished with status -?\d+ \((\d+(?:\.\d+)?)ms\)")


def timed_hooks(debug_log: Path) -> list[float]:
    """Each hook's time as Claude Code's debug log reports it (command hooks: their own
    line; http hooks: from the POST to the response), in ms."""
    from datetime import datetime

    times: list[float] = []
    posted = None
    try:
        lines = debug_log.read_text(errors="replace").splitlines()
    except OSError:
        return times
    for line in lines:
        found = _HOOK_LINE.search(line)
        if found and found.group(1) in ("PreToolUse", "PostToolUse", "PostToolUseFailure"):
            times.append(float(found.group(3)))
        elif "Hooks: HTTP hook POST" in line:
            posted = datetime.fromisoformat(line[:23]).timestamp()
        elif "Hooks: HTTP hook response" in line and posted is not None:
            times.append((datetime.fromisoformat(line[:23]).timestamp() - posted) * 1000)
            posted = None
    return times


RECORDER = "import sys; open(sys.argv[1], 'ab').write(sys.stdin.buffer.read() + b'\\n')"


def calibrate(claude: Path, root: Path, count: int) -> tuple[list[dict[str, Any]], str]:
    """Every event Claude Code fires during the session (a recording hook on every event)."""
    from hookmux.protocol.events import EVENT_NAMES

    ws = bl.make_workspace(root / "calibration")
    log = root / "calibration-events.ndjson"
    hook = {"type": "command", "command": sys.executable, "args": ["-c", RECORDER, str(log)]}
    settings = {"hooks": {event: [{"hooks": [hook]}] for event in EVENT_NAMES}}
    (ws.project / ".claude" / "settings.json").write_text(json.dumps(settings))
    with MessagesAPI(script(ws.project, count)) as api:
        run = run_claude(claude, ws.project, ws.home, api.url, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"calibration run failed: {run.describe()}")
    events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return events, str(ws.project)


def run(args: argparse.Namespace) -> dict[str, Any]:
    claude = find_claude()
    info = bl.machine_info()
    if claude is None:
        return {**info, "available": False, "reason": f"Claude Code {CLAUDE_CODE_VERSION} is not installed"}
    bl.become_subreaper()  # the daemons' detached workers come back to us: wait for them at the end
    root = Path(tempfile.mkdtemp(prefix="hookmux-claude-bench-"))
    configs: dict[str, Config] = {}
    rows: list[dict[str, Any]] = []
    try:
        for key, label in CONFIGS.items():
            config = Config(key, root)
            if config.setup():
                configs[key] = config
            else:
                rows.append({"key": key, "configuration": label, "available": False, "reason": config.reason})
                print(f"{label}: not available ({config.reason})", file=sys.stderr)
        events, calibration_project = calibrate(claude, root, args.tool_calls)
        counted = {key: config.invocations(claude, args.tool_calls) for key, config in configs.items()}
        emulated = {
            key: config.emulated_invocations(events, calibration_project) for key, config in configs.items()
        }
        fired: dict[str, int] = {}
        for event in events:
            fired[event["hook_event_name"]] = fired.get(event["hook_event_name"], 0) + 1
        walls: dict[str, list[float]] = {k: [] for k in configs}
        timed: dict[str, list[float]] = {k: [] for k in configs}
        handler_runs: dict[str, list[dict[str, int]]] = {k: [] for k in AUTOSTART_CONFIGS}
        failures: dict[str, list[str]] = {k: [] for k in configs}
        keys = list(configs)
        started = time.monotonic()
        for number in range(args.runs):
            shift = number % len(keys)
            for key in keys[shift:] + keys[:shift]:
                config = configs[key]
                ws = config.workspace(f"run{number}")
                debug = ws.home / "claude-debug.log"
                before = config.handler_runs() if key in AUTOSTART_CONFIGS else {}
                entries = script(ws.project, args.tool_calls)
                with MessagesAPI(entries) as api:
                    if key == "default_killed":
                        config.kill_daemon_when(api, len(entries) // 2)
                    result = run_claude(claude, ws.project, ws.home, api.url, timeout=900, extra_env=config.env,
                                        extra_args=["--debug-file", str(debug)],
                                        keep_leftovers=key in AUTOSTART_CONFIGS)  # fmt: skip
                    results = api.tool_results()
                if result.returncode != 0 or len(results) < args.tool_calls:
                    failures[key].append(f"exit {result.returncode}, {len(results)} tool results")
                walls[key].append(result.duration)
                timed[key] += timed_hooks(debug)
                if key in AUTOSTART_CONFIGS:
                    time.sleep(1.0)  # the run's records reach the store
                    after = config.handler_runs()
                    handler_runs[key].append({h: n - before.get(h, 0) for h, n in after.items()})
                time.sleep(0.5)  # let background work of the run finish
            print(f"round {number + 1}/{args.runs} done, {time.monotonic() - started:.0f} s", file=sys.stderr)
        # What each plugin's handlers cost in the daemon, per event type (all five plugins, warm).
        plugin_costs = [
            {k: h[k] for k in ("plugin", "handler", "event", "count", "p50_ms", "p99_ms")}
            for h in (configs["relay"].handler_metrics() if "relay" in configs else [])
        ]
        for key in DAEMON_CONFIGS:
            daemon = configs[key].daemon if key in configs else None
            problem = daemon.served("http" if key == "http" else "relay") if daemon is not None else None
            if problem:
                failures[key].append(problem)
    finally:
        for config in configs.values():
            config.close()
        bl.Reaper().settle(20.0)
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(walls["none"])
    killed_lost = _lost_in_killed_runs(handler_runs)
    if killed_lost:
        failures.setdefault("default_killed", []).append(killed_lost)
    for key in configs:
        median = statistics.median(walls[key])
        calls = counted[key]
        overhead = median - base
        hook_times = timed[key]
        rows.append({
            "key": key,
            "configuration": CONFIGS[key],
            "available": True,
            "runs_s": [round(w, 3) for w in walls[key]],
            "wall_s": round(median, 3),
            "hook_invocations": calls,
            "hook_invocations_emulated": emulated[key],
            "overhead_s": round(overhead, 3),
            "per_invocation_ms": round(overhead * 1000 / calls, 2) if calls else None,
            "overhead_pct": round(overhead * 100 / base, 1),
            "timed_hooks": len(hook_times),
            "timed_p50_ms": round(statistics.median(hook_times), 2) if hook_times else None,
            "timed_mean_ms": round(statistics.mean(hook_times), 2) if hook_times else None,
            "handler_runs": handler_runs.get(key),
            "failures": failures[key],
        })  # fmt: skip
    order = list(CONFIGS)
    rows.sort(key=lambda r: order.index(r["key"]))
    by_key = {r["key"]: r for r in rows if r.get("available")}
    floor = by_key.get("true")
    for row in by_key.values():
        if floor is None or row["key"] in ("none", "true"):
            continue
        if row["per_invocation_ms"] is not None and floor["per_invocation_ms"]:
            row["x_true_wall"] = round(row["per_invocation_ms"] / floor["per_invocation_ms"], 2)
        if row["timed_mean_ms"] is not None and floor["timed_mean_ms"]:
            row["x_true_timed"] = round(row["timed_mean_ms"] / floor["timed_mean_ms"], 2)
    return {
        **info,
        "available": True,
        "claude_code": CLAUDE_CODE_VERSION,
        "runs": args.runs,
        "tool_calls": args.tool_calls,
        "events_fired": fired,
        "no_hooks_spread_s": round(max(walls["none"]) - min(walls["none"]), 3),
        "mode": "quick" if args.quick else "full",
        "rows": rows,
        "plugin_costs": sorted(plugin_costs, key=lambda h: (h["plugin"], h["event"], h["handler"])),
    }


def _lost_in_killed_runs(handler_runs: dict[str, list[dict[str, int]]]) -> str | None:
    """Why the runs with a killed daemon lost events (fewer executions of a handler than
    the plain default's runs), or None."""
    plain, killed = handler_runs.get("default", []), handler_runs.get("default_killed", [])
    if not plain or not killed:
        return None
    expected = plain[-1]  # the first runs of a home also start its daemon: the last one is typical
    for number, runs in enumerate(killed):
        short = {h: (runs.get(h, 0), n) for h, n in expected.items() if runs.get(h, 0) < n}
        if short:
            return f"run {number}: handlers ran fewer times than without the kill (got, expected): {short}"
    return None


def caption(report: dict[str, Any]) -> str:
    if not report["available"]:
        return f"real Claude Code session: not available ({report['reason']})"
    events = sum(report["events_fired"].values())
    return (f"Claude Code {report['claude_code']}, {report['tool_calls']} scripted tool calls ({events} hook events), "
            f"median of {report['runs']} interleaved runs per configuration (without hooks the runs spread over "
            f"{report['no_hooks_spread_s']} s); hook invocations counted in a run with a recorder in place of "
            "each handler")  # fmt: skip


def table(report: dict[str, Any]) -> list[str]:
    if not report["available"]:
        return []
    lines = ["| configuration | hook invocations | wall time | overhead | per hook (wall) | % of no-hooks wall "
             "| per hook (timed, p50 / mean) | x `/bin/true` (wall / timed) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for row in report["rows"]:
        if not row["available"]:
            lines.append(f"| {row['configuration']} | not available: {row['reason']} ||||||| ")
            continue
        per = "-" if row["per_invocation_ms"] is None else f"{row['per_invocation_ms']} ms"
        timed = (
            "-" if row.get("timed_p50_ms") is None else f"{row['timed_p50_ms']} / {row['timed_mean_ms']} ms"
        )
        ratio = "-"
        if "x_true_wall" in row or "x_true_timed" in row:
            ratio = f"{row.get('x_true_wall', '-')} / {row.get('x_true_timed', '-')}"
        lines.append(f"| {row['configuration']} | {row['hook_invocations']} | {row['wall_s']} s | "
                     f"{row['overhead_s']:+} s | {per} | {row['overhead_pct']:+} % | {timed} | {ratio} |")  # fmt: skip
    return lines


def plugin_table(report: dict[str, Any]) -> list[str]:
    """Per plugin and event type: what its handlers cost in the warm daemon (``hookmux metrics``)."""
    costs = report.get("plugin_costs") or []
    if not costs:
        return []
    lines = ["| plugin | handler | event | runs | p50 | p99 |", "|---|---|---|---:|---:|---:|"]
    lines += [f"| {h['plugin']} | {h['handler']} | {h['event']} | {h['count']} | {h['p50_ms']} ms | {h['p99_ms']} ms |"
              for h in costs]  # fmt: skip
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", "--rounds", dest="runs", type=int, default=3,
                        help="runs per configuration (default 3)")  # fmt: skip
    parser.add_argument("--tool-calls", type=int, default=60)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 run per configuration, 20 tool calls"
    )
    parser.add_argument("--json", type=Path, default=bl.RESULTS / "claude_session.json")
    args = bl.parse_shared(parser)
    if args.quick:
        args.runs, args.tool_calls = 1, min(args.tool_calls, 20)
    args.json.unlink(missing_ok=True)  # a run that fails leaves no stale results
    report = run(args)
    rows = report.get("rows", [])
    report["problems"] = [f"{r['configuration']}: runs that did not complete the session: {r['failures']}"
                          for r in rows if r.get("failures")]  # fmt: skip
    report["problems"] += [
        f"{r['configuration']}: Claude Code started {r['hook_invocations']} hooks, benchlib's dispatch "
        f"(which compare.py uses) says {r['hook_invocations_emulated']}"
        for r in rows
        if r.get("available") and r["hook_invocations"] != r["hook_invocations_emulated"]
    ]
    bl.write_json(args.json, report)
    print(f"{caption(report)}; {report['machine']}, {report['date']}")
    print("\n".join(table(report)))
    print("\n".join(plugin_table(report)))
    for problem in report["problems"]:
        print(problem)
    verdict = "ok" if not report["problems"] else "PROBLEMS"
    print(f"check: every session completed its {args.tool_calls} tool calls: {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
