"""A real ``hookmux serve`` for tests: started with a private home and a free port,
always stopped afterwards (and killed if it does not stop)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hookmux.testing import hookmux_executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Any, timeout: float = 30.0, interval: float = 0.02) -> Any:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {condition}")


def daemon_pids(home: Path) -> set[int]:
    """Live ``hookmux.daemon.lifecycle`` processes serving ``home`` (found through /proc)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if b"hookmux.daemon.lifecycle" in cmdline and f"HOOKMUX_HOME={home}".encode() in environ.split(b"\0"):
            found.add(int(pid))
    return found


class Served:
    """One daemon: its home, port and token, and clients for both ways in."""

    def __init__(self, env: Mapping[str, str], home: Path, port: int) -> None:
        self.env = dict(env)
        self.home = home
        self.port = port

    @property
    def token(self) -> str:
        return (self.home / "daemon" / "token").read_text().strip()

    def hookmux(self, *args: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [hookmux_executable(), *args],
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> Served:
        proc = self.hookmux("serve", f"--port={self.port}", *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return self

    def stop(self) -> None:
        self.hookmux("serve", "stop", timeout=90)
        for pid in daemon_pids(self.home):  # did not stop: do not leave it behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def run(
        self, payload: Mapping[str, Any] | bytes, *args: str, **extra: str
    ) -> subprocess.CompletedProcess[bytes]:
        """``hookmux run`` as Claude Code runs it (relaying when the daemon is up)."""
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return subprocess.run(
            [hookmux_executable(), "run", *args],
            input=data,
            env={**self.env, "HOOKMUX_SERVE": "1", **extra},
            capture_output=True,
            timeout=60,
            check=False,
        )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        token: str | None = "",
        headers: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes, dict[str, str]]:
        """One http request; ``token=""`` sends the daemon's token, None sends none."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = dict(headers or {})
            if token is not None:
                sent["Authorization"] = f"Bearer {token or self.token}"
            if body is not None:
                sent.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            conn.close()

    def post(self, payload: Mapping[str, Any] | bytes, path: str = "/hook") -> tuple[int, bytes]:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        status, body, _ = self.request("POST", path, data)
        return status, body

    def health(self) -> dict[str, Any]:
        status, body, _ = self.request("GET", "/health")
        assert status == 200, (status, body)
        return dict(json.loads(body))

    def pid(self) -> int:
        return int(json.loads((self.home / "daemon" / "daemon.json").read_text())["pid"])


@contextlib.contextmanager
def served(env: Mapping[str, str], *args: str, port: int | None = None) -> Iterator[Served]:
    """A started daemon for ``env`` (which names HOOKMUX_HOME), stopped on exit."""
    daemon = Served(env, Path(env["HOOKMUX_HOME"]), port or free_port())
    try:
        yield daemon.start(*args)
    finally:
        daemon.stop()
