"""The daemon's after-answer work, done in a process of its own.

Once ``hookmux serve`` has answered an event, its observers, the records of its
handlers' runs and its background jobs are left to do: about a millisecond of CPU
per event with the five plugins. In the daemon's interpreter that work and the next
answers share one interpreter lock, and a burst of events outruns it (the daemon then
holds the connections back until it caught up). Here it runs beside the daemon, on
another core where there is one, and niced: an answer never waits for it.

What the process is handed is the event's pending-log entry (:mod:`hookmux.state.pending`),
which the daemon wrote before the answer anyway: the process redoes the after-work
from it exactly as a daemon replays what a killed one owed (:mod:`hookmux.daemon.replaying`),
and says when each entry is done; the daemon then marks it paid. The process dies
with the daemon (on Linux: ``PR_SET_PDEATHSIG``): a daemon killed mid-work leaves its
entries owed, for the next daemon, and no process that still works on them.

The pipe between them carries, to the process, ``<place> <header size> <payload
size>\\n<header><payload>`` per entry; back, ``<place>\\n`` once it is done and
``!<message>\\n`` for a line for the daemon's log.

``HOOKMUX_SERVE_AFTER_PROCESS=0`` keeps the work in the daemon's own interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping

#: Turns the process off (``0``): the after-answer work runs in the daemon's interpreter.
ENV = "HOOKMUX_SERVE_AFTER_PROCESS"
#: Seconds before a process that died or could not start is tried again (meanwhile the
#: daemon does the work itself).
RETRY_AFTER = 30.0
#: Seconds a stopping daemon gives the process to finish and leave.
STOP_WAIT = 2.0


def wanted(environ: Mapping[str, str]) -> bool:
    return environ.get(ENV, "1").strip() not in ("0", "false", "no", "off")


class AfterProcess:
    """The daemon's handle on its after-answer process: started on first use, by the
    thread that will use it for good (the process dies with the thread that started it),
    and again after it died (not before :data:`RETRY_AFTER` s). Not thread-safe: the
    daemon's after-answer thread alone uses it."""

    def __init__(self, home: str, environ: Mapping[str, str], log: Callable[[str], None]) -> None:
        self._home = home
        self._environ = dict(environ)
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._retry_at = 0.0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> bool:
        """Start the process unless it runs (or failed less than :data:`RETRY_AFTER` s ago)."""
        if self._process is not None:
            return True
        if time.monotonic() < self._retry_at:
            return False
        from hookmux.state.background import lower_priority, lowered_niceness

        niceness = lowered_niceness() if hasattr(os, "getpriority") else None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", "hookmux.daemon.afterprocess", self._home, str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                cwd=self._home,
                env=self._environ,
            )
        except OSError as exc:
            self._failed(f"cannot start the after-answer process: {exc}")
            return False
        if niceness is not None:  # at once: its imports would compete with the answers
            lower_priority(self._process.pid, niceness)
        return True

    def run(self, place: int, header: bytes, payload: bytes) -> bool:
        """Have the process do entry ``place``'s after-work and wait until it is done;
        False when it cannot (it died, or would not start): the caller does the work."""
        if not self.start():
            return False
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(b"%d %d %d\n%s%s" % (place, len(header), len(payload), header, payload))
            process.stdin.flush()
            while True:
                line = process.stdout.readline()
                if not line:
                    raise EOFError("it exited")
                if line[:1] == b"!":
                    self._log(line[1:].rstrip(b"\n").decode("utf-8", "replace"))
                elif int(line) == place:
                    return True
        except (OSError, ValueError, EOFError) as exc:
            self._failed(f"the after-answer process failed ({exc}); the daemon does the work itself")
            return False

    def _failed(self, message: str) -> None:
        self._log(message)
        self.stop()
        self._retry_at = time.monotonic() + RETRY_AFTER

    def stop(self) -> None:
        """Let the process finish the entry at hand and leave (killed if it does not)."""
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the process ---------------------------------------------------------------------------


def _die_with(parent: int) -> None:
    """Be killed when ``parent`` dies (Linux); leave at once if it is already gone."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # then it leaves at the end of its input, once the daemon is gone
    if os.getppid() != parent:
        os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """``python -m hookmux.daemon.afterprocess HOME DAEMON_PID``: entries on stdin."""
    home, parent = (argv if argv is not None else sys.argv[1:])[:2]
    _die_with(int(parent))
    # The pipe back to the daemon is for the protocol alone: what a plugin prints goes
    # to the daemon's log (this process's stderr), as it would in the daemon.
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = sys.stdin.buffer

    def log(message: str) -> None:
        channel.write(b"!" + message.replace("\n", " ").encode("utf-8", "replace") + b"\n")

    import gc
    import json
    from types import MappingProxyType

    from hookmux.config import SettingsCache
    from hookmux.daemon.replaying import load_plugins, replay
    from hookmux.routing.manifest import load_manifest
    from hookmux.routing.plugins import make_plugin_manager

    manifest = load_manifest(home)
    plugin_manager = make_plugin_manager()
    load_plugins(manifest, plugin_manager, lambda _: None)  # the daemon says it too
    settings = SettingsCache(watch=True)
    environ = MappingProxyType(dict(os.environ))
    gc.collect()
    gc.freeze()
    while line := source.readline():
        try:
            place, header_size, payload_size = (int(field) for field in line.split())
            header = json.loads(source.read(header_size))
            payload = source.read(payload_size)
        except ValueError as exc:
            log(f"after-answer process: unreadable entry, leaving: {exc}")
            return 1
        replay(
            header,
            payload,
            home=home,
            environ=environ,
            manifest=manifest,
            plugin_manager=plugin_manager,
            settings_loader=settings.load,
            log=log,
        )
        channel.write(b"%d\n" % place)
        channel.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
