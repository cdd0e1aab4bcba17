"""The routing digest: a short key of everything in the manifest that decides an agent's wiring.

Discovery stores it in the manifest; ``hookmux install`` writes it into the
installed SessionStart handler, so a hook process can tell by comparing two
strings that the installed plugins changed since the wiring was written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

#: Bumped when the entries computed from the same plugins change shape.
WIRING_FORMAT = 1


def _agents(handler: Mapping[str, Any]) -> tuple[Any, ...]:
    agents = handler.get("agents")
    return (agents,) if agents else ()


def routing_digest(manifest: Mapping[str, Any]) -> str:
    """A short digest of everything in ``manifest`` that decides the wiring.

    Stored in the manifest by discovery and written into the installed
    SessionStart handler, so ``hookmux run`` can tell, by comparing two
    strings, that the installed plugins changed since ``hookmux install``.
    Versions, priorities and fail_closed do not change the wiring and are left out.
    """
    plugins = [
        (name, record.get("error") is None, record.get("statusline"))
        for name, record in sorted(manifest.get("plugins", {}).items())
    ]
    keys = ("plugin", "function", "matcher", "paths", "commands", "fields", "timeout")
    # ``agents`` counts only where a handler limits itself: the digests of plugins that
    # take every agent's events stay what they were before agents existed.
    handlers = [
        (event, *(h[k] for k in keys), bool(h.get("background")), *_agents(h))
        for event, hs in sorted(manifest.get("events", {}).items())
        for h in hs
    ]
    data = repr((WIRING_FORMAT, plugins, handlers)).encode()
    return hashlib.sha256(data).hexdigest()[:12]
