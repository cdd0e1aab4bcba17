"""The plugin manifest on disk: what ``hookmux run`` knows without importing plugins.

The manifest is plain data (dicts, tuples, strings) stored with :mod:`marshal`,
which loads in microseconds with no import. It is valid while every
``sys.path`` entry and every plugin source file keeps the modification time it
had when the manifest was built: ``pip install``/``uninstall`` changes the
mtime of site-packages, so a new or removed plugin takes effect at the very
next event. :mod:`hookmux.routing.manifest` rebuilds a stale or missing one.
"""

from __future__ import annotations

import marshal
import os
import sys

from hookmux import __version__

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: 3: plugin statusline, routing digest ("wiring"); 4: statusline_main; 5: handler agents; 6: observer
FORMAT = 6
Manifest = dict[str, "Any"]


def environment_stamp() -> tuple[tuple[str, int], ...]:
    """(path, mtime_ns) of each import path (sys.path[0], the script or cwd, excluded)."""
    stamp = []
    for entry in sys.path[1:]:
        try:
            stamp.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            stamp.append((entry, -1))
    return tuple(stamp)


def _fnv1a(data: bytes) -> int:
    """32-bit FNV-1a: a stable key with no import (zlib is a shared library: ~0.3 ms)."""
    key = 0x811C9DC5
    for byte in data:
        key = ((key ^ byte) * 0x01000193) & 0xFFFFFFFF
    return key


def manifest_file(home: str) -> str:
    """One manifest per Python environment sharing ``$HOOKMUX_HOME``."""
    key = _fnv1a(f"{sys.prefix}\0{sys.executable}\0{sys.version}".encode())
    return os.path.join(home, "manifests", f"{key:08x}.marshal")


def sources_fresh(sources: tuple[tuple[str, int], ...]) -> bool:
    for path, mtime in sources:
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return False
        except OSError:
            return False
    return True


def read_manifest(path: str) -> Manifest | None:
    """The stored manifest if it is still valid for this environment, else None."""
    try:
        with open(path, "rb") as fh:
            data = marshal.loads(fh.read())  # noqa: S302 - our own file, in a 0700 directory
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or data.get("hookmux") != __version__
        or data.get("stamp") != environment_stamp()
        or not sources_fresh(data.get("sources", ()))
    ):
        return None
    return data
