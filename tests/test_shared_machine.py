"""Several `$HOOKMUX_HOME` on one machine: each home's daemon has a port of its own, a taken
port is explained with its holder, and a daemon whose home is gone does not linger."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from daemon_support import daemon_pids, free_port, wait_for

from hookmux.state.ports import derived_port, recorded_port
from hookmux.testing import HookmuxCLI, hookmux_executable

#: One housekeeping interval is 0.5 s; the rest is the drain and the process exit.
GONE_WITHIN = 5.0


def hookmux(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([hookmux_executable(), *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def home_env(hookmux_cli: HookmuxCLI, home: Path, **extra: str) -> dict[str, str]:
    return hookmux_cli.env(HOOKMUX_HOME=str(home), HOME=str(home.parent / "user"), **extra)


@contextlib.contextmanager
def stopped_after(*envs: dict[str, str]) -> Iterator[None]:
    """Stop the daemons of these homes whatever happens (killed if they do not stop)."""
    try:
        yield
    finally:
        for env in envs:
            hookmux(env, "serve", "stop")
            for pid in daemon_pids(Path(env["HOOKMUX_HOME"])):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def listener(port: int) -> Iterator[socket.socket]:
    """A process of ours (this test) holding ``port`` on loopback."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield sock
    finally:
        sock.close()


def status(env: dict[str, str]) -> dict[str, Any]:
    proc = hookmux(env, "serve", "status", "--json")
    return dict(json.loads(proc.stdout))


def test_two_homes_serve_side_by_side_on_ports_of_their_own(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    first, second = home_env(hookmux_cli, tmp_path / "one"), home_env(hookmux_cli, tmp_path / "two")
    with stopped_after(first, second):
        for env in (first, second):
            proc = hookmux(env, "serve")
            assert proc.returncode == 0, proc.stdout + proc.stderr
        ports = {status(env)["http_port"] for env in (first, second)}
        assert ports == {derived_port(str(tmp_path / "one")), derived_port(str(tmp_path / "two"))}
        assert len(ports) == 2


def test_install_http_moves_off_a_port_another_process_holds(
    hookmux_cli: HookmuxCLI, tmp_path: Path, project: Path
) -> None:
    home = tmp_path / "state"
    env = home_env(hookmux_cli, home)
    taken = derived_port(str(home))
    with listener(taken), stopped_after(env):
        proc = hookmux(
            env, "install", "--scope", "local", "--project-dir", str(project), "--transport", "http"
        )
        assert proc.returncode == 0, proc.stderr
        assert f"port {taken} is held by pid {os.getpid()}" in proc.stderr
        chosen = recorded_port(str(home))
        assert chosen is not None and chosen != taken
        assert f"this home's hookmux serve gets port {chosen} instead" in proc.stderr
        settings = json.loads((project / ".claude" / "settings.local.json").read_text())
        urls = {h["url"] for gs in settings["hooks"].values() for g in gs for h in g["hooks"] if "url" in h}
        assert urls and all(u.startswith(f"http://127.0.0.1:{chosen}/hook") for u in urls)
        # the daemon listens where the hooks post
        assert hookmux(env, "serve").returncode == 0
        assert status(env)["http_port"] == chosen
        # the same port again: idempotent while the daemon holds it
        again = hookmux(
            env, "install", "--scope", "local", "--project-dir", str(project), "--transport", "http"
        )
        assert "already up to date" in again.stdout and recorded_port(str(home)) == chosen


def test_a_configured_port_taken_is_explained_by_install_and_doctor(
    hookmux_cli: HookmuxCLI, tmp_path: Path, project: Path
) -> None:
    home = tmp_path / "state"
    with listener(0) as sock:
        port = sock.getsockname()[1]
        env = home_env(hookmux_cli, home, HOOKMUX_SERVE_PORT=str(port))
        proc = hookmux(
            env, "install", "--scope", "local", "--project-dir", str(project), "--transport", "http"
        )
        assert proc.returncode == 0, proc.stderr
        assert f"port {port} is held by pid {os.getpid()}" in proc.stderr
        assert "HOOKMUX_SERVE_PORT" in proc.stderr  # what to do
        doctor = hookmux(env, "doctor", "--project-dir", str(project), "--json", "--claude", "/bin/false")
        serve = [c for c in json.loads(doctor.stdout)["checks"] if c["area"] == "serve"]
        [problem] = [
            c["message"] for c in serve if c["status"] == "problem" and "hooks post to" in c["message"]
        ]
        assert f"port {port} is held by pid {os.getpid()}" in problem and "hookmux install" in problem


def _serve(env: dict[str, str]) -> int:
    proc = hookmux(env, "serve")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [pid] = daemon_pids(Path(env["HOOKMUX_HOME"]))
    return pid


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("what", ["home", "socket"])
def test_a_daemon_leaves_once_its_home_or_socket_is_gone(
    hookmux_cli: HookmuxCLI, tmp_path: Path, what: str
) -> None:
    home = tmp_path / "state"
    env = home_env(hookmux_cli, home)
    with stopped_after(env):
        pid = _serve(env)
        port = status(env)["http_port"]
        if what == "home":
            shutil.rmtree(home)
        else:
            (home / "daemon" / "relay.sock").unlink()
        wait_for(lambda: _gone(pid), timeout=GONE_WITHIN)
        # its port is free for the next daemon
        with listener(port):
            pass


def test_a_daemon_leaves_when_another_takes_its_socket(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    home = tmp_path / "state"
    env = home_env(hookmux_cli, home)
    with stopped_after(env):
        first = _serve(env)
        # the home is deleted and made again at once (a test run's fixture), a new daemon starts
        shutil.rmtree(home)
        home.mkdir()
        proc = hookmux(env, "serve", f"--port={free_port()}")  # the first may hold the home's port a moment
        assert proc.returncode == 0, proc.stdout + proc.stderr
        wait_for(lambda: _gone(first), timeout=GONE_WITHIN)
        [second] = daemon_pids(home)
        assert second != first and status(env)["pid"] == second
