"""Shared machinery of the comparison benchmarks (``compare.py``, ``claude_session.py``, ``scale.py``).

* the throw-away project and the recorded session (``data/session.ndjson``);
* a stand-in for Claude Code's hook dispatch: which handlers of a settings file run
  for an event (matchers, ``if`` rules, de-duplication, exec and shell form, http);
* running a set of hook processes the way Claude Code does (in parallel, stdin
  written, wait for exit *and* stdout EOF), with each process's own resource usage
  (``wait4``), and orphaned background processes reaped (we are a subreaper);
* ``hookmux serve`` daemons on a private ``HOOKMUX_HOME``; statistics; machine facts.

Stdlib only (hookmux itself is imported for its event table).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import http.client
import json
import os
import platform
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
SESSION = BENCH / "data" / "session.ndjson"
BASH_PATTERN = BENCH / "specweave_bash"
HANDWRITTEN = BENCH / "handwritten_hook.py"
#: Every process a configuration starts carries this variable (never read by hookmux).
TAG_VAR = "BENCH_CONFIG_TAG"

sys.path.insert(0, str(BENCH))
from scenario import FEEDBACK_TRANSCRIPT, SESSION_ID, project_files  # noqa: E402

PLUGINS = ("capture", "feedback", "ghap", "metadata", "specstatus")


def python_bin() -> str:
    return sys.executable


def hookmux_bin() -> str:
    return str(Path(sys.executable).with_name("hookmux"))


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without hookmux, Claude Code and byte-code switches, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE", TAG_VAR))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files; so must the measurement
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the project and the session -------------------------------------------------------


@dataclass
class Workspace:
    """A throw-away project with its HOME (the transcript lives there)."""

    root: Path
    project: Path
    home: Path

    @property
    def transcript(self) -> Path:
        return self.home / ".claude" / "projects" / "-bench-project" / f"{SESSION_ID}.jsonl"


def make_workspace(root: Path) -> Workspace:
    """The project (SpecWeave tree from the plugins' test data, sources, tests) and HOME."""
    project, home = root / "project", root / "home"
    for rel, text in project_files().items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (project / ".claude").mkdir(exist_ok=True)
    ws = Workspace(root=root, project=project, home=home)
    ws.transcript.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FEEDBACK_TRANSCRIPT, ws.transcript)
    return ws


def session_lines(ws: Workspace, limit: int | None = None) -> list[bytes]:
    """The recorded session's events for ``ws`` (placeholders substituted), as bytes."""
    lines = SESSION.read_text(encoding="utf-8").splitlines()[:limit]
    return [
        line.replace("@PROJECT@", str(ws.project)).replace("@HOME@", str(ws.home)).encode() for line in lines
    ]


# -- Claude Code's hook dispatch, as documented for 2.1.330 ----------------------------


def load_settings(project: Path) -> dict[str, Any]:
    """``.claude/settings.json`` and ``settings.local.json`` merged (hooks appended, env merged)."""
    merged: dict[str, Any] = {"hooks": {}, "env": {}}
    for name in ("settings.json", "settings.local.json"):
        path = project / ".claude" / name
        if not path.exists():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for event, groups in (data.get("hooks") or {}).items():
            merged["hooks"].setdefault(event, []).extend(groups)
        merged["env"].update(data.get("env") or {})
    return merged


_EXACT = re.compile(r"^[A-Za-z0-9_\-, |]*$")


def matcher_accepts(matcher: str | None, value: str | None) -> bool:
    """Claude Code's matcher: empty/``*`` all; names (``|`` or ``,`` lists) exact; else a regex search."""
    if matcher in (None, "", "*"):
        return True
    if value is None:
        return True  # events without a matcher field ignore the matcher
    if _EXACT.match(matcher):
        return value in {part.strip() for part in re.split(r"[|,]", matcher)}
    return re.search(matcher, value) is not None


def _path_glob(pattern: str, project: str) -> str:
    if pattern.startswith("//"):
        return pattern[1:]
    if pattern.startswith("~/"):
        return os.path.expanduser(pattern)
    if pattern.startswith("/"):  # settings-relative in Claude Code; the project here
        return project + pattern
    return f"{project}/{pattern}"


def _glob_match(path: str, pattern: str) -> bool:
    """gitignore-style, as Claude Code tests ``if`` path rules: ``**`` any directories,
    ``*`` within one name, case-insensitive, and a directory that matches covers
    everything below it."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    compiled = re.compile(regex, re.IGNORECASE)
    parts = path.split("/")
    return any(compiled.fullmatch("/".join(parts[:end])) for end in range(len(parts), 1, -1))


def if_accepts(rule: str | None, event: Mapping[str, Any], project: str) -> bool:
    """A permission-rule ``if`` filter (``Tool(pattern)``) on a tool event."""
    if not rule:
        return True
    match = re.fullmatch(r"([A-Za-z_][\w]*)(?:\((.*)\))?", rule.strip())
    if match is None or event.get("tool_name") != match.group(1):
        return False
    pattern = match.group(2)
    if pattern is None:
        return True
    tool_input = event.get("tool_input") or {}
    if "command" in tool_input:
        command = str(tool_input["command"])
        parts = [command, *(p.strip() for p in re.split(r"&&|\|\||;|\|", command))]
        return any(fnmatchcase(part, pattern) for part in parts)
    path = tool_input.get("file_path") or tool_input.get("path")
    if not isinstance(path, str):
        return False
    return _glob_match(os.path.normpath(path), _path_glob(pattern, project))


def handlers_for(settings: Mapping[str, Any], event: Mapping[str, Any], project: str) -> list[dict[str, Any]]:
    """The handlers Claude Code runs for ``event``: matching groups, ``if`` rules, duplicates once."""
    from hookmux.protocol.events import MATCHER_FIELD

    name = event["hook_event_name"]
    field_name = MATCHER_FIELD.get(name)
    value = event.get(field_name) if field_name else None
    chosen: list[dict[str, Any]] = []
    seen: set[str] = set()
    for group in settings.get("hooks", {}).get(name, []):
        if not matcher_accepts(group.get("matcher"), value):
            continue
        for handler in group.get("hooks", []):
            if not if_accepts(handler.get("if"), event, project):
                continue
            key = json.dumps(handler, sort_keys=True)
            if key not in seen:
                seen.add(key)
                chosen.append(handler)
    return chosen


def expand_vars(text: str, env: Mapping[str, str], allowed: Iterable[str]) -> str:
    allowed = set(allowed)

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return env.get(name, "") if name in allowed else ""

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, text)


# -- running hook processes ------------------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Orphaned descendants (detached workers, ``( ... ) &``) become our children, so their
    resource usage can be collected with ``wait4``. Linux only."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


@dataclass
class Usage:
    """CPU (ms) and peak RSS (KiB) of finished processes."""

    cpu_ms: float = 0.0
    maxrss_kb: int = 0
    processes: int = 0

    def add(self, rusage: Any) -> None:
        self.cpu_ms += (rusage.ru_utime + rusage.ru_stime) * 1000
        self.maxrss_kb = max(self.maxrss_kb, int(rusage.ru_maxrss))
        self.processes += 1


@dataclass
class StepResult:
    wall_ms: float
    usage: Usage
    outputs: list[bytes] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_processes(
    commands: Sequence[tuple[list[str], dict[str, str]]],
    stdin: bytes,
    cwd: Path,
    timeout: float = 120.0,
    http_calls: Sequence[Any] = (),
) -> StepResult:
    """Start every command at once with ``stdin`` and wait for all of them to exit and close
    stdout, as Claude Code does; ``http_calls`` (callables returning bytes) run meanwhile.

    Wall time from the first spawn to the last exit/EOF; CPU and peak RSS from each
    process's ``wait4`` (its own and its waited-for children's).
    """
    usage = Usage()
    errors: list[str] = []
    started = time.perf_counter()
    procs: list[subprocess.Popen[bytes]] = []
    for argv, env in commands:
        procs.append(
            subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        )
    answers: list[bytes] = []

    def post_all() -> None:
        for call in http_calls:
            try:
                answers.append(call())
            except Exception as exc:
                errors.append(f"http: {type(exc).__name__}: {exc}")

    poster = None
    if http_calls and procs:
        poster = threading.Thread(target=post_all)  # alongside the processes, as Claude Code does
        poster.start()
    elif http_calls:
        post_all()
    buffers: dict[int, list[bytes]] = {}
    selector = selectors.DefaultSelector()
    for index, proc in enumerate(procs):
        assert proc.stdin and proc.stdout and proc.stderr
        os.set_blocking(proc.stdin.fileno(), False)
        selector.register(proc.stdin, selectors.EVENT_WRITE, (index, "in", memoryview(stdin)))
        selector.register(proc.stdout, selectors.EVENT_READ, (index, "out", None))
        selector.register(proc.stderr, selectors.EVENT_READ, (index, "err", None))
        buffers[index] = []
    ends = started + timeout
    while selector.get_map():
        remaining = ends - time.perf_counter()
        if remaining <= 0:
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            errors.append("timeout")
            break
        for key, _ in selector.select(remaining):
            index, kind, data = key.data
            if kind == "in":
                try:
                    written = os.write(key.fd, data[:65536]) if data else 0
                except (BrokenPipeError, OSError):
                    written = len(data)
                rest = data[written:]
                if rest:
                    selector.modify(key.fileobj, selectors.EVENT_WRITE, (index, "in", rest))
                else:
                    selector.unregister(key.fileobj)
                    key.fileobj.close()  # type: ignore[union-attr]
                continue
            chunk = os.read(key.fd, 65536)
            if chunk:
                if kind == "out":
                    buffers[index].append(chunk)
                continue
            selector.unregister(key.fileobj)
            key.fileobj.close()  # type: ignore[union-attr]
    selector.close()
    for proc in procs:
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        usage.add(rusage)
    if poster is not None:
        poster.join()
    wall = (time.perf_counter() - started) * 1000
    outputs = [b"".join(buffers[i]) for i in range(len(procs))] + answers
    return StepResult(wall_ms=wall, usage=usage, outputs=outputs, errors=errors)


def children_of(pid: int) -> list[int]:
    """Live processes (zombies included) whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


class Reaper:
    """Collects orphans reparented to this (subreaper) process and adds up their usage.

    ``managed`` processes (a daemon, a tracer) are reaped without being counted:
    their usage is measured another way. Call it only while no ``run_processes``
    is in flight (it waits for any child).
    """

    def __init__(self) -> None:
        self.managed: dict[int, subprocess.Popen[Any] | None] = {}
        self.usage = Usage()

    def reap(self) -> None:
        while True:
            try:
                pid, status, rusage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.managed:
                proc = self.managed.pop(pid)
                if proc is not None:
                    proc.returncode = os.waitstatus_to_exitcode(status)
                continue
            self.usage.add(rusage)

    def settle(self, timeout: float, daemon_pid: int = 0) -> int:
        """Reap until no unmanaged child is left (and ``daemon_pid`` has no children), or
        ``timeout`` seconds; the number of processes still running then."""
        ends = time.monotonic() + timeout
        while True:
            self.reap()
            left = [p for p in children_of(os.getpid()) if p not in self.managed]
            if daemon_pid:
                left += children_of(daemon_pid)
            if not left or time.monotonic() > ends:
                return len(left)
            time.sleep(0.05)


def proc_cpu_ms(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` (clock ticks), in ms."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        fields = fh.read().rpartition(")")[2].split()
    ticks = sum(int(x) for x in fields[11:15])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def proc_hwm_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# -- hookmux serve ---------------------------------------------------------------------


@dataclass
class Daemon:
    """A ``hookmux serve`` on its own HOOKMUX_HOME and port."""

    env: dict[str, str]
    #: the ``hookmux`` executable (another venv's, say)
    command: str = field(default_factory=hookmux_bin)
    pid: int = 0
    url: str = ""
    token: str = ""
    problem: str = ""

    @property
    def home(self) -> str:
        return self.env["HOOKMUX_HOME"]

    def start(self) -> bool:
        self.env.setdefault("HOOKMUX_SERVE_IDLE", "900")  # gone soon even if the benchmark is killed
        try:
            proc = subprocess.run([self.command, "serve", "--json"], env=self.env, capture_output=True,
                                  text=True, timeout=60, check=False)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.problem = f"hookmux serve: {exc}"
            return False
        if proc.returncode != 0 and "No such command" in proc.stderr:
            self.problem = "hookmux serve does not exist in this hookmux"
            return False
        try:
            status = json.loads(proc.stdout)
        except ValueError:
            self.problem = f"hookmux serve: {(proc.stderr or proc.stdout).strip()[-300:]}"
            return False
        if not status.get("running"):
            self.problem = f"hookmux serve not running: {status.get('last_failure') or status.get('problem')}"
            return False
        self.pid = int(status["pid"])
        self.url = str(status.get("url") or "")
        with contextlib.suppress(OSError):
            self.token = (Path(self.home) / "daemon" / "token").read_text().strip()
        return True

    def stop(self) -> None:
        """Stop it and wait until the process is gone (it writes its home until it exits)."""
        if not self.pid:
            return
        subprocess.run([self.command, "serve", "stop"], env=self.env, capture_output=True, timeout=60,
                       check=False)  # fmt: skip
        ends = time.monotonic() + 10
        while time.monotonic() < ends:
            try:
                with open(f"/proc/{self.pid}/stat", encoding="ascii", errors="replace") as fh:
                    if fh.read().rpartition(")")[2].split()[0] in ("Z", "X"):
                        return
            except OSError:
                return
            time.sleep(0.05)

    def status(self) -> dict[str, Any]:
        """``hookmux serve status --json`` (counters: requests_relay, requests_http, refused...)."""
        proc = subprocess.run([self.command, "serve", "status", "--json"], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        try:
            value = json.loads(proc.stdout)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def served(self, transport: str) -> str | None:
        """None if the daemon answered events of ``transport`` (relay, http); else why not."""
        status = self.status()
        if int(status.get(f"requests_{transport}") or 0) > 0:
            return None
        return (f"hookmux serve answered no {transport} event (refused {status.get('refused', '?')}): "
                f"`hookmux run` routed them itself")  # fmt: skip

    def poster(self) -> HttpPoster:
        return HttpPoster(self.url, self.token)


class HttpPoster:
    """What Claude Code does for an http hook: POST the event (keep-alive), read the answer."""

    def __init__(self, url: str, token: str) -> None:
        host_port = url.split("//", 1)[1].split("/", 1)[0]
        self.host, _, port = host_port.partition(":")
        self.port = int(port or 80)
        self.token = token
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
        hdrs = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        hdrs.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request("POST", path, body=body, headers=hdrs)
                response = self.conn.getresponse()
                data = response.read()
                if response.status != 200:
                    raise RuntimeError(f"http {response.status}")
                return data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def install_hookmux(project: Path, env: Mapping[str, str], transport: str = "command") -> str | None:
    """``hookmux install --scope project`` in ``project``; None, or why it failed."""
    argv = [hookmux_bin(), "install", "--scope", "project", "--project-dir", str(project)]
    if transport != "command":
        argv += ["--transport", transport]
    proc = subprocess.run(argv, cwd=project, env=dict(env), capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    if proc.returncode != 0:
        return (
            (proc.stderr or proc.stdout).strip().splitlines()[-1]
            if (proc.stderr or proc.stdout)
            else "failed"
        )
    return None


# -- numbers ---------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), linear interpolation between closest ranks."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(samples, 50), 2),
        "p95": round(percentile(samples, 95), 2),
        "p99": round(percentile(samples, 99), 2),
        "mean": round(statistics.fmean(samples), 2) if samples else float("nan"),
    }


def _version_of(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine_info() -> dict[str, Any]:
    """Date, machine, interpreter and tool versions, load: the table's caption."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu}",
        "kernel": platform.release(),
        "python": f"{platform.python_version()} ({sys.executable})",
        "hookmux": pkg("hookmux"),
        "commit": _version_of(["git", "-C", str(REPO), "describe", "--always", "--dirty"]),
        "plugins": {name: pkg(f"hookmux-{name}") for name in PLUGINS},
        "bash": _version_of(["bash", "-c", "echo bash $BASH_VERSION"]),
        "jq": _version_of(["jq", "--version"]),
        "loadavg_at_start": os.getloadavg(),
    }


def parse_shared(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """``tox -e bench -- ARGS`` gives every benchmark the same arguments: options meant for
    another one are ignored, with a note (``--quick`` and ``--rounds`` are understood by all)."""
    args, unknown = parser.parse_known_args()
    if unknown:
        print(
            f"{parser.prog}: ignoring {' '.join(unknown)} (not an option of this benchmark)", file=sys.stderr
        )
    return args


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# -- counting processes (strace) ----------------------------------------------------------

_FORK = re.compile(r"\b(?:clone3?|fork|vfork)\(")
_EXEC_OK = re.compile(r"execve(?:\(| resumed>).*= 0$")


def strace_available() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=process", "-o", os.devnull, "true"],
                           capture_output=True, check=False)  # fmt: skip
    return probe.returncode == 0


def traced(argv: list[str], trace_file: str, rss_file: str | None = None) -> list[str]:
    """``argv`` under strace, recording process creation and exec only (seccomp-filtered);
    with ``rss_file``, under GNU time too, which writes the peak RSS (KiB) there.

    A child's ``ru_maxrss`` starts at its parent's resident size when it is forked, so
    only a small parent (time, strace) gives a hook's own peak RSS: a Python launcher's
    ``wait4`` would report the launcher's ~25 MB for ``/bin/true``.
    """
    argv = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=process", "-o", trace_file, "--", *argv]
    if rss_file is not None:
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file, *argv]
    return argv


GNU_TIME = "/usr/bin/time"


def gnu_time_available() -> bool:
    if not os.access(GNU_TIME, os.X_OK):
        return False
    probe = subprocess.run([GNU_TIME, "-f", "%M", "true"], capture_output=True, text=True, check=False)
    return probe.returncode == 0 and probe.stderr.strip().isdigit()


def read_rss(path: str) -> int:
    try:
        with open(path, encoding="ascii") as fh:
            return int(fh.read().split()[-1])
    except (OSError, ValueError, IndexError):
        return 0


def count_trace(path: str) -> tuple[int, int]:
    """(processes created, successful execs) in an ``strace -f -e trace=process`` log."""
    forks = execs = 0
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for raw in fh:
                line = raw.rstrip()
                if "resumed>" not in line and _FORK.search(line) and "CLONE_THREAD" not in line:
                    forks += 1
                elif "execve" in line and _EXEC_OK.search(line):
                    execs += 1
    except OSError:
        pass
    return forks, execs
