"""The native launcher: relays ``hookmux run`` to the daemon without starting Python and
hands everything else to the Python launcher, so every answer is Python's and no event
is lost (no daemon, a daemon killed between events, a daemon of another environment)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from daemon_support import Served, served, wait_for
from test_conformance import BAD, corpus

from hookmux.entry import nativelauncher
from hookmux.state.launcher import write_launcher
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

pytestmark = pytest.mark.skipif(nativelauncher.compiler() is None, reason="no C compiler on this machine")


@pytest.fixture
def native(hookmux_cli: HookmuxCLI) -> Path:
    python_launcher = write_launcher(str(hookmux_cli.home))
    binary = Path(python_launcher).with_name("hookmux-native")
    assert nativelauncher.build(str(binary), python_launcher) is None
    return binary


@pytest.fixture
def env(hookmux_cli: HookmuxCLI) -> dict[str, str]:
    # Breakers off: a crash repeated on every path must not open one mid-corpus. The test
    # plugins only: the answers of plugins that say a thing once per session would differ.
    return hookmux_cli.env(
        HOOKMUX_SERVE="1",
        HOOKMUX_BREAKER_THRESHOLD="100000",
        HOOKMUX_BREAKER_MAX_FAILURE_RATE="1.0",
        HOOKMUX_PLUGINS="alpha,beta,faulty,guarded,guards",
    )


def run(program: Path | str, env: dict[str, str], data: bytes, *args: str) -> tuple[int, bytes, str]:
    proc = subprocess.run([str(program), "run", *args], input=data, env=env, capture_output=True, timeout=120,
                          check=False)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def deny(cwd: Path, n: int = 0) -> bytes:
    event = make_event("PreToolUse", cwd=cwd, tool_name="Bash", tool_input={"command": f"hmtest-deny {n}"},
                       tool_use_id=f"toolu_{n}")  # fmt: skip
    return json.dumps(event).encode()


def stop_daemons(env: dict[str, str]) -> None:
    Served(env, Path(env["HOOKMUX_HOME"]), 0).stop()


def test_relayed_answers_are_python_answers(native: Path, env: dict[str, str], tmp_path: Path) -> None:
    cases = corpus(tmp_path)
    cold = {
        name: run(hookmux_executable(), {**env, "HOOKMUX_SERVE": "0"}, data) for name, data in cases.items()
    }
    assert b"alpha refuses" in cold["deny"][1] and cold["task-blocked-exit-2"][0] == 2
    assert all(cold[f"bad-{name}"][:2] == (0, b"") for name in BAD)
    with served(env) as daemon:
        relayed = {name: run(native, env, data) for name, data in cases.items()}
        health = daemon.health()
    assert health["requests_relay"] == len(cases)  # every one, bad input too, went to the daemon
    differences = [name for name in cases if relayed[name] != cold[name]]
    assert not differences, {n: (cold[n], relayed[n]) for n in differences}


def test_without_a_daemon_the_event_is_routed_in_python_which_starts_one(
    native: Path, env: dict[str, str], tmp_path: Path
) -> None:
    try:
        code, out, _ = run(native, env, deny(tmp_path))
        assert (code, b"alpha refuses" in out) == (0, True)
        wait_for((Path(env["HOOKMUX_HOME"]) / "daemon" / "daemon.json").exists)
    finally:
        stop_daemons(env)


def test_a_daemon_killed_between_events_loses_none(native: Path, env: dict[str, str], tmp_path: Path) -> None:
    home = Path(env["HOOKMUX_HOME"])
    answered = []
    try:
        with served(env) as daemon:
            for n in range(12):
                if n in (3, 7):  # SIGKILL: the socket file stays behind, nobody listens
                    # between two tool calls: the previous event's record is written (the daemon
                    # writes it just after the answer, which a kill at that instant would lose)
                    wait_for(lambda n=n: recorded(env) == n)
                    os.kill(daemon.pid(), signal.SIGKILL)
                    wait_for(lambda: not _alive(daemon))
                code, out, err = run(native, env, deny(tmp_path, n))
                assert code == 0, err
                answered.append(f"hmtest-deny {n}".encode() in out)
                if n in (3, 7):  # the in-process route started a new daemon: wait for it
                    wait_for(lambda: _alive(daemon), timeout=60)
    finally:
        stop_daemons(env)
    assert answered == [True] * 12
    assert recorded(env) == 12  # each recorded once, wherever it was routed
    assert home.exists()


def recorded(env: dict[str, str]) -> int:
    status = subprocess.run([hookmux_executable(), "status", "--json"], env={**env, "HOOKMUX_SERVE": "0"},
                            capture_output=True, text=True, check=True)  # fmt: skip
    return int(json.loads(status.stdout)["store"]["events"])


def _alive(daemon: Served) -> bool:
    try:
        os.kill(daemon.pid(), 0)
    except (OSError, ValueError):
        return False
    return True


def test_a_daemon_of_another_environment_is_not_asked_twice(
    native: Path, env: dict[str, str], tmp_path: Path
) -> None:
    conf = native.with_name(nativelauncher.CONF)
    lines = conf.read_text().splitlines(keepends=True)
    conf.write_text(
        "".join([lines[0], lines[1], "('/elsewhere/python', '/elsewhere', '3.11')\n", *lines[3:]])
    )
    with served(env) as daemon:
        code, out, _ = run(native, env, deny(tmp_path))
        health = daemon.health()
    assert (code, b"alpha refuses" in out) == (0, True)
    # refused once (another environment's caller), then routed in-process: no second relay
    assert (health["requests_relay"], health["refused"]) == (0, 1)


def test_python_variables_that_change_imports_go_to_python(
    native: Path, env: dict[str, str], tmp_path: Path
) -> None:
    with served(env) as daemon:
        code, out, _ = run(native, {**env, "PYTHONPATH": str(tmp_path)}, deny(tmp_path))
        health = daemon.health()
    assert (code, b"alpha refuses" in out) == (0, True)
    # Python asked with its whole identity, whose import path has the extra entry: refused as
    # another environment's, and routed by the caller. The native launcher claimed nothing.
    assert (health["requests_relay"], health["refused"]) == (0, 1)


def test_no_relay_routes_in_process(env: dict[str, str], tmp_path: Path) -> None:
    with served(env) as daemon:
        code, out, err = run(hookmux_executable(), env, deny(tmp_path), "--no-relay")
        health = daemon.health()
    assert (code, b"alpha refuses" in out, err) == (0, True, "")
    assert health["requests_relay"] == 0


def test_other_commands_are_pythons(native: Path, env: dict[str, str]) -> None:
    plain = subprocess.run(
        [hookmux_executable(), "plugins"], env=env, capture_output=True, text=True, check=True
    )
    via = subprocess.run([str(native), "plugins"], env=env, capture_output=True, text=True, check=True)
    assert via.stdout == plain.stdout and "alpha" in via.stdout


def test_without_its_settings_it_says_so_and_answers_nothing(
    native: Path, env: dict[str, str], tmp_path: Path
) -> None:
    native.with_name(nativelauncher.CONF).unlink()
    code, out, err = run(native, env, deny(tmp_path))
    assert (code, out) == (0, b"")
    assert err == "hookmux: the launcher's settings are missing; run `hookmux install` again\n"


def test_build_is_skipped_when_current_and_redone_for_another_hookmux(native: Path) -> None:
    conf = native.with_name(nativelauncher.CONF)
    python_launcher = conf.read_text().splitlines()[0]
    before = native.stat().st_mtime_ns
    assert nativelauncher.problem(str(native), python_launcher) is None
    assert nativelauncher.build(str(native), python_launcher) is None
    assert native.stat().st_mtime_ns == before  # current: not rebuilt
    conf.write_text(conf.read_text().replace(nativelauncher.source_digest(), "0" * 16))
    assert "built by another hookmux" in str(nativelauncher.problem(str(native), python_launcher))
    assert nativelauncher.build(str(native), python_launcher) is None
    assert nativelauncher.problem(str(native), python_launcher) is None


def test_no_compiler_is_said(native: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CC", "")
    fresh = tmp_path / "hookmux-native"
    assert nativelauncher.build(str(fresh), str(native)) == "no C compiler found ($CC, cc, gcc, clang)"
    assert not fresh.exists()
