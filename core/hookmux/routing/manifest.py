"""The valid plugin manifest, rebuilt by :mod:`hookmux.routing.discovery` (the slow
path: importlib.metadata, pluggy, every plugin imported) only when the installed
plugins changed (see :mod:`hookmux.routing.manifestfile`).
"""

from __future__ import annotations

from hookmux.routing.manifestfile import Manifest, manifest_file, read_manifest


def load_manifest(home: str) -> Manifest:
    """The valid manifest, rebuilt first when the environment changed."""
    path = manifest_file(home)
    manifest = read_manifest(path)
    if manifest is None:
        from hookmux.routing.discovery import rebuild_manifest

        manifest = rebuild_manifest(path)
    return manifest
