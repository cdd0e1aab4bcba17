"""The exporter's process under ``hookmux serve``, started and stopped by the serve hooks.

Exporting runs in a process of its own rather than a thread of the daemon: encoding
spans is Python work that would hold the interpreter lock while events wait for it,
the OpenTelemetry SDK and its HTTP client would weigh on the daemon's memory, and a
wedged exporter can be killed without touching the daemon. This module is all the
daemon imports of the plugin (standard library only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping

LOG = "exporter.log"


class ExporterProcess:
    def __init__(self, home: str, environ: Mapping[str, str]) -> None:
        directory = os.path.join(home, "plugins", "otel")
        os.makedirs(directory, mode=0o700, exist_ok=True)
        log = os.open(os.path.join(directory, LOG), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # In the daemon's process group and without its descriptors (its lock, its sockets).
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hookmux_otel.exporter", "--home", home, "--parent", str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=True,
                cwd=directory,
                env={**environ, "HOOKMUX_HOME": home},
            )
        finally:
            os.close(log)

    def stop(self, budget: float) -> None:
        """Ask it to send what is left and leave; killed after ``budget`` seconds."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(budget)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
