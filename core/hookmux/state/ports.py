"""The loopback port of a home's ``hookmux serve``, and who holds a port. Stdlib only.

Several ``$HOOKMUX_HOME`` on one machine (a second venv, a test run, another user)
each run their own daemon, so the default port is the home's own: the port
``hookmux install --transport http`` recorded in ``$HOOKMUX_HOME/daemon/port`` (it
chose one that was free, and wrote the same into the hooks' URL), else one derived
from the user and the home. A configured port (``--port``, ``HOOKMUX_SERVE_PORT``,
``serve_port``) overrides both.
"""

from __future__ import annotations

import os

from hookmux.state.paths import atomic_write, daemon_dir, ensure_private_dir

#: Ports hookmux picks from: the dynamic range above Linux's ephemeral ports (which end at 60999).
FIRST_PORT = 61000
PORT_RANGE = 4500
PORT_FILE = "port"


def derived_port(home: str) -> int:
    """The port a home gets unless one was recorded: fixed for the user and the home."""
    import zlib

    key = zlib.crc32(f"{os.getuid()}\0{os.path.realpath(home)}".encode())
    return FIRST_PORT + key % PORT_RANGE


def port_file(home: str) -> str:
    return os.path.join(daemon_dir(home), PORT_FILE)


def recorded_port(home: str) -> int | None:
    """The port ``hookmux install --transport http`` recorded for ``home``, if any."""
    try:
        with open(port_file(home), encoding="ascii") as fh:
            text = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def record_port(home: str, port: int) -> None:
    ensure_private_dir(home)
    ensure_private_dir(daemon_dir(home))
    atomic_write(port_file(home), f"{port}\n".encode("ascii"))


def home_port(home: str) -> int:
    """The default port of ``home``'s daemon: recorded, else derived."""
    return recorded_port(home) or derived_port(home)


def is_free(port: int) -> bool:
    """Can a daemon bind 127.0.0.1:``port`` now?"""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_near(start: int) -> int | None:
    """The first free port from ``start`` on, within hookmux's range (wrapping), or None."""
    for step in range(PORT_RANGE):
        port = FIRST_PORT + (start - FIRST_PORT + step) % PORT_RANGE
        if is_free(port):
            return port
    return None


#: Local addresses (as /proc/net writes them) whose listener takes 127.0.0.1:<port>, or
#: keeps a daemon from binding it: 127.0.0.1, 0.0.0.0, ::, ::ffff:127.0.0.1.
_LOOPBACK_HEX = frozenset({"0100007F", "00000000", "0" * 32, "0000000000000000FFFF00000100007F"})


def _listening_inodes(port: int) -> set[str]:
    """Inodes of the sockets listening where 127.0.0.1:``port`` arrives, from /proc/net."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != "0A":  # 0A: LISTEN
                continue
            address, _, port_hex = fields[1].rpartition(":")
            if int(port_hex, 16) == port and address.upper() in _LOOPBACK_HEX:
                inodes.add(fields[9])
    return inodes


def _home_of(pid: int) -> str | None:
    """``$HOOKMUX_HOME`` of a hookmux daemon process (readable for our own processes only)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            environ = fh.read().split(b"\0")
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"HOOKMUX_HOME="):
            return os.fsdecode(item[len(b"HOOKMUX_HOME=") :])
    return None


def port_holder(port: int) -> dict[str, object] | None:
    """Who listens on ``port``: pid, uid, command line and, for ``hookmux serve``, its home.

    None when nothing listens. The pid stays unknown (None) for another user's process,
    whose descriptors cannot be read; its uid is still known from /proc/net.
    """
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holder: dict[str, object] = {"port": port, "pid": None, "uid": None, "command": None, "home": None}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                for line in fh.read().splitlines()[1:]:
                    fields = line.split()
                    if len(fields) >= 10 and fields[9] in inodes:
                        holder["uid"] = int(fields[7])
        except OSError:
            continue
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    break
            except OSError:
                continue
        else:
            continue
        holder["pid"] = int(pid)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [os.fsdecode(a) for a in fh.read().split(b"\0") if a]
        except OSError:
            argv = []
        holder["command"] = " ".join(argv)
        if any("hookmux.daemon.lifecycle" in a for a in argv):
            holder["home"] = _home_of(int(pid))
        break
    return holder


def holder_name(holder: dict[str, object]) -> str:
    """``pid 42 (nc -l 61234)``, ``hookmux serve (pid 7) of HOOKMUX_HOME=/x``, ``a process of uid 1001``."""
    if holder.get("home"):
        return f"hookmux serve (pid {holder['pid']}) of HOOKMUX_HOME={holder['home']}"
    if holder.get("pid") is not None:
        return f"pid {holder['pid']} ({holder.get('command') or '?'})"
    owner = holder.get("uid")
    return "a process of yours" if owner == os.getuid() else f"a process of uid {owner}"


def describe_holder(holder: dict[str, object] | None, port: int) -> str:
    """``port 61234 is held by pid 42 (nc -l 61234)`` and friends, for messages."""
    if holder is None:
        return f"nothing listens on port {port} now"
    return f"port {port} is held by {holder_name(holder)}"
