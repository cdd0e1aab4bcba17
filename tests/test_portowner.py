"""The http transport's port-owner check: another user's listener on the hooks' port is named loudly.

CI runs as root, where a listener of another uid cannot be made without privileges
dropped mid-test, so the check's reader of the kernel socket tables is injected with a
table that says "uid 4242" for a real listener; the real tables are read for our own.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hookmux.entry import control
from hookmux.state import portowner
from hookmux.testing import hookmux_executable

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
HEADER6 = (
    "  sl  local_address                         remote_address                        st tx_queue "
    "rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
)


def row4(address: str, port: int, state: str, uid: int) -> str:
    return f"   0: {address}:{port:04X} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000  {uid}        0 1234 1\n"


def row6(address: str, port: int, state: str, uid: int) -> str:
    remote = "0" * 32
    return f"   0: {address}:{port:04X} {remote}:0000 {state} 00000000:00000000 00:00000000 00000000  {uid}        0 5678 1\n"


def tables(tcp: str = "", tcp6: str = "") -> portowner.Reader:
    texts = {"/proc/net/tcp": HEADER + tcp, "/proc/net/tcp6": HEADER6 + tcp6}
    return texts.get


LOOPBACK4 = "0100007F"
ANY4 = "00000000"
ANY6 = "0" * 32
LOOPBACK6 = "0" * 24 + "01000000"
MAPPED_LOOPBACK6 = "0000000000000000FFFF00000100007F"


@pytest.mark.parametrize(
    ("tcp", "tcp6", "address"),
    [
        (row4(LOOPBACK4, 61234, "0A", 4242), "", "127.0.0.1"),
        (row4(ANY4, 61234, "0A", 4242), "", "0.0.0.0"),
        ("", row6(ANY6, 61234, "0A", 4242), "::"),
        ("", row6(MAPPED_LOOPBACK6, 61234, "0A", 4242), "::ffff:127.0.0.1"),
    ],
)
def test_another_users_listener_where_the_hooks_post_is_named(tcp: str, tcp6: str, address: str) -> None:
    read = tables(tcp, tcp6)
    [listener] = portowner.foreign_listeners(61234, read, uid=1000)
    assert (listener.address, listener.port, listener.uid) == (address, 61234, 4242)
    warning = portowner.squatter_warning(61234, read, uid=1000)
    assert warning is not None and warning.startswith("SECURITY: another user's process (uid 4242)")
    assert f"{address}:61234" in warning and "relay transport" in warning and "serve_port" in warning


@pytest.mark.parametrize(
    ("tcp", "tcp6"),
    [
        (row4(LOOPBACK4, 61234, "0A", 1000), ""),  # ours
        (row4(LOOPBACK4, 61235, "0A", 4242), ""),  # another port
        (row4(LOOPBACK4, 61234, "01", 4242), ""),  # an established connection, not a listener
        (row4("0200007F", 61234, "0A", 4242), ""),  # 127.0.0.2 does not receive 127.0.0.1's connections
        ("", row6(LOOPBACK6, 61234, "0A", 4242)),  # ::1 neither
        ("garbage line\n", "::: not a table\n"),
    ],
)
def test_nothing_is_said_about_our_own_or_unrelated_sockets(tcp: str, tcp6: str) -> None:
    assert portowner.squatter_warning(61234, tables(tcp, tcp6), uid=1000) is None


def test_no_tables_no_warning() -> None:
    assert portowner.loopback_listeners(61234, lambda path: None) == []


@pytest.fixture
def listener() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="the kernel socket tables are Linux's")
def test_the_real_table_names_our_own_listener_as_ours(listener: int) -> None:
    [found] = portowner.loopback_listeners(listener)
    assert (found.address, found.uid) == ("127.0.0.1", os.getuid())
    assert portowner.squatter_warning(listener) is None


def squatted(real: portowner.Reader, port: int) -> portowner.Reader:
    """The real tables, with the listener on ``port`` belonging to uid 4242."""

    def read(path: str) -> str | None:
        text = real(path)
        if text is None:
            return None
        lines = text.splitlines(keepends=True)
        for i, line in enumerate(lines[1:], 1):
            fields = line.split()
            if len(fields) > 7 and fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
                fields[7] = "4242"
                lines[i] = " ".join(fields) + "\n"
        return "".join(lines)

    return read


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="the kernel socket tables are Linux's")
def test_serve_ensure_says_so_loudly_when_the_port_is_squatted(
    listener: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hookmux serve ensure --port P` (the http wiring's SessionStart hook): the daemon it
    starts cannot bind P, and the process holding P belongs to another user."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOOKMUX_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(portowner, "read_table", squatted(portowner.read_table, listener))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"hook_event_name": "SessionStart"}')))
    try:
        assert control.ensure_main([f"--port={listener}"]) == 0
    finally:
        subprocess.run(
            [hookmux_executable(), "serve", "stop"],
            env={**os.environ, "HOOKMUX_HOME": str(home)},
            capture_output=True,
            check=False,
            timeout=60,
        )
    message = json.loads(out.getvalue())["systemMessage"]
    assert message.startswith("hookmux: SECURITY: another user's process (uid 4242) listens on 127.0.0.1:")
    assert "(hookmux serve " in message and str(listener) in message.partition("(hookmux serve ")[2]


def test_doctor_names_another_users_listener_as_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from hookmux.commands import doctor

    monkeypatch.setattr(portowner, "read_table", tables(row4(LOOPBACK4, 61234, "0A", os.getuid() + 4242)))
    checks: list[doctor.Check] = []
    doctor._check_port_owner(checks, 61234)
    [check] = checks
    assert (check.area, check.status) == ("serve", doctor.PROBLEM)
    assert check.message.startswith(f"SECURITY: another user's process (uid {os.getuid() + 4242})")
    monkeypatch.setattr(portowner, "read_table", tables(row4(LOOPBACK4, 61234, "0A", os.getuid())))
    ours: list[doctor.Check] = []
    doctor._check_port_owner(ours, 61234)
    assert ours == []
