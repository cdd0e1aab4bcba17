"""Built-in ``hookmux`` subcommands, one module each.

Each module listed in :data:`BUILTIN` defines ``register(cli: click.Group) -> None``.
They are imported only by the command line, never by ``hookmux run``.
"""

from __future__ import annotations

#: Modules under hookmux.commands, registered in this order.
BUILTIN: tuple[str, ...] = (
    "observe",
    "explain",
    "newplugin",
    "install",
    "agents",
    "serve",
    "doctor",
    "configcmd",
    "trust",
    "replay",
    "demo",
)
