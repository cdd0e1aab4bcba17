"""Whose process would receive what Claude Code posts to ``127.0.0.1:<port>``. Linux, stdlib only.

With the http transport, Claude Code sends every hook payload, with the bearer
token, to the loopback port of ``hookmux serve``. Any local user may listen on a
loopback port: on a shared machine, another user's process that holds the port
first receives them all. The kernel's socket tables (``/proc/net/tcp`` and
``tcp6``) name the uid of every listening socket, readable by anyone, so the
owner of whatever listens there can be checked without privileges.

The tables are read through an injectable ``read`` function: a test cannot make
a listener of another uid when it runs as root in CI, so it hands in a table.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    Reader = Callable[[str], str | None]

TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
LISTEN = "0A"
#: Local addresses whose listener receives a connection to 127.0.0.1 (IPv6 ``::``
#: unless the socket is IPv6-only, which the table does not say: counted).
_REACHES_LOOPBACK = frozenset({"127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1"})  # noqa: S104


def read_table(path: str) -> str | None:
    """A kernel socket table's text, or None where there is none (not Linux, no IPv6)."""
    try:
        with open(path, encoding="ascii") as fh:
            return fh.read()
    except OSError:
        return None


def _address(hexa: str) -> str:
    """An address as /proc/net writes it (32-bit words in host order, little-endian here)."""
    raw = bytes.fromhex(hexa)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(words) == 4:
        return ".".join(str(b) for b in words)
    import ipaddress

    address = ipaddress.IPv6Address(words)
    return f"::ffff:{address.ipv4_mapped}" if address.ipv4_mapped else str(address)


class Listener:
    """One listening socket: its local address, port and owner."""

    __slots__ = ("address", "port", "uid")

    def __init__(self, address: str, port: int, uid: int) -> None:
        self.address = address
        self.port = port
        self.uid = uid

    def __repr__(self) -> str:
        return f"Listener({self.address!r}, {self.port}, uid={self.uid})"


def loopback_listeners(port: int, read: Reader | None = None) -> list[Listener]:
    """The sockets listening where a connection to ``127.0.0.1:port`` would arrive.

    :param read: table path -> its text or None (default :func:`read_table`, looked up
        at each call so a test can replace it).
    """
    read = read or read_table
    found = []
    for table in TABLES:
        text = read(table)
        for line in (text or "").splitlines()[1:]:
            fields = line.split()
            if len(fields) < 8 or fields[3] != LISTEN:
                continue
            local, _, port_hex = fields[1].rpartition(":")
            try:
                if int(port_hex, 16) != port:
                    continue
                address, uid = _address(local), int(fields[7])
            except ValueError:
                continue
            if address in _REACHES_LOOPBACK:
                found.append(Listener(address, port, uid))
    return found


def foreign_listeners(port: int, read: Reader | None = None, uid: int | None = None) -> list[Listener]:
    """The listeners of ``127.0.0.1:port`` that belong to another user than ``uid`` (ours)."""
    mine = os.getuid() if uid is None else uid
    return [listener for listener in loopback_listeners(port, read) if listener.uid != mine]


def squatter_warning(port: int, read: Reader | None = None, uid: int | None = None) -> str | None:
    """A loud message when another user's process listens where the http hooks post, else None."""
    foreign = foreign_listeners(port, read, uid)
    if not foreign:
        return None
    owners = ", ".join(sorted({f"uid {listener.uid}" for listener in foreign}))
    where = ", ".join(sorted({f"{listener.address}:{port}" for listener in foreign}))
    return (
        f"SECURITY: another user's process ({owners}) listens on {where}, where Claude Code posts "
        "every hook event with your hookmux token: it would receive your prompts, tool input and "
        "token. On a shared machine use the relay transport (`hookmux install` without "
        "`--transport http`; a Unix socket in a 0700 directory), or choose another port "
        "([hookmux] serve_port or HOOKMUX_SERVE_PORT, then `hookmux install --transport http` again)."
    )
