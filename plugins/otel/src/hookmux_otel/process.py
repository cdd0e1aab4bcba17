"""The exporter's process under ``hookmux serve``, started and stopped by the serve hooks.

Exporting runs in a process of its own rather than a thread of the daemon: encoding
spans is Python work that would hold the interpreter lock while events wait for it,
the OpenTelemetry SDK and its HTTP client would weigh on the daemon's memory, and a
wedged exporter can be killed without touching the daemon. The daemon keeps only a
small thread that starts the process once an endpoint is configured (the user may
configure one while the daemon runs) and starts it again should it die.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping

LOG = "exporter.log"
#: Seconds between looks at the configuration while no exporter runs.
CHECK_INTERVAL = 5.0
#: An exporter that died is started again at most this often.
RESTART_AFTER = 30.0


class ExporterProcess:
    def __init__(self, home: str, environ: Mapping[str, str]) -> None:
        self.home = home
        self.environ = dict(environ)
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._watch, name="hookmux-otel", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        from hookmux_otel.config import configured

        while not self.stopping.is_set():
            with self.lock:
                running = self.proc is not None and self.proc.poll() is None
                due = time.monotonic() - self.started >= RESTART_AFTER or self.proc is None
                if not running and due and not self.stopping.is_set():
                    try:
                        if configured(self.environ)[1] is not None:
                            self._spawn()
                    except Exception as exc:  # noqa: BLE001 - the daemon serves on; said in its log
                        print(f"hookmux-otel: cannot start the exporter: {exc}", file=sys.stderr)
            self.stopping.wait(CHECK_INTERVAL)

    def _spawn(self) -> None:
        directory = os.path.join(self.home, "plugins", "otel")
        os.makedirs(directory, mode=0o700, exist_ok=True)
        log = os.open(os.path.join(directory, LOG), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # In the daemon's process group and without its descriptors (its lock, its sockets).
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hookmux_otel.exporter",
                    "--home",
                    self.home,
                    "--parent",
                    str(os.getpid()),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=True,
                cwd=directory,
                env={**self.environ, "HOOKMUX_HOME": self.home},
            )
            self.started = time.monotonic()
        finally:
            os.close(log)

    def stop(self, budget: float) -> None:
        """Ask the exporter to send what is left and leave; killed after ``budget`` seconds."""
        self.stopping.set()
        with self.lock:
            proc = self.proc
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(budget)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
