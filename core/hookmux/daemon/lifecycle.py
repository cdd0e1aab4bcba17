"""``hookmux serve``: one warm process per user that answers hook events for every project.

Two ways in (:mod:`hookmux.daemon.httpserver` for http hooks,
:mod:`hookmux.daemon.relayserver` for command hooks relayed by ``hookmux run``),
one routing path (:func:`hookmux.entry.route.answer`, the function ``hookmux run``
uses in-process). This module holds the daemon's life: lock, listeners, plugins,
housekeeping, restart and stop.

The plugins stay imported and registered on one plugin manager; the settings
are read per event (config changes need no restart). Each event checks the
plugin manifest as ``hookmux run`` does (a few stats): when plugins were
installed, upgraded or removed, that event is routed by a fresh process and the
daemon re-executes itself, keeping its listening sockets and its lock, so no
connection is refused meanwhile.

One daemon per ``$HOOKMUX_HOME`` (an ``flock`` held for its life); stale
sockets and state are cleaned up at start; SIGTERM/SIGINT stop it gracefully,
SIGHUP restarts it. It exits after ``serve_idle`` seconds without events,
except while a Claude Code session whose SessionStart registered it (``hookmux
serve ensure``) is alive. A handler that hangs is abandoned at its timeout like
in ``hookmux run``; when too many abandoned threads accumulate, the daemon
restarts itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import itertools
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from hookmux import __version__
from hookmux.daemon import afterprocess
from hookmux.daemon.files import private_daemon_dir, read_state, read_token, state_file
from hookmux.daemon.httpserver import HTTPHandler, HTTPServer
from hookmux.daemon.relayserver import RelayServer, private_socket_dir
from hookmux.daemon.replaying import load_plugins, replay
from hookmux.daemon.served import AfterWork
from hookmux.entry import control, relay
from hookmux.entry.args import BadInput
from hookmux.entry.route import Outcome, answer, decode_event
from hookmux.entry.sniff import surely_only_observed, surely_unwanted
from hookmux.routing.manifest import load_manifest
from hookmux.routing.manifestfile import environment_stamp, sources_fresh
from hookmux.routing.plugins import make_plugin_manager
from hookmux.routing.takeover import Guard
from hookmux.routing.threads import hung_threads
from hookmux.state.changes import ChangeHint
from hookmux.state.paths import atomic_write, ensure_private_dir, hookmux_home, socket_path
from hookmux.state.pending import PendingLog, orphans

#: Environment variable carrying the listening sockets across a re-exec: ``http,unix``.
SOCKETS_FD_ENV = "HOOKMUX_SERVE_SOCKET_FDS"
#: Abandoned (hung) handler threads that make the daemon restart itself.
MAX_HUNG_THREADS = 8
#: Seconds a stop or restart waits for events in flight.
DRAIN_TIMEOUT = 30.0
#: A request still in flight this long after its deadline means the daemon is wedged.
OVERDUE_GRACE = 30.0
LOG_LIMIT = 1024 * 1024
HOUSEKEEPING_INTERVAL = 0.5
#: Seconds a stop or restart gives the plugins' ``hookmux_serve_stop`` hooks, all together.
SERVE_STOP_BUDGET = 5.0
#: Seconds an event's after-answer work may take before the daemon counts as wedged
#: (OVERDUE_GRACE on top); its observers have their own, shorter timeouts.
AFTER_DEADLINE = 600.0
#: Longest the after-answer thread holds back a task while events are being answered.
AFTER_YIELD = 0.05
#: After-answer work waiting beyond this many places holds the events back (a flood of
#: events: their answers would outrun it, and memory would grow without bound), when the
#: daemon does it itself: each place holds the event's handlers and parsed event.
AFTER_BACKLOG = 64
#: The same when its after-answer process does the work: each place holds only the event's
#: bytes (also on disk, in the pending log), bounded by AFTER_BACKLOG_BYTES as well.
AFTER_BACKLOG_PROCESS = 1024
#: Bytes of events owed their after-work beyond which events are held back.
AFTER_BACKLOG_BYTES = 8 * 1024 * 1024
#: Longest a connection is held back for it, per event.
AFTER_BACKLOG_WAIT = 10.0
#: Seconds the after-answer thread waits for work whose place was taken before later work
#: arrived (a moment, normally: the answer is being sent); then it goes on without it.
PLACE_WAIT = 1.0
#: Request outcomes that are events answered (the others were refused).
ROUTED = ("answered", "silent", "rerouted")


def rss_bytes(pid: int | None = None) -> int:
    """The resident memory of this process, or of process ``pid`` (0 when unknown)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        if pid is not None:
            return 0
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def answering_tools(events: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, frozenset[str] | None]:
    """Claude Code's events that a loaded handler may answer (or refuse, failing closed)
    -> the tool names those handlers match exactly; None when one may take any tool, or
    is matched by something else than a tool's name (SessionStart always: its notices).
    The other events are only observed: :func:`~hookmux.entry.sniff.surely_only_observed`."""
    from hookmux.protocol.events import MATCHER_FIELD
    from hookmux.routing.dispatch import may_answer

    answering: dict[str, frozenset[str] | None] = {"SessionStart": None}
    for name, handlers in events.items():
        specs = [
            handler["matcher"]
            for handler in handlers
            if may_answer(handler) and "claude" in (handler.get("agents") or ("claude",))
        ]
        if any(spec[0] != "exact" or MATCHER_FIELD.get(name) != "tool_name" for spec in specs):
            answering[name] = None
        elif specs and name not in answering:
            answering[name] = frozenset(tool for spec in specs for tool in spec[1])
    return answering


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (telling a live session from a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"


class _Request:
    __slots__ = ("after", "ends", "started")

    def __init__(self, deadline: float, after: bool = False) -> None:
        self.started = time.monotonic()
        self.ends = self.started + deadline
        #: an event's after-answer work, not an event being answered
        self.after = after


class _InFlight:
    """An event in flight, for the idle timer, the drain and the watchdog. A class, not
    a generator context: this is on every event's path.

    No lock here: a dict's item set and pop are atomic, and its readers copy it first
    (:meth:`Daemon.requests`). On an idle machine each lock taken costs an event some
    10 us, the caches cold; this path took three."""

    __slots__ = ("daemon", "deadline", "key")

    def __init__(self, daemon: Daemon, deadline: float, key: object) -> None:
        self.daemon, self.deadline, self.key = daemon, deadline, key

    def __enter__(self) -> None:
        daemon = self.daemon
        daemon.in_flight[self.key] = request = _Request(self.deadline)
        daemon.last_activity = request.started

    def __exit__(self, *exc: object) -> None:
        daemon = self.daemon
        daemon.in_flight.pop(self.key, None)
        daemon.last_activity = time.monotonic()
        if daemon.after_waiting:  # the after-answer thread waits for the answers to be out
            with daemon.lock:
                daemon.quiet.notify()


class Daemon:
    """The server state shared by the http and relay threads."""

    def __init__(
        self,
        home: str,
        *,
        port: int | None = None,
        idle_timeout: float | None = None,
        max_body: int | None = None,
        autostart: bool = False,
        foreground: bool = False,
        argv: list[str] | None = None,
    ) -> None:
        self.home = home
        self.autostart = autostart
        self.foreground = foreground
        self.argv = argv or []
        # What a restart handed over (the lock, the listening sockets): for this process only.
        self._inherited_lock = os.environ.pop(control.LOCK_FD_ENV, "")
        self._inherited_sockets = os.environ.pop(SOCKETS_FD_ENV, "")
        # The daemon serves every session: one session's variables must not leak
        # into the others' events (or into plugins that read os.environ).
        for key in [k for k in os.environ if k.startswith(control.SESSION_PREFIXES)]:
            del os.environ[key]
        # Read-only: handlers get it as ctx.environ for http hooks, shared by every event.
        self.environ: Mapping[str, str] = MappingProxyType(dict(os.environ))
        from hookmux.config import load_settings

        core = load_settings(None, self.environ).core
        self.port = port if port is not None else (core.serve_port or control.default_port(home))
        self.idle_timeout = idle_timeout if idle_timeout is not None else core.serve_idle
        self.max_body = max_body if max_body is not None else core.serve_max_body
        from hookmux.config import SettingsCache

        self.settings = SettingsCache(watch=True)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.stop_reason = ""
        self.restart = False
        self.draining = False
        self.started_wall = time.time()
        self.started = time.monotonic()
        self.last_activity = time.monotonic()
        self.in_flight: dict[object, _Request] = {}
        self._after_queue: queue.SimpleQueue[tuple[int, object, AfterWork]] = queue.SimpleQueue()
        #: the after-answer work owed, on disk until done (:mod:`hookmux.state.pending`)
        self.pending: PendingLog | None = None
        self._argv_headers: dict[tuple[str, ...], bytes] = {}
        #: places in the order of after-answer work (next() is atomic: no lock)
        self._places = itertools.count()
        #: the last place taken, and the first not run yet (read without a lock: a gauge)
        self._last_place = -1
        self._after_done = 0
        self._after_thread: threading.Thread | None = None
        #: where the after-answer work runs, unless turned off (then in this interpreter)
        self.after_process = (
            afterprocess.AfterProcess(home, self.environ, self.log)
            if afterprocess.wanted(self.environ)
            else None
        )
        #: places of after-answer work owed beyond which events are held back
        self.after_backlog = AFTER_BACKLOG_PROCESS if self.after_process is not None else AFTER_BACKLOG
        #: notified as after-answer work gets done while connections are held back for it
        self._caught_up = threading.Condition(threading.Lock())
        self._held_back = 0
        #: notified when an event's answer is done while the after-answer thread waits on it
        self.quiet = threading.Condition(self.lock)
        self.after_waiting = False
        #: requests counted by (transport, outcome), a dict per counting thread (see count)
        self._tallies: dict[int, dict[tuple[str, str], int]] = {}
        self.sessions: dict[int, str] = {}
        self.connections: set[HTTPHandler] = set()
        self.http_error: str | None = None
        self.lock_fd = -1
        self.http: HTTPServer | None = None
        self.unix: RelayServer | None = None
        self.socket_path = socket_path(home)
        #: the home as it was at start: a home deleted (and made again) is not ours any more
        self.home_inode = 0
        self.token = ""
        self.manifest: dict[str, Any] = {}
        #: the events some loaded handler takes (SessionStart always: its notices)
        self.wanted: frozenset[str] = frozenset()
        #: :func:`answering_tools` of the loaded handlers
        self.answering: dict[str, frozenset[str] | None] = {}
        self.changes: ChangeHint | None = None
        self.stale = False
        self._fresh_lock = threading.Lock()
        #: who this daemon can answer for (see relay.python_identity)
        self.identity = relay.python_identity()
        #: what the native launcher says for the same (None: this daemon's own import path
        #: was changed by a PYTHON* variable, which the launcher cannot see)
        plain = not any(name in self.environ for name in relay.IMPORT_VARIABLES)
        self.env_identity = relay.environment_identity() if plain else None
        self.foreign_callers = 0
        self.pm: Any = None
        self.loaded: list[str] = []
        self.log_fh: Any = None

    # -- logging ---------------------------------------------------------------------

    def _open_log(self) -> None:
        if self.foreground:
            self.log_fh = sys.stderr
            return
        path = control.log_file(self.home)
        with contextlib.suppress(OSError):
            if os.path.getsize(path) > LOG_LIMIT:
                os.replace(path, path + ".1")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.log_fh = os.fdopen(fd, "a", encoding="utf-8", buffering=1)
        # Tracebacks of threads and of the interpreter go to the log too.
        os.dup2(self.log_fh.fileno(), 1)
        os.dup2(self.log_fh.fileno(), 2)

    def log(self, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} hookmux serve[{os.getpid()}]: {message}\n"
        with self.lock:
            try:
                self.log_fh.write(line)
                if not self.foreground and self.log_fh.tell() > LOG_LIMIT:
                    self.log_fh.close()
                    self._open_log()
            except (OSError, ValueError, AttributeError):
                pass

    # -- start -----------------------------------------------------------------------

    def _acquire_lock(self) -> bool:
        inherited = self._inherited_lock
        if inherited.isdigit():
            self.lock_fd = int(inherited)
            os.set_inheritable(self.lock_fd, False)
            return True
        private_daemon_dir(self.home)
        fd = os.open(control.lock_file(self.home), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.lock_fd = fd
        return True

    def _fail(self, reason: str) -> None:
        with contextlib.suppress(OSError):
            atomic_write(control.failure_file(self.home), reason.encode("utf-8") + b"\n")
        self.log(f"cannot start: {reason}")

    def _bind(self) -> None:
        inherited = self._inherited_sockets
        fds = [int(f) if f.lstrip("-").isdigit() else -1 for f in inherited.split(",")] if inherited else []
        http_fd, unix_fd = [*fds, -1, -1][:2]
        if http_fd >= 0:
            self.http = HTTPServer.inherit(self, http_fd)
        else:
            try:
                self.http = HTTPServer(self, ("127.0.0.1", self.port))
            except OSError as exc:
                self.http_error = f"127.0.0.1:{self.port}: {exc.strerror or exc}"
                if exc.errno == 98 or "in use" in str(exc):
                    from hookmux.state.ports import holder_name, port_holder

                    holder = port_holder(self.port)
                    by = f" ({holder_name(holder)})" if holder is not None else ""
                    self.http_error = (
                        f"port {self.port} on 127.0.0.1 is in use by another process{by}; stop it, or "
                        "run `hookmux install --transport http` again (it picks a free port for this "
                        "home), or choose one with HOOKMUX_SERVE_PORT or [hookmux] serve_port"
                    )
                if not self.autostart:
                    raise SystemExit(self.http_error) from None
                self.log(f"http hooks not served: {self.http_error}")
        if unix_fd >= 0:
            self.unix = RelayServer.inherit(self, unix_fd)
        else:
            private_socket_dir(self.socket_path)
            # We hold the lock: a socket file left there belongs to a daemon that died.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket_path)
            self.unix = RelayServer(self, self.socket_path)

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "version": __version__,
            "started": self.started_wall,
            "port": self.http.server_port if self.http is not None else None,
            "url": self.url(),
            "socket": self.socket_path,
            "http_error": self.http_error,
            "python": sys.executable,
        }
        atomic_write(state_file(self.home), json.dumps(state, indent=2).encode() + b"\n", 0o600)

    def retry_http(self) -> None:
        """Bind the http port now if it was taken when the daemon started (asked by
        ``hookmux serve ensure`` on behalf of http hooks)."""
        with self.lock:
            if self.http is not None or self.stopping.is_set():
                return
            try:
                self.http = HTTPServer(self, ("127.0.0.1", self.port))
            except OSError:
                return
            self.http_error = None
        threading.Thread(target=self.http.serve_forever, args=(0.1,), daemon=True).start()
        self.log(f"http hooks served now: {self.url()}")
        self._write_state()

    def url(self) -> str | None:
        return f"http://127.0.0.1:{self.http.server_port}/hook" if self.http is not None else None

    def start(self) -> int:
        """Run until stopped; returns the exit code (never returns on a restart)."""
        ensure_private_dir(self.home)
        private_daemon_dir(self.home)
        self.home_inode = os.stat(self.home).st_ino
        self._open_log()
        if not self._acquire_lock():
            message = f"another hookmux serve already runs for {self.home}"
            if self.autostart:
                return 0
            print(f"hookmux serve: {message}", file=sys.stderr)
            return 1
        try:
            self.token = read_token(self.home) or ""
            self._bind()
            self.manifest = load_manifest(self.home)
            events = self.manifest.get("events", {})
            self.wanted = frozenset(
                [*(name for name, handlers in events.items() if handlers), "SessionStart"]
            )
            self.answering = answering_tools(events)
            self.changes = ChangeHint(
                [*sys.path[1:], *(path for path, _ in self.manifest.get("sources", ()))]
            )
            self.pm = make_plugin_manager()
            self.pending = PendingLog(private_daemon_dir(self.home))
            self._write_state()
        except SystemExit as exc:  # logged (on stderr in the foreground), kept for `serve status`
            self._fail(str(exc.code))
            return 1
        except Exception as exc:  # noqa: BLE001 - say why, for `hookmux serve ensure`
            self._fail(f"{type(exc).__name__}: {exc}")
            return 1
        with contextlib.suppress(FileNotFoundError):
            os.unlink(control.failure_file(self.home))
        # A thread waiting for the interpreter lock gets it within 1 ms, not 5: events
        # answered concurrently keep their latency.
        sys.setswitchinterval(0.001)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGHUP, self._on_signal)
        if self.http is not None:
            threading.Thread(target=self.http.serve_forever, args=(0.1,), daemon=True).start()
        if self.unix is not None:
            self.unix.serve_acceptors()
        threading.Thread(target=self._preload, name="hookmux-preload", daemon=True).start()
        self.log(
            f"serving {self.home}: http {self.url() or 'off (' + str(self.http_error) + ')'}, "
            f"relay {self.socket_path}, {len(self.manifest.get('plugins', {}))} plugin(s), "
            f"idle exit after {self.idle_timeout:g} s"
        )
        while not self.stopping.wait(HOUSEKEEPING_INTERVAL):
            self._housekeeping()
        return self._shutdown()

    def _preload(self) -> None:
        """Import and register every plugin now, so the first events are warm."""
        self.loaded = load_plugins(self.manifest, self.pm, self.log)
        self.log(f"plugins loaded: {', '.join(self.loaded) or 'none'}")
        self._serve_hook("hookmux_serve_start", home=self.home, environ=self.environ)
        self._replay_orphans()
        # Its after-answer process starts now: it imports the plugins before the events come.
        self._ensure_after_thread()
        # What is loaded now stays: the collector need not scan it again and again.
        import gc

        gc.collect()
        gc.freeze()

    def _replay_orphans(self) -> None:
        """Do the after-answer work a killed daemon of this home owed (its pending log):
        the observers of the events it answered, their records, their background jobs;
        the events it answered without routing them are routed in full."""
        key = object()
        self.in_flight[key] = _Request(AFTER_DEADLINE, after=True)
        try:
            for orphan in orphans(private_daemon_dir(self.home)):
                entries = orphan.unpaid()
                for n, header, payload in entries:
                    self._replay(header, payload)
                    orphan.paid(n)
                orphan.remove()
                if entries:
                    self.log(f"did the after-answer work a stopped daemon owed {len(entries)} event(s)")
        finally:
            self.in_flight.pop(key, None)

    def _replay(self, header: dict[str, Any], payload: bytes) -> None:
        replay(
            header,
            payload,
            home=self.home,
            environ=self.environ,
            manifest=self.manifest,
            plugin_manager=self.pm,
            settings_loader=self.settings.load,
            log=self.log,
        )

    def _serve_hook(self, spec: str, budget: float | None = None, **kwargs: Any) -> None:
        """Call ``spec`` on each loaded plugin that implements it and is enabled, each
        isolated from the others' failures; all within ``budget`` seconds when given."""
        from hookmux.config import load_settings

        try:
            settings = load_settings(None, self.environ)
            impls = [
                i
                for i in getattr(self.pm.hook, spec).get_hookimpls()
                if settings.plugin_enabled(i.plugin_name)
            ]
        except Exception as exc:  # noqa: BLE001 - the daemon serves events anyway
            self.log(f"{spec}: {type(exc).__name__}: {exc}")
            return

        def call_all() -> None:
            for impl in impls:
                try:
                    impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
                except Exception as exc:  # noqa: BLE001 - one plugin's failure is its own
                    self.log(f"plugin {impl.plugin_name}: {spec} raised {type(exc).__name__}: {exc}")

        if budget is None:
            call_all()
            return
        worker = threading.Thread(target=call_all, name=f"hookmux-{spec}", daemon=True)
        worker.start()
        worker.join(budget)
        if worker.is_alive():
            self.log(f"{spec}: plugins still busy after {budget:g} s; going on")

    # -- state ------------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if signum == signal.SIGHUP:
            self.request_restart("SIGHUP")
        else:
            self.request_stop(signal.Signals(signum).name)

    def request_stop(self, reason: str) -> None:
        with self.lock:
            if not self.stopping.is_set():
                self.stop_reason = reason
                self.stopping.set()

    def request_restart(self, reason: str) -> None:
        with self.lock:
            if not self.stopping.is_set():
                self.stop_reason = reason
                self.restart = True
                self.stopping.set()

    def count(self, transport: str, outcome: str) -> None:
        # Each thread adds to its own dict, so no count is lost without a lock on every
        # event's path (see _InFlight); counts() sums them.
        tally = self._tallies.get(threading.get_ident())
        if tally is None:
            tally = self._tallies.setdefault(threading.get_ident(), {})
        key = (transport, outcome)
        tally[key] = tally.get(key, 0) + 1

    def counts(self) -> dict[tuple[str, str], int]:
        """Requests so far by (transport, outcome)."""
        total: dict[tuple[str, str], int] = {}
        for tally in list(self._tallies.values()):
            for key, n in tally.copy().items():
                total[key] = total.get(key, 0) + n
        return total

    def requests(self) -> list[_Request]:
        """The events in flight now (a copy: they come and go without a lock)."""
        return list(self.in_flight.values())

    def request(self, deadline: float, key: object = None) -> _InFlight:
        """An event in flight, as a context (``key``: its guard, else this thread)."""
        return _InFlight(self, deadline, threading.get_ident() if key is None else key)

    def forget_request(self, key: object) -> None:
        """An event another thread took over (its stuck thread may never come back)."""
        self.in_flight.pop(key, None)

    def fresh(self) -> bool:
        """Are the loaded plugins still the installed ones? (``hookmux run``'s check, made
        when the kernel says an import path or a plugin source may have changed.)"""
        changes = self.changes
        if changes is not None and changes.quiet() and not self.stale:  # no lock while nothing changed
            return True
        with (
            self._fresh_lock,
            changes.news() if changes is not None else contextlib.nullcontext(True) as news,
        ):
            if news or self.stale:
                manifest = self.manifest
                self.stale = not (
                    manifest.get("stamp") == environment_stamp()
                    and sources_fresh(manifest.get("sources", ()))
                )
            return not self.stale

    def register_session(self, pid: int) -> None:
        start = _process_start(pid)
        if start is None:
            return
        with self.lock:
            if len(self.sessions) > 256:
                for old in [p for p, s in self.sessions.items() if _process_start(p) != s]:
                    del self.sessions[old]
            self.sessions[pid] = start

    def live_sessions(self) -> int:
        with self.lock:
            sessions = list(self.sessions.items())
        alive = 0
        for pid, start in sessions:
            if _process_start(pid) == start:
                alive += 1
            else:
                with self.lock:
                    self.sessions.pop(pid, None)
        return alive

    def health(self) -> dict[str, Any]:
        counts = self.counts()
        after_pid = self.after_process.pid if self.after_process is not None else None
        return {
            "status": "stopping" if self.stopping.is_set() else "ok",
            "pid": os.getpid(),
            "version": __version__,
            "home": self.home,
            "uptime_s": round(time.monotonic() - self.started, 3),
            "http_port": self.http.server_port if self.http is not None else "",
            "http_error": self.http_error or "",
            "socket": self.socket_path,
            "requests_http": sum(n for (t, o), n in counts.items() if t == "http" and o in ROUTED),
            "requests_relay": sum(n for (t, o), n in counts.items() if t == "relay" and o in ROUTED),
            "refused": sum(n for (_, o), n in counts.items() if o not in ROUTED),
            "in_flight": len(self.in_flight),
            "after_owed": self.pending.owed if self.pending is not None else 0,
            "hung_threads": hung_threads(),
            "rss_bytes": rss_bytes(),
            "after_process": after_pid or "",
            "after_process_rss_bytes": rss_bytes(after_pid) if after_pid else 0,
            "threads": threading.active_count(),
            "sessions": self.live_sessions(),
            "plugins_loaded": ",".join(self.loaded),
            "idle_timeout_s": self.idle_timeout,
        }

    def metrics(self) -> str:
        from hookmux.config import load_settings
        from hookmux.state.metrics import collect, prometheus

        lines = []
        try:
            hours = load_settings(None, self.environ).core.retention_days * 24
            lines.append(prometheus(collect(self.home, hours)).rstrip("\n"))
        except Exception as exc:  # noqa: BLE001 - the daemon's own figures still go out
            self.log(f"metrics: the store cannot be read: {type(exc).__name__}: {exc}")
        health = self.health()
        counts = sorted(self.counts().items())
        lines += [
            "# HELP hookmux_serve_requests_total Events hookmux serve answered, by transport and outcome.",
            "# TYPE hookmux_serve_requests_total counter",
        ]
        lines += [
            f'hookmux_serve_requests_total{{transport="{t}",outcome="{o}"}} {n}' for (t, o), n in counts
        ]
        gauges = (
            ("hookmux_serve_in_flight", "Events being answered now.", health["in_flight"]),
            ("hookmux_serve_hung_threads", "Handler threads abandoned at their timeout, still running.",
             health["hung_threads"]),
            ("hookmux_serve_uptime_seconds", "Seconds since this process started.", health["uptime_s"]),
            ("hookmux_serve_resident_memory_bytes", "Resident set size of the daemon.", health["rss_bytes"]),
            ("hookmux_serve_threads", "Live threads in the daemon.", health["threads"]),
            ("hookmux_serve_sessions", "Live Claude Code sessions registered by hookmux serve ensure.",
             health["sessions"]),
        )  # fmt: skip
        for name, help_text, value in gauges:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(lines) + "\n"

    def _home_lost(self) -> str | None:
        """Why this daemon no longer serves its home, or None: the home or the relay socket
        was deleted (a test's temporary home, say) or replaced by another daemon's. Nobody
        could reach it any more, and it would hold its port until its idle timeout."""
        try:
            home = os.stat(self.home)
        except FileNotFoundError:
            return f"{self.home} was deleted"
        except OSError:
            return None  # unreadable for a moment: not proof it is gone
        if self.home_inode and home.st_ino != self.home_inode:
            return f"{self.home} was deleted and made again"
        if self.unix is None or not self.unix.inode:
            return None
        try:
            sock = os.stat(self.socket_path)
        except FileNotFoundError:
            return f"its relay socket {self.socket_path} was deleted"
        except OSError:
            return None
        if sock.st_ino != self.unix.inode:
            owner = (read_state(self.home) or {}).get("pid")
            by = f" by hookmux serve (pid {owner})" if owner and owner != os.getpid() else ""
            return f"its relay socket {self.socket_path} was taken over{by}"
        return None

    def _housekeeping(self) -> None:
        lost = self._home_lost()
        if lost:
            self.request_stop(lost)
            return
        now = time.monotonic()
        hung = hung_threads()
        if hung >= MAX_HUNG_THREADS:
            self.request_restart(f"{hung} handler threads hang")
            return
        requests = self.requests()
        overdue = [r for r in requests if now > r.ends + OVERDUE_GRACE]
        idle = now - self.last_activity >= self.idle_timeout and not requests
        if overdue:
            self.request_restart(f"{len(overdue)} event(s) overdue by more than {OVERDUE_GRACE:g} s")
        elif idle and self.live_sessions() == 0:
            self.request_stop(f"idle for {self.idle_timeout:g} s")

    # -- stop -------------------------------------------------------------------------

    def _drain(self) -> None:
        # No new connections are accepted: they wait in the backlog.
        if self.http is not None:
            self.http.shutdown()
        if self.unix is not None:
            self.unix.stop_accepting()
        with self.lock:
            self.draining = True
            idle = [c for c in self.connections if not c.busy]
        for connection in idle:  # idle keep-alive connections: the client opens a new one
            with contextlib.suppress(OSError):
                connection.connection.shutdown(socket.SHUT_RDWR)
        ends = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < ends:
            with self.lock:  # events in flight, and requests read but not answered yet
                if not self.in_flight and not any(c.busy for c in self.connections):
                    break
            time.sleep(0.01)

    def _shutdown(self) -> int:
        self.log(f"{'restarting' if self.restart else 'stopping'}: {self.stop_reason}")
        self._drain()
        if self.loaded:
            self._serve_hook("hookmux_serve_stop", SERVE_STOP_BUDGET, home=self.home)
        if self.after_process is not None:
            self.after_process.stop()
        if self.pending is not None:  # kept if work is still owed: the next daemon does it
            self.pending.close()
        if self.restart:
            self._reexec()  # returns only if exec failed
        for server in (self.http, self.unix):
            if server is not None:
                server.server_close()
        with contextlib.suppress(OSError):
            if os.stat(self.socket_path).st_ino == self.unix.inode:  # type: ignore[union-attr]
                os.unlink(self.socket_path)
        if (read_state(self.home) or {}).get("pid") == os.getpid():
            with contextlib.suppress(OSError):
                os.unlink(state_file(self.home))
        os.close(self.lock_fd)
        return 0

    def _reexec(self) -> None:
        fds = []
        for server in (self.http, self.unix):
            fd = server.socket.fileno() if server is not None else -1
            if fd >= 0:
                os.set_inheritable(fd, True)
            fds.append(str(fd))
        os.set_inheritable(self.lock_fd, True)
        os.environ[control.LOCK_FD_ENV] = str(self.lock_fd)
        os.environ[SOCKETS_FD_ENV] = ",".join(fds)
        argv = [sys.executable, "-m", "hookmux.daemon.lifecycle", *self.argv]
        with contextlib.suppress(Exception):
            self.log_fh.flush()
            sys.stdout.flush()
            sys.stderr.flush()
        try:
            os.execv(sys.executable, argv)  # noqa: S606 - ourselves, again
        except OSError as exc:
            self.log(f"cannot restart: {exc}; stopping")
            os.environ.pop(control.LOCK_FD_ENV, None)
            os.environ.pop(SOCKETS_FD_ENV, None)

    # -- routing ------------------------------------------------------------------------

    def route(
        self, argv: list[str], payload: bytes, environ: Mapping[str, str], guard: Guard | None = None
    ) -> tuple[int, bytes, str, AfterWork]:
        """Answer one event exactly as ``hookmux run`` would: (exit code, stdout, stderr,
        what to do once the answer is sent: observers, recording, background jobs).

        With a ``guard``, handlers run in this thread (:mod:`hookmux.routing.takeover`); raises
        :class:`~hookmux.routing.takeover.Abandoned` when another thread took the event over.
        """
        code, out, err, later, outcome = self._route(argv, payload, environ, guard)
        if not later:
            return code, out, err, AfterWork(later, None)
        header: dict[str, Any] = {"argv": argv}
        if environ is not self.environ:  # a relayed event: what its caller set differently
            header["environ"] = {k: v for k, v in environ.items() if self.environ.get(k) != v}
        if outcome is not None and outcome.handled:  # else none answers: it is routed in full
            header["answered"] = [
                (o.plugin, o.function, o.status, o.duration_ms, o.error, o.fail_closed, o.dedupe_hits)
                for o in outcome.handled
            ]
            if outcome.jobs:
                header["jobs"] = outcome.jobs
        elif len(header) == 1:
            return code, out, err, AfterWork(later, (self._argv_header(argv), payload))
        return code, out, err, AfterWork(later, (json.dumps(header).encode(), payload))

    def _argv_header(self, argv: list[str]) -> bytes:
        """The pending log's header of an event routed in full: its arguments alone (the
        same for nearly every event: kept)."""
        key = tuple(argv)
        header = self._argv_headers.get(key)
        if header is None:
            header = json.dumps({"argv": argv}).encode()
            if len(self._argv_headers) < 64:
                self._argv_headers[key] = header
        return header

    def _route(
        self, argv: list[str], payload: bytes, environ: Mapping[str, str], guard: Guard | None = None
    ) -> tuple[int, bytes, str, list[Callable[[], None]], Outcome | None]:
        out, err = io.BytesIO(), io.StringIO()
        later: list[Callable[[], None]] = []
        code, outcome = answer(
            argv,
            payload,
            out,
            err,
            environ=environ,
            home=self.home,
            manifest=self.manifest,
            plugin_manager=self.pm,
            deferred=later,
            settings_loader=self.settings.load,
            guard=guard,
        )
        if outcome is not None and outcome.jobs:
            later.append(lambda: self._queue(outcome))
        return code, out.getvalue(), err.getvalue(), later, outcome

    def nobody_wants(self, payload: bytes) -> bool:
        """Whether no loaded handler takes the event, told from its raw bytes
        (:func:`~hookmux.entry.sniff.surely_unwanted`): its answer is empty without routing."""
        return surely_unwanted(payload, self.wanted)

    def only_observed(self, payload: bytes) -> bool:
        """Whether the event, told from its raw bytes (its name, its tool's name), is certainly
        one no loaded handler answers: its answer is empty whatever its observers and
        background handlers do."""
        return surely_only_observed(payload, self.answering)

    def routed_after_answer(self, argv: list[str], payload: bytes) -> AfterWork:
        """The after-answer work of an event :meth:`only_observed`: routing it in full."""
        entry = (self._argv_header(argv), payload)
        return AfterWork([lambda: self._route_after_answer(argv, payload)], entry)

    def _route_after_answer(self, argv: list[str], payload: bytes) -> None:
        """Route an event :meth:`only_observed` once its empty answer is out (a task of the
        after-answer thread): what :meth:`route` leaves for later runs right here, so the
        events' observers still run in the order the events came."""
        _, _, messages, later, _ = self._route(argv, payload, self.environ)
        for line in messages.splitlines():
            self.log(f"event: {line}")
        self._run_tasks(later)

    def log_if_invalid(self, payload: bytes) -> None:
        """Log what is wrong with an event answered without routing, as routing it would."""
        try:
            decode_event(payload)
        except BadInput as exc:
            self.log(f"event: hookmux: {exc}")

    def place_after(self, later: AfterWork) -> int | None:
        """A place for ``later`` in the order of after-answer work (None when it is empty),
        taken before the answer is sent: the next event, on another connection, may come
        the moment its caller has this answer, and must not run its after-work first.
        The work is owed in the pending log from now on, so a daemon killed before it ran
        leaves it to the next one. Handed over with :meth:`after` once the answer is out
        (not before: the after-answer thread, woken then, would compete with the answer
        for the interpreter lock)."""
        if not later.tasks:
            return None
        place = self._last_place = next(self._places)
        if later.entry is not None and self.pending is not None:
            try:
                self.pending.owe(place, *later.entry)
            except (OSError, ValueError) as exc:  # a full disk, a log closed by a stop
                self.log(f"cannot keep an event's after-work on disk: {exc}")
                later.entry = None
        return place

    def hold_back(self) -> None:
        """Wait (at most :data:`AFTER_BACKLOG_WAIT` s) while after-answer work lags more than
        :data:`AFTER_BACKLOG` places behind: called by a listener before it routes an event
        (http) or once its caller is gone (relay), so a flood of events is slowed to the
        pace of their after-work instead of piling it up in memory. Once held, it waits
        until half the lag is made up: waiting for one event's after-work at a time
        instead kept a flood at the limit, each of its events slowed (in bench/daemon.py
        back to back: p50 0.40 -> 0.71 ms, and p99 5.6 -> 10-12 ms)."""
        pending = self.pending
        if self._last_place - self._after_done <= self.after_backlog and (
            pending is None or pending.owed_bytes <= AFTER_BACKLOG_BYTES
        ):
            return
        ends = time.monotonic() + AFTER_BACKLOG_WAIT
        with self._caught_up:
            # Counted before looking: work done after the look sees it and notifies.
            self._held_back += 1
            try:
                while self._last_place - self._after_done > self.after_backlog // 2 or (
                    pending is not None and pending.owed_bytes > AFTER_BACKLOG_BYTES // 2
                ):
                    left = ends - time.monotonic()
                    if left <= 0:
                        return
                    self._caught_up.wait(left)
            finally:
                self._held_back -= 1

    def after(self, later: AfterWork, place: int | None) -> None:
        """Hand what :meth:`route` left for after the answer (observers, recording,
        background jobs) to the after-answer thread, which runs each event's in the order
        of their places (:meth:`place_after`). The connection's thread goes back to reading
        at once: the next event on it no longer waits behind this one's after-work (an
        observer waiting for a plugin's lock, say). Until done, it counts as in flight (a
        stop or restart waits for it)."""
        if not later.tasks or place is None:
            return
        if self.after_process is not None and later.entry is not None:
            # Done from the entry's bytes (by the process, or replayed here if it cannot):
            # what waits holds no handler, context or parsed event meanwhile.
            later.tasks = []
        key = object()
        self.in_flight[key] = _Request(AFTER_DEADLINE, after=True)
        if self._after_thread is None:
            self._ensure_after_thread()
        self._after_queue.put((place, key, later))

    def _ensure_after_thread(self) -> None:
        with self.lock:
            if self._after_thread is None:
                self._after_thread = threading.Thread(
                    target=self._run_after, name="hookmux-after", daemon=True
                )
                self._after_thread.start()

    def _run_after(self) -> None:
        # Started by this thread, which lives as long as the daemon: the process dies with it.
        process = self.after_process
        if process is not None:
            process.start()
        early: dict[int, tuple[object, AfterWork]] = {}
        expected = 0
        while True:
            if expected in early:
                place, (key, later) = expected, early.pop(expected)
            else:
                try:
                    place, key, later = self._after_queue.get(timeout=PLACE_WAIT if early else None)
                except queue.Empty:  # a place was taken and never filled: go on without it
                    expected = self._after_done = min(early)
                    continue
                if place > expected:  # an earlier place is being handed over: wait for it
                    early[place] = (key, later)
                    continue
            expected = max(expected, place + 1)
            if later.entry is None or process is None:
                self._run_tasks(later.tasks)
            elif not process.run(place, *later.entry):
                self._replay_entry(*later.entry)
            if later.entry is not None and self.pending is not None:
                try:
                    self.pending.paid(place)
                except (OSError, ValueError) as exc:
                    self.log(f"cannot mark an event's after-work done: {exc}")
            self._after_done = expected
            if self._held_back:
                with self._caught_up:
                    self._caught_up.notify_all()
            self.in_flight.pop(key, None)
            self.last_activity = time.monotonic()
            del later

    def _replay_entry(self, header: bytes, payload: bytes) -> None:
        """Do here what the after-answer process could not: the entry replayed, as an
        orphan's would be."""
        self._yield_to_answers()
        self._replay(json.loads(header), payload)

    def _run_tasks(self, tasks: list[Callable[[], None]]) -> None:
        for task in tasks:
            self._yield_to_answers()
            try:
                task()
            except Exception as exc:  # noqa: BLE001 - the answer is out; keep serving
                self.log(f"after an event: {type(exc).__name__}: {exc}")

    def _yield_to_answers(self) -> None:
        """Wait (at most :data:`AFTER_YIELD` s) while an event is being answered: the
        after-answer thread and the answering one share the interpreter lock, and an
        answer is what Claude Code waits for."""
        ends = time.monotonic() + AFTER_YIELD
        with self.lock:
            # Said before looking: an answer done after the look sees it and notifies.
            self.after_waiting = True
            try:
                while any(not request.after for request in self.requests()):
                    left = ends - time.monotonic()
                    if left <= 0:
                        return
                    self.quiet.wait(left)
            finally:
                self.after_waiting = False

    def _queue(self, outcome: Outcome) -> None:
        from hookmux.state import background

        background.queue_and_start(self.home, outcome.jobs, outcome.max_workers)

    def route_elsewhere(self, body: bytes, deadline: float | None) -> bytes:
        """An http event after the plugins changed: answered by a fresh ``hookmux run``."""
        import subprocess

        args = [sys.executable, "-m", "hookmux", "run", "--transport=http"]
        if deadline:
            args.append(f"--deadline={deadline!r}")
        env = dict(self.environ, HOOKMUX_SERVE="0", HOOKMUX_HOME=self.home)
        try:
            proc = subprocess.run(
                args,
                input=body,
                capture_output=True,
                env=env,
                timeout=(deadline or 600.0) + 5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self.log(f"cannot route an event in a fresh process: {exc}")
            return b""
        for line in proc.stderr.decode("utf-8", "replace").splitlines():
            self.log(f"event: {line}")
        return proc.stdout


# -- entry point -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m hookmux.daemon.lifecycle [--foreground] [--port N] [--idle-timeout S] [--autostart]``."""
    import argparse

    args_in = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="hookmux serve", add_help=True)
    parser.add_argument("--foreground", action="store_true")
    parser.add_argument("--autostart", action="store_true")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--idle-timeout", type=float, default=None)
    parser.add_argument("--max-body", type=int, default=None)
    args = parser.parse_args(args_in)
    daemon = Daemon(
        hookmux_home(),
        port=args.port,
        idle_timeout=args.idle_timeout,
        max_body=args.max_body,
        autostart=args.autostart,
        foreground=args.foreground,
        argv=args_in,
    )
    code = daemon.start()
    # Leave at once: hung handler threads must not hold up the exit.
    for stream in (sys.stdout, sys.stderr, daemon.log_fh):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
