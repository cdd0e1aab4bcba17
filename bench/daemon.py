"""What the warm daemon spends on each event of the recorded session, over http.

``bench/data/session.ndjson`` (228 events) is POSTed, one event at a time on one
keep-alive connection as Claude Code's http hooks are, to three servers in turn:

* ``floor``: a stdlib server that reads the request and answers ``{}`` (the loopback
  round trip, the client and Python's socket work: what no Python daemon can beat);
  it runs in the benchmark's own process, as a thread beside the client;
* ``floor_process``: the same server in a process of its own, as a daemon is: the
  wake-up of another process on an event, and the caches it finds (what separates
  ``router`` from ``floor`` without any of hookmux's work);
* ``router``: ``hookmux serve`` from a venv with the core alone (built by this
  script, or ``--router-venv``): authentication, parsing, matching, the answer;
  the "router alone" of issue #20 (with the five plugins installed, capture takes
  every event, so no event of the session reaches the router alone);
* ``plugins``: ``hookmux serve`` from a venv with the core and the five plugins (the
  README's first command), each doing its real work in a throw-away SpecWeave project.

Once the servers are up, it waits (up to 90 s) until the CPUs are at most 15 % busy:
what earlier benchmarks left running would be measured too. The session is then
replayed twice, each time with the three servers interleaved event
by event (the order rotates), so machine drift hits all alike; latency is measured
at the client, from the first byte sent to the last byte read:

* back to back: the next event as soon as the answer is in, as throughput benchmarks
  of hook servers measure (clooks-mb does not say how its 0.31 ms was paced). Work a
  daemon does after an answer (observer handlers) delays the next event here;
* paced, ``--gap`` ms apart (default 20), as a session's hooks are: a tool call or
  a model turn lies between two hooks. The CPU idles in between, and on a shared
  VM the next event finds the caches cold: the same Python code then takes about
  three to five times as long (``hookmux serve``'s ~50 us of routing an event no
  handler takes becomes ~200 us); the floor shows how much is the machine's.

Goals (#20): ``plugins`` p50 <= 0.6 ms and p99 <= 3 ms, ``router`` p50 <= 0.25 ms;
each is checked for both pacings. After the run, ``hookmux metrics --json`` of the
``plugins`` daemon gives each handler's p50/p99 per event type (``plugin_costs``).

    python bench/daemon.py [--rounds 5] [--gap 20] [--quick] [--json bench/results/daemon.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import benchlib as bl

GOAL_PLUGINS_P50_MS = 0.6
GOAL_PLUGINS_P99_MS = 3.0
GOAL_ROUTER_P50_MS = 0.25
CONFIGS = {
    "floor": "stdlib server answering `{}`",
    "floor_process": "the same, in a process of its own",
    "router": "`hookmux serve`, no plugin installed (the router alone)",
    "plugins": "`hookmux serve`, all five plugins",
}


class Client:
    """A lean keep-alive http client on a raw socket (as Claude Code's node client is
    lean), so the figures are the server's latency, not ``http.client``'s parsing."""

    def __init__(self, port: int, token: str) -> None:
        self.head = (f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\nContent-Length: ")  # fmt: skip
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def post(self, body: bytes) -> tuple[float, int, bytes]:
        """Milliseconds from the first byte sent to the answer's last, status, body."""
        request = (self.head + str(len(body)) + "\r\n\r\n").encode() + body
        start = time.perf_counter()
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += self.sock.recv(65536)
        elapsed = (time.perf_counter() - start) * 1000
        self.buf = rest[length:]
        return elapsed, int(head.split(None, 2)[1]), rest[:length]

    def close(self) -> None:
        self.sock.close()


class FloorServer:
    """Reads each keep-alive request whole and answers ``{}``: no parsing beyond the framing."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    @staticmethod
    def _connection(conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(rest) < length:
                    rest += conn.recv(65536)
                buf = rest[length:]
                conn.sendall(answer)

    def close(self) -> None:
        self.listener.close()


class FloorProcess:
    """:class:`FloorServer` in a Python process of its own (this script, ``--serve-floor``),
    gone when its stdin closes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve-floor"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def serve_floor() -> int:
    """``--serve-floor``: print the port, serve until stdin closes."""
    floor = FloorServer()
    print(floor.port, flush=True)
    sys.stdin.read()
    floor.close()
    return 0


def venv_with(where: Path, plugins: tuple[str, ...]) -> Path:
    """A venv with the core from this checkout and ``plugins`` (of ``plugins/``), nothing else."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    sources = [str(bl.REPO), *(str(bl.REPO / "plugins" / name) for name in plugins)]
    subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "-q", *sources], check=True)
    return where


def start_daemon(root: Path, command: str) -> tuple[bl.Daemon, bl.Workspace]:
    ws = bl.make_workspace(root)
    env = bl.clean_env(HOME=str(ws.home), HOOKMUX_HOME=str(root / "hookmux-home"),
                       XDG_CONFIG_HOME=str(root / "config"), HOOKMUX_SERVE_PORT=str(bl.free_port()))  # fmt: skip
    daemon = bl.Daemon(env, command)
    if not daemon.start():
        raise SystemExit(f"bench/daemon.py: {daemon.problem}")
    return daemon, ws


def handler_metrics(daemon: bl.Daemon) -> list[dict[str, Any]]:
    proc = subprocess.run([daemon.command, "metrics", "--json", "--hours", "24"], env=daemon.env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    with contextlib.suppress(ValueError):
        value = json.loads(proc.stdout)
        rows = value.get("handlers", value) if isinstance(value, dict) else value
        return [row for row in rows if isinstance(row, dict)]
    return []


def replay(
    clients: dict[str, Client], events: dict[str, list[bytes]], rounds: int, gap: float
) -> dict[str, Any]:
    """``rounds`` timed replays (after one to warm up), the servers interleaved event by event."""
    samples: dict[str, list[float]] = {key: [] for key in CONFIGS}
    by_event: dict[str, dict[str, list[float]]] = {key: {} for key in CONFIGS}
    slowest: dict[str, list[tuple[float, int, str]]] = {key: [] for key in CONFIGS}
    errors = dict.fromkeys(CONFIGS, 0)
    order = list(CONFIGS)
    names = [str(json.loads(line).get("hook_event_name", "?")) for line in events["floor"]]
    for number in range(rounds + 1):
        for index, name in enumerate(names):
            turn = index % len(order)
            for key in order[turn:] + order[:turn]:
                elapsed, status, _ = clients[key].post(events[key][index])
                if gap:
                    time.sleep(gap / 1000)
                if number == 0:
                    continue
                errors[key] += status != 200
                samples[key].append(elapsed)
                by_event[key].setdefault(name, []).append(elapsed)
                slowest[key] = sorted([*slowest[key], (elapsed, index, name)], reverse=True)[:8]
    floor_p50 = bl.percentile(samples["floor"], 50)
    return {key: {"description": CONFIGS[key], "events": len(samples[key]), "errors": errors[key],
                  "ms": bl.summary(samples[key]),
                  "x_floor_p50": round(bl.percentile(samples[key], 50) / floor_p50, 2),
                  "by_event": {name: bl.summary(values) for name, values in sorted(by_event[key].items())},
                  "slowest": [{"ms": round(ms, 3), "line": index + 1, "event": name}
                              for ms, index, name in slowest[key]]}
            for key in CONFIGS}  # fmt: skip


def cpu_busy(seconds: float = 1.0) -> float:
    """The share of all CPUs' time that was busy over ``seconds`` (``/proc/stat``)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def settle(limit: float = 90.0, quiet: float = 0.15) -> dict[str, float]:
    """Wait (up to ``limit`` s) until the machine is quiet: what the benchmarks before this
    one left running (daemons winding down, background workers) would be measured too."""
    started = time.monotonic()
    busy = 1.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        while time.monotonic() - started < limit:
            busy = cpu_busy()
            if busy <= quiet:
                break
    return {"waited_s": round(time.monotonic() - started, 1), "cpu_busy": round(busy, 3)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="hookmux-bench-daemon-"))
    router_venv = args.router_venv or venv_with(base / "venv-core", ())
    plugins_venv = args.plugins_venv or venv_with(base / "venv-plugins", bl.PLUGINS)
    floor, floor_process = FloorServer(), FloorProcess()
    router, router_ws = start_daemon(base / "router", str(router_venv / "bin" / "hookmux"))
    plugins, plugins_ws = start_daemon(base / "plugins", str(plugins_venv / "bin" / "hookmux"))
    events = {
        "router": bl.session_lines(router_ws, args.events),
        "plugins": bl.session_lines(plugins_ws, args.events),
    }
    events["floor"] = events["floor_process"] = events["router"]
    quiet = settle()
    # Connected once the machine is quiet: a connection's first request must come within 10 s.
    clients = {"floor": Client(floor.port, ""), "floor_process": Client(floor_process.port, ""),
               "router": Client(port_of(router), router.token), "plugins": Client(port_of(plugins), plugins.token)}  # fmt: skip
    try:
        pacings = {name: replay(clients, events, args.rounds, gap) for name, gap in
                   (("back_to_back", 0.0), ("paced", args.gap))}  # fmt: skip
        metrics = handler_metrics(plugins)
    finally:
        for client in clients.values():
            client.close()
        floor.close()
        floor_process.close()
        router.stop()
        plugins.stop()
    goals = {}
    for pacing, rows in pacings.items():
        label = pacing.replace("_", " ")
        goals[f"{label}: plugins p50"] = [rows["plugins"]["ms"]["p50"], GOAL_PLUGINS_P50_MS]
        goals[f"{label}: plugins p99"] = [rows["plugins"]["ms"]["p99"], GOAL_PLUGINS_P99_MS]
        goals[f"{label}: router p50"] = [rows["router"]["ms"]["p50"], GOAL_ROUTER_P50_MS]
    return {**bl.machine_info(), "mode": "quick" if args.quick else "full", "rounds": args.rounds,
            "events": len(events["floor"]), "gap_ms": args.gap, "settled": quiet, "pacings": pacings,
            "goals": {name: {"measured_ms": m, "goal_ms": g, "met": m <= g} for name, (m, g) in goals.items()},
            "plugin_costs": sorted(({k: h[k] for k in ("plugin", "handler", "event", "count", "p50_ms", "p99_ms")}
                                    for h in metrics), key=lambda h: (h["plugin"], h["event"], h["handler"]))}  # fmt: skip


def port_of(daemon: bl.Daemon) -> int:
    return int(daemon.url.rsplit(":", 1)[1].split("/")[0])


def caption(report: dict[str, Any]) -> str:
    settled = report.get("settled") or {}
    quiet = (f"; measured once the CPUs were {settled['cpu_busy']:.0%} busy (after {settled['waited_s']:g} s)"
             if settled else "")  # fmt: skip
    return (f"{report['rounds']} interleaved replays of the {report['events']} events of "
            f"`bench/data/session.ndjson` over one keep-alive http connection per server, latency at the "
            f"client; back to back, then paced {report['gap_ms']:g} ms apart as a session's hooks are{quiet}")  # fmt: skip


def table(report: dict[str, Any]) -> list[str]:
    lines = ["| server | back to back: p50 / p99 | x floor | paced: p50 / p99 | x floor | errors |",
             "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    fast, paced = report["pacings"]["back_to_back"], report["pacings"]["paced"]
    for key, row in fast.items():
        other = paced[key]
        lines.append(f"| {row['description']} | {row['ms']['p50']:.2f} / {row['ms']['p99']:.2f} ms | "
                     f"{row['x_floor_p50']}x | {other['ms']['p50']:.2f} / {other['ms']['p99']:.2f} ms | "
                     f"{other['x_floor_p50']}x | {row['errors'] + other['errors']} |")  # fmt: skip
    return lines


def goal_lines(report: dict[str, Any]) -> list[str]:
    return [f"{name}: {goal['measured_ms']:.2f} ms (goal <= {goal['goal_ms']} ms): "
            f"{'met' if goal['met'] else 'NOT met'}" for name, goal in report["goals"].items()]  # fmt: skip


def main() -> int:
    if sys.argv[1:] == ["--serve-floor"]:
        return serve_floor()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=5, help="timed replays of the session per pacing (default 5)"
    )
    parser.add_argument(
        "--gap", type=float, default=20.0, help="milliseconds between two paced events (default 20)"
    )
    parser.add_argument("--events", type=int, default=None, help="only the first N events of the session")
    parser.add_argument("--quick", action="store_true", help="one round of 60 events")
    parser.add_argument("--router-venv", type=Path, help="a venv with the core alone (default: built here)")
    parser.add_argument("--plugins-venv", type=Path,
                        help="a venv with the core and the five plugins alone (default: built here)")  # fmt: skip
    parser.add_argument(
        "--json", type=Path, default=bl.RESULTS / "daemon.json", help="where to write the results"
    )
    args = bl.parse_shared(parser)
    if args.quick:
        args.rounds, args.events = 1, 60
    report = run(args)
    bl.write_json(args.json, report)
    print("\n".join([*table(report), "", *goal_lines(report)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
