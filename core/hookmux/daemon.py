"""``hookmux serve``: one warm process per user that answers hook events for every project.

Two ways in, one routing path (:func:`hookmux.hookentry.answer`, the function
``hookmux run`` uses in-process):

* **http**: Claude Code's ``type: "http"`` hooks POST the event to
  ``http://127.0.0.1:<port>/hook`` with ``Authorization: Bearer <token>``; the
  body of the answer is the merged JSON (empty: nothing to say). ``GET /health``
  (JSON) and ``GET /metrics`` (Prometheus text) take the same token. Anything
  without the token gets 401 and no hint; bodies are capped.
* **relay**: ``hookmux run`` (command hooks) forwards an event some handler
  matched over a Unix socket in a 0700 directory (peers must have our uid,
  checked with ``SO_PEERCRED``), with its arguments and environment, and gets
  back the exit code, stdout and stderr it would have produced itself (see
  :mod:`hookmux.relay`).

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
import hmac
import io
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any

from hookmux import __version__, relay, serving
from hookmux.changes import ChangeHint
from hookmux.dispatch import hung_threads
from hookmux.hookentry import Outcome, answer
from hookmux.hookrun import MAX_INPUT_BYTES
from hookmux.manifest import _sources_fresh, environment_stamp, load_manifest
from hookmux.paths import atomic_write, daemon_dir, ensure_private_dir, hookmux_home, socket_path
from hookmux.plugins import make_plugin_manager
from hookmux.takeover import Abandoned, Guard

#: Environment variable carrying the listening sockets across a re-exec: ``http,unix``.
SOCKETS_FD_ENV = "HOOKMUX_SERVE_SOCKET_FDS"
#: Abandoned (hung) handler threads that make the daemon restart itself.
MAX_HUNG_THREADS = 8
#: Open http connections at once (Claude Code keeps one or a few alive).
MAX_CONNECTIONS = 64
#: Seconds an authenticated idle http connection is kept; before that, the
#: request must arrive within FIRST_REQUEST_TIMEOUT.
KEEPALIVE_TIMEOUT = 300.0
FIRST_REQUEST_TIMEOUT = 10.0
#: Seconds a stop or restart waits for events in flight.
DRAIN_TIMEOUT = 30.0
#: A request still in flight this long after its deadline means the daemon is wedged.
OVERDUE_GRACE = 30.0
LOG_LIMIT = 1024 * 1024
HOUSEKEEPING_INTERVAL = 0.5
#: Request outcomes that are events answered (the others were refused).
ROUTED = ("answered", "silent", "rerouted")
#: Limits of an http request's head.
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
#: Largest relay header (arguments and environment).
MAX_HEADER_BYTES = 1024 * 1024


def token_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "token")


def state_file(home: str) -> str:
    return os.path.join(daemon_dir(home), "daemon.json")


def private_daemon_dir(home: str) -> str:
    """``$HOOKMUX_HOME/daemon``, created 0700 (and made 0700 if it was not)."""
    directory = ensure_private_dir(daemon_dir(home))
    if os.stat(directory).st_mode & 0o077:
        os.chmod(directory, 0o700)
    return directory


def read_token(home: str, create: bool = True) -> str | None:
    """The bearer token http requests must carry (created 0600 on first use)."""
    path = token_file(home)
    try:
        with open(path, encoding="ascii") as fh:
            token = fh.read().strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    if not create:
        return None
    import secrets

    private_daemon_dir(home)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made one meanwhile: use it
        return read_token(home, create=False)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def read_state(home: str) -> dict[str, Any] | None:
    try:
        with open(state_file(home), encoding="utf-8") as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def lock_held(home: str) -> bool:
    """True while some daemon holds the single-instance lock of ``home``."""
    try:
        fd = os.open(serving.lock_file(home), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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


def _private_socket_dir(path: str) -> None:
    """The directory of the relay socket: ours, 0700, not a symlink."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.lstat(directory)
    import stat

    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"{directory} is not a directory of this user")
    if info.st_mode & 0o077:
        os.chmod(directory, 0o700)


def _peer_uid(sock: socket.socket) -> int | None:
    opt = getattr(socket, "SO_PEERCRED", None)
    if opt is None:  # pragma: no cover - not Linux: the 0700 directory is the only guard
        return os.getuid()
    import struct

    try:
        _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, opt, struct.calcsize("3i")))
    except OSError:
        return None
    return int(uid)


class _Request:
    __slots__ = ("ends", "started")

    def __init__(self, deadline: float) -> None:
        self.started = time.monotonic()
        self.ends = self.started + deadline


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
        self._inherited_lock = os.environ.pop(serving.LOCK_FD_ENV, "")
        self._inherited_sockets = os.environ.pop(SOCKETS_FD_ENV, "")
        # The daemon serves every session: one session's variables must not leak
        # into the others' events (or into plugins that read os.environ).
        for key in [k for k in os.environ if k.startswith(serving.SESSION_PREFIXES)]:
            del os.environ[key]
        # Read-only: handlers get it as ctx.environ for http hooks, shared by every event.
        self.environ: Mapping[str, str] = MappingProxyType(dict(os.environ))
        from hookmux.config import load_settings

        core = load_settings(None, self.environ).core
        self.port = port if port is not None else (core.serve_port or serving.default_port())
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
        self.counts: dict[tuple[str, str], int] = {}
        self.sessions: dict[int, str] = {}
        self.connections: set[_HTTPHandler] = set()
        self.http_error: str | None = None
        self.lock_fd = -1
        self.http: _HTTPServer | None = None
        self.unix: _UnixServer | None = None
        self.socket_path = socket_path(home)
        self.token = ""
        self.manifest: dict[str, Any] = {}
        self.changes: ChangeHint | None = None
        self.stale = False
        self._fresh_lock = threading.Lock()
        #: who this daemon can answer for (see relay.python_identity)
        self.identity = relay.python_identity()
        self.foreign_callers = 0
        self.pm: Any = None
        self.loaded: list[str] = []
        self.log_fh: Any = None

    # -- logging ---------------------------------------------------------------------

    def _open_log(self) -> None:
        if self.foreground:
            self.log_fh = sys.stderr
            return
        path = serving.log_file(self.home)
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
        fd = os.open(serving.lock_file(self.home), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.lock_fd = fd
        return True

    def _fail(self, reason: str) -> None:
        with contextlib.suppress(OSError):
            atomic_write(serving.failure_file(self.home), reason.encode("utf-8") + b"\n")
        self.log(f"cannot start: {reason}")

    def _bind(self) -> None:
        inherited = self._inherited_sockets
        fds = [int(f) if f.lstrip("-").isdigit() else -1 for f in inherited.split(",")] if inherited else []
        http_fd, unix_fd = [*fds, -1, -1][:2]
        if http_fd >= 0:
            self.http = _HTTPServer.inherit(self, http_fd)
        else:
            try:
                self.http = _HTTPServer(self, ("127.0.0.1", self.port))
            except OSError as exc:
                self.http_error = f"127.0.0.1:{self.port}: {exc.strerror or exc}"
                if exc.errno == 98 or "in use" in str(exc):
                    self.http_error = (
                        f"port {self.port} on 127.0.0.1 is in use by another process; choose another "
                        "with HOOKMUX_SERVE_PORT or [hookmux] serve_port, then `hookmux install "
                        "--transport http` again"
                    )
                if not self.autostart:
                    raise SystemExit(self.http_error) from None
                self.log(f"http hooks not served: {self.http_error}")
        if unix_fd >= 0:
            self.unix = _UnixServer.inherit(self, unix_fd)
        else:
            _private_socket_dir(self.socket_path)
            # We hold the lock: a socket file left there belongs to a daemon that died.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket_path)
            self.unix = _UnixServer(self, self.socket_path)

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
                self.http = _HTTPServer(self, ("127.0.0.1", self.port))
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
            self.changes = ChangeHint(
                [*sys.path[1:], *(path for path, _ in self.manifest.get("sources", ()))]
            )
            self.pm = make_plugin_manager()
            self._write_state()
        except SystemExit as exc:  # logged (on stderr in the foreground), kept for `serve status`
            self._fail(str(exc.code))
            return 1
        except Exception as exc:  # noqa: BLE001 - say why, for `hookmux serve ensure`
            self._fail(f"{type(exc).__name__}: {exc}")
            return 1
        with contextlib.suppress(FileNotFoundError):
            os.unlink(serving.failure_file(self.home))
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
        from hookmux.dispatch import _register_lock
        from hookmux.loader import load_target

        for name, record in sorted(self.manifest.get("plugins", {}).items()):
            if record.get("error"):
                continue
            try:
                with _register_lock:
                    obj = load_target(record["target"])
                    if not self.pm.has_plugin(name):
                        self.pm.register(obj, name=name)
                self.loaded.append(name)
            except Exception as exc:  # noqa: BLE001 - routed (and reported) per event anyway
                self.log(f"plugin {name} cannot be loaded: {type(exc).__name__}: {exc}")
        self.log(f"plugins loaded: {', '.join(self.loaded) or 'none'}")
        # What is loaded now stays: the collector need not scan it again and again.
        import gc

        gc.collect()
        gc.freeze()

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
        with self.lock:
            key = (transport, outcome)
            self.counts[key] = self.counts.get(key, 0) + 1

    @contextlib.contextmanager
    def request(self, deadline: float, key: object = None) -> Any:
        """An event in flight (``key``: its guard, else this thread)."""
        key = threading.get_ident() if key is None else key
        with self.lock:
            self.in_flight[key] = _Request(deadline)
            self.last_activity = time.monotonic()
        try:
            yield
        finally:
            with self.lock:
                self.in_flight.pop(key, None)
                self.last_activity = time.monotonic()

    def forget_request(self, key: object) -> None:
        """An event another thread took over (its stuck thread may never come back)."""
        with self.lock:
            self.in_flight.pop(key, None)

    def fresh(self) -> bool:
        """Are the loaded plugins still the installed ones? (``hookmux run``'s check, made
        when the kernel says an import path or a plugin source may have changed.)"""
        with self._fresh_lock:
            if self.stale or self.changes is None or self.changes.maybe_changed():
                manifest = self.manifest
                self.stale = not (
                    manifest.get("stamp") == environment_stamp()
                    and _sources_fresh(manifest.get("sources", ()))
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
        with self.lock:
            counts = dict(self.counts)
            in_flight = len(self.in_flight)
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
            "in_flight": in_flight,
            "hung_threads": hung_threads(),
            "rss_bytes": rss_bytes(),
            "threads": threading.active_count(),
            "sessions": self.live_sessions(),
            "plugins_loaded": ",".join(self.loaded),
            "idle_timeout_s": self.idle_timeout,
        }

    def metrics(self) -> str:
        from hookmux.config import load_settings
        from hookmux.metrics import collect, prometheus

        lines = []
        try:
            hours = load_settings(None, self.environ).core.retention_days * 24
            lines.append(prometheus(collect(self.home, hours)).rstrip("\n"))
        except Exception as exc:  # noqa: BLE001 - the daemon's own figures still go out
            self.log(f"metrics: the store cannot be read: {type(exc).__name__}: {exc}")
        health = self.health()
        with self.lock:
            counts = sorted(self.counts.items())
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

    def _housekeeping(self) -> None:
        now = time.monotonic()
        hung = hung_threads()
        if hung >= MAX_HUNG_THREADS:
            self.request_restart(f"{hung} handler threads hang")
            return
        with self.lock:
            overdue = [r for r in self.in_flight.values() if now > r.ends + OVERDUE_GRACE]
            idle = now - self.last_activity >= self.idle_timeout and not self.in_flight
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
            with self.lock:
                if not self.in_flight:
                    break
            time.sleep(0.01)

    def _shutdown(self) -> int:
        self.log(f"{'restarting' if self.restart else 'stopping'}: {self.stop_reason}")
        self._drain()
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
        os.environ[serving.LOCK_FD_ENV] = str(self.lock_fd)
        os.environ[SOCKETS_FD_ENV] = ",".join(fds)
        argv = [sys.executable, "-m", "hookmux.daemon", *self.argv]
        with contextlib.suppress(Exception):
            self.log_fh.flush()
            sys.stdout.flush()
            sys.stderr.flush()
        try:
            os.execv(sys.executable, argv)  # noqa: S606 - ourselves, again
        except OSError as exc:
            self.log(f"cannot restart: {exc}; stopping")
            os.environ.pop(serving.LOCK_FD_ENV, None)
            os.environ.pop(SOCKETS_FD_ENV, None)

    # -- routing ------------------------------------------------------------------------

    def route(
        self, argv: list[str], payload: bytes, environ: Mapping[str, str], guard: Guard | None = None
    ) -> tuple[int, bytes, str, list[Callable[[], None]]]:
        """Answer one event exactly as ``hookmux run`` would: (exit code, stdout, stderr,
        what to do once the answer is sent: recording, background jobs).

        With a ``guard``, handlers run in this thread (:mod:`hookmux.takeover`); raises
        :class:`~hookmux.takeover.Abandoned` when another thread took the event over.
        """
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
        return code, out.getvalue(), err.getvalue(), later

    def after(self, later: list[Callable[[], None]]) -> None:
        """Run what :meth:`route` left for after the answer; failures are logged."""
        for task in later:
            try:
                task()
            except Exception as exc:  # noqa: BLE001 - the answer is out; keep serving
                self.log(f"after an event: {type(exc).__name__}: {exc}")

    def _queue(self, outcome: Outcome) -> None:
        from hookmux import background

        if background.queue(self.home, outcome.jobs):
            background.ensure_worker(self.home, outcome.max_workers)

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


# -- connection threads -----------------------------------------------------------------


class _PooledMixIn:
    """Connections are handled by long-lived threads (one each at a time), not a new
    thread per connection: each ``hookmux run`` relays over a new connection."""

    max_threads = MAX_CONNECTIONS + 16

    def _pool_init(self) -> None:
        import queue

        self._queue: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
        self._pool_lock = threading.Lock()
        self._threads_total = 0
        self._threads_idle = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._pool_lock:
            # _threads_idle: threads waiting for a connection, minus connections waiting for a thread
            start = self._threads_idle <= 0 and self._threads_total < self.max_threads
            if start:
                self._threads_total += 1
            else:
                self._threads_idle -= 1
        if start:
            threading.Thread(target=self._serve_connections, name="hookmux-connection", daemon=True).start()
        self._queue.put((request, client_address))

    def _serve_connections(self) -> None:
        first = True
        while True:
            if not first:
                with self._pool_lock:
                    self._threads_idle += 1
            first = False
            request, client_address = self._queue.get()
            try:
                self.finish_request(request, client_address)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - one connection's failure is that connection's
                self.handle_error(request, client_address)  # type: ignore[attr-defined]
            finally:
                self.shutdown_request(request)  # type: ignore[attr-defined]
            del request, client_address


# -- http ------------------------------------------------------------------------------


class _HTTPServer(_PooledMixIn, ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, daemon: Daemon, address: tuple[str, int], bind: bool = True) -> None:
        self.daemon = daemon
        self._pool_init()
        super().__init__(address, _HTTPHandler, bind_and_activate=bind)

    @classmethod
    def inherit(cls, daemon: Daemon, fd: int) -> _HTTPServer:
        server = cls(daemon, ("127.0.0.1", 0), bind=False)
        server.socket.close()
        server.socket = socket.socket(fileno=fd)
        os.set_inheritable(fd, False)
        server.server_address = server.socket.getsockname()
        server.server_name, server.server_port = "127.0.0.1", server.server_address[1]
        return server

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the host name up (getfqdn): not needed for loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def verify_request(self, request: Any, client_address: Any) -> bool:  # noqa: ARG002
        with self.daemon.lock:
            return len(self.daemon.connections) < MAX_CONNECTIONS and not self.daemon.draining


class _HTTPHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hookmux"
    sys_version = ""
    timeout = FIRST_REQUEST_TIMEOUT
    server: _HTTPServer
    busy = False
    request_headers: dict[str, str]

    def setup(self) -> None:
        super().setup()
        # Answers are one small write: no Nagle delay waiting for the client's ACK.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.daemon.lock:
            self.server.daemon.connections.add(self)

    def finish(self) -> None:
        with self.server.daemon.lock:
            self.server.daemon.connections.discard(self)
        with contextlib.suppress(OSError):
            super().finish()

    def handle_one_request(self) -> None:
        """Read one request and answer it. A lean parser: the stdlib's goes through the
        email package (~0.1 ms a request); hook requests are small and regular."""
        try:
            self._one_request()
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        finally:
            self.busy = False
            if self.server.daemon.draining:
                self.close_connection = True

    def _one_request(self) -> None:
        line = self.rfile.readline(MAX_HEADER_LINE + 1)  # idle here, between requests
        self.busy = True
        self.close_connection = True
        if not line:
            return
        parts = line.split()
        if len(line) > MAX_HEADER_LINE or len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            self._send(400)
            return
        self.command, self.path = parts[0].decode("latin-1"), parts[1].decode("latin-1")
        self.request_version = parts[2].decode("latin-1")
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            field = self.rfile.readline(MAX_HEADER_LINE + 1)
            if field in (b"\r\n", b"\n", b""):
                break
            name, sep, value = field.partition(b":")
            if not sep or len(field) > MAX_HEADER_LINE:
                self._send(400)
                return
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        else:
            self._send(431)
            return
        self.request_headers = headers
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        if self.command == "POST":
            self.do_POST()
        elif self.command == "GET":
            self.do_GET()
        else:
            self.close_connection = True
            self._send(405)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log; errors are logged where they happen

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
        """The whole answer in one write (headers then body would wait on Nagle's algorithm)."""
        head = [f"{self.protocol_version} {status} {HTTPStatus(status).phrase}"]
        head.append(f"Content-Length: {len(body)}")
        if body:
            head.append(f"Content-Type: {content_type}")
        if self.close_connection or self.server.daemon.draining:
            self.close_connection = True
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def _authorized(self) -> bool:
        token = self.server.daemon.token
        given = self.request_headers.get("authorization", "")
        expected = f"Bearer {token}"
        ok = bool(token) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())
        if not ok:
            self.close_connection = True
            self.server.daemon.count("http", "unauthorized")
            self._send(401)
        else:
            self.connection.settimeout(KEEPALIVE_TIMEOUT)
        return ok

    def do_GET(self) -> None:
        if not self._authorized():
            return
        path = self.path.partition("?")[0]
        daemon = self.server.daemon
        if path == "/health":
            self._send(200, json.dumps(daemon.health()).encode())
        elif path == "/metrics":
            self._send(200, daemon.metrics().encode(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404)

    def do_POST(self) -> None:
        if not self._authorized():
            return
        daemon = self.server.daemon
        path, _, query = self.path.partition("?")
        if path != "/hook":
            self.close_connection = True
            self._send(404)
            return
        headers = self.request_headers
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self.close_connection = True
            self._send(411)
            return
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            self.close_connection = True
            self._send(411)
            return
        if length < 0 or length > daemon.max_body:
            self.close_connection = True
            daemon.count("http", "too_large")
            self._send(413)
            return
        if headers.get("expect", "").lower() == "100-continue":  # only once authorized
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        deadline = _query_deadline(query)
        if not daemon.fresh():
            with daemon.request(deadline or 600.0):
                daemon.request_restart("the installed plugins changed")
                answer_body = daemon.route_elsewhere(body, deadline)
                daemon.count("http", "rerouted")
            self._send(200, answer_body)
            return
        args = ["--transport=http"] + ([f"--deadline={deadline!r}"] if deadline else [])
        guard = Guard(lambda guard: self._rescue(args, body, deadline, guard))
        with daemon.request(deadline or 600.0, guard):
            try:
                self._answer_event(args, body, guard)
            except Abandoned:  # the rescuing thread answered
                self.close_connection = True

    def _answer_event(self, args: list[str], body: bytes, guard: Guard) -> None:
        daemon = self.server.daemon
        _, answer_body, messages, later = daemon.route(args, body, daemon.environ, guard)
        daemon.count("http", "answered" if answer_body else "silent")
        for line in messages.splitlines():
            daemon.log(f"event: {line}")
        try:
            self._send(200, answer_body)
        finally:
            daemon.after(later)

    def _rescue(self, args: list[str], body: bytes, deadline: float | None, guard: Guard) -> None:
        """A handler overran in the connection's thread: answer from this one, and close
        the connection (its thread may never come back to it)."""
        daemon = self.server.daemon
        self.close_connection = True
        daemon.forget_request(guard)
        with daemon.request(deadline or 600.0), contextlib.suppress(Abandoned, OSError):
            self._answer_event(args, body, guard)


def _query_deadline(query: str) -> float | None:
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == "deadline":
            try:
                deadline = float(value)
            except ValueError:
                return None
            return deadline if 0 < deadline < 86400 else None
    return None


# -- relay -----------------------------------------------------------------------------


class _UnixServer(socketserver.UnixStreamServer):
    """Relay connections, one per event: threads wait in ``accept()`` themselves (no
    hand-over from a selector thread), and more are started while all are busy."""

    request_queue_size = 128
    max_threads = MAX_CONNECTIONS
    ACCEPT_POLL = 0.2

    def serve_acceptors(self, count: int = 4) -> None:
        self._accepting = True
        self._lock = threading.Lock()
        self._idle = self._total = 0
        self.socket.settimeout(self.ACCEPT_POLL)
        for _ in range(count):
            self._start_acceptor()

    def stop_accepting(self) -> None:
        """New connections wait in the backlog (for a re-executed daemon, or refused at exit)."""
        self._accepting = False
        ends = time.monotonic() + 2 * self.ACCEPT_POLL + 1
        while time.monotonic() < ends:
            with self._lock:
                if self._idle <= 0:
                    break
            time.sleep(0.01)

    def _start_acceptor(self) -> None:
        with self._lock:
            self._idle += 1
            self._total += 1
        threading.Thread(target=self._accept_loop, name="hookmux-relay", daemon=True).start()

    def _accept_loop(self) -> None:
        while self._accepting:
            try:
                request, client_address = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                if not self._accepting:
                    break
                time.sleep(0.01)
                continue
            with self._lock:
                self._idle -= 1
                grow = self._idle == 0 and self._total < self.max_threads
            if grow:
                self._start_acceptor()
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - one connection's failure is that connection's
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            del request, client_address
            with self._lock:
                self._idle += 1
        with self._lock:
            self._idle -= 1
            self._total -= 1

    def __init__(self, daemon: Daemon, path: str, bind: bool = True) -> None:
        self.daemon = daemon
        super().__init__(path, _RelayHandler, bind_and_activate=bind)
        self.inode = os.stat(path).st_ino if bind else 0

    def server_bind(self) -> None:
        old = os.umask(0o177)  # the socket file itself is 0600
        try:
            super().server_bind()
        finally:
            os.umask(old)

    @classmethod
    def inherit(cls, daemon: Daemon, fd: int) -> _UnixServer:
        server = cls(daemon, daemon.socket_path, bind=False)
        server.socket.close()
        server.socket = socket.socket(fileno=fd)
        os.set_inheritable(fd, False)
        server.server_address = daemon.socket_path
        with contextlib.suppress(OSError):
            server.inode = os.stat(daemon.socket_path).st_ino
        return server


class _RelayHandler(socketserver.BaseRequestHandler):
    server: _UnixServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        daemon = self.server.daemon
        if _peer_uid(sock) != os.getuid():
            daemon.count("relay", "refused")
            return
        sock.settimeout(FIRST_REQUEST_TIMEOUT)
        try:
            kind, header, payload = _read_request(sock)
            version, argv, environ = relay.decode_header(header)
        except (OSError, ValueError, ConnectionError) as exc:
            daemon.count("relay", "bad_request")
            daemon.log(f"relay: bad request: {exc}")
            return
        argv, identity = _relay_args(argv)
        if kind == relay.ROUTE and _caller_gone(sock):
            # It gave up waiting (a stuck daemon) and answered the event itself: running the
            # handlers now would run them twice.
            daemon.count("relay", "abandoned")
            return
        if (
            kind == relay.ROUTE
            and version == __version__
            and identity == daemon.identity
            and not daemon.draining
            and daemon.fresh()
        ):
            deadline = _argv_deadline(argv) or 600.0

            def rescue(guard: Guard) -> None:
                daemon.forget_request(guard)
                with daemon.request(deadline), contextlib.suppress(Abandoned):
                    self._answer_event(argv, payload, environ, guard)

            guard = Guard(rescue)
            with daemon.request(deadline, guard), contextlib.suppress(Abandoned):  # the rescue answered
                self._answer_event(argv, payload, environ, guard)
            return
        with contextlib.suppress(OSError):
            sock.sendall(self._other(daemon, kind, version, identity, argv))

    def _answer_event(
        self, argv: list[str], payload: bytes, environ: Mapping[str, str], guard: Guard
    ) -> None:
        daemon = self.server.daemon
        code, out, err, later = daemon.route(argv, payload, environ, guard)
        daemon.count("relay", "answered" if out or code else "silent")
        with contextlib.suppress(OSError):
            self.request.sendall(
                relay.encode_answer(relay.ANSWERED, code, out, err.encode("utf-8", "surrogateescape"))
            )
        daemon.after(later)

    def _other(
        self, daemon: Daemon, kind: bytes, version: str, identity: str | None, argv: list[str]
    ) -> bytes:
        """Pings, stop requests, and events the caller must route itself."""
        if kind == relay.PING:
            if argv and argv[0].isdigit() and int(argv[0]) > 0:
                daemon.register_session(int(argv[0]))
            if f"--port={daemon.port}" in argv[1:]:
                daemon.retry_http()
            with daemon.lock:
                daemon.last_activity = time.monotonic()
            text = "".join(f"{k}={v}\n" for k, v in daemon.health().items())
            return relay.encode_answer(relay.ANSWERED, 0, text.encode(), b"")
        if kind == relay.STOP:
            daemon.request_stop("hookmux serve stop")
            return relay.encode_answer(relay.ANSWERED, 0, b"stopping\n", b"")
        if kind == relay.ROUTE and identity != daemon.identity:
            # Another Python environment shares this $HOOKMUX_HOME: its plugins are not
            # the ones loaded here, so it routes its events itself (and this daemon stays).
            daemon.count("relay", "foreign")
            daemon.foreign_callers += 1
            if daemon.foreign_callers == 1:
                daemon.log(f"relay: a hookmux of another Python environment called ({identity}); "
                           "it routes its events itself")  # fmt: skip
        elif kind == relay.ROUTE and not daemon.draining:
            # The installed plugins (or hookmux itself) changed: the caller routes this
            # event with the new code, and the daemon restarts to load it.
            daemon.count("relay", "rerouted")
            daemon.request_restart(
                "the installed plugins changed" if version == __version__ else f"a hookmux {version} called"
            )
        return relay.encode_answer(relay.YOURSELF, 0, b"", b"")


def _caller_gone(sock: socket.socket) -> bool:
    """True when the relaying ``hookmux run`` has closed its end already."""
    # Non-blocking for the peek: with a timeout set, Python first waits for the socket
    # to become readable (MSG_DONTWAIT notwithstanding) and then raises TimeoutError.
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(timeout)


def _relay_args(argv: list[str]) -> tuple[list[str], str | None]:
    """``hookmux run``'s arguments, and the caller's ``--python`` identity."""
    rest, identity = [], None
    for arg in argv:
        if arg.startswith("--python="):
            identity = arg[9:]
        else:
            rest.append(arg)
    return rest, identity


def _argv_deadline(argv: list[str]) -> float | None:
    for arg in argv:
        if arg.startswith("--deadline="):
            with contextlib.suppress(ValueError):
                return float(arg.partition("=")[2])
    return None


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], min(size - got, 1 << 20))
        if not n:
            raise ConnectionError("the caller closed the connection early")
        got += n
    return bytes(buf)


def _read_request(sock: socket.socket) -> tuple[bytes, bytes, bytes]:
    head = _recv_exactly(sock, 9)
    if head[:4] != relay.REQUEST:
        raise ValueError("not a hookmux request")
    kind = head[4:5]
    size = int.from_bytes(head[5:9], "big")
    if size > MAX_HEADER_BYTES:
        raise ValueError("header too large")
    header = _recv_exactly(sock, size)
    size = int.from_bytes(_recv_exactly(sock, 4), "big")
    if size > MAX_INPUT_BYTES:
        raise ValueError("payload too large")
    return kind, header, _recv_exactly(sock, size)


# -- entry point -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m hookmux.daemon [--foreground] [--port N] [--idle-timeout S] [--autostart]``."""
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
