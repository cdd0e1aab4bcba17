"""What each plugin says about its own health (the ``hookmux_status`` hookspec), for ``hookmux status``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from hookmux.routing.loader import load_target
from hookmux.routing.manifest import load_manifest
from hookmux.routing.plugins import make_plugin_manager


def plugin_status(
    home: str,
    manifest: Mapping[str, Any] | None = None,
    resolver: Callable[[str], Any] | None = None,
    enabled: Callable[[str], bool] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    """name -> what each plugin's ``hookmux_status(home)`` returned, failures isolated.

    Only plugins that implement the hook are imported; ``HOOKMUX_PLUGINS`` and
    ``enabled`` (the config's ``disabled``/``enabled``) filter them as for events.
    """
    import json

    records = (manifest if manifest is not None else load_manifest(home)).get("plugins", {})
    only = environ.get("HOOKMUX_PLUGINS")
    keep = None if only is None else {p.strip() for p in only.split(",") if p.strip()}
    resolve = resolver or (lambda name: load_target(records[name]["target"]))
    pm = make_plugin_manager()
    out: dict[str, Any] = {}
    for name, record in sorted(records.items()):
        if record.get("error") or "hookmux_status" not in record.get("hooks", ()):
            continue
        if (keep is not None and name not in keep) or (enabled is not None and not enabled(name)):
            continue
        try:
            pm.register(resolve(name), name=name)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not hide the others
            out[name] = {"error": f"cannot load plugin: {type(exc).__name__}: {exc}"}
    for impl in pm.hook.hookmux_status.get_hookimpls():
        try:
            value = impl.function(**({"home": home} if "home" in impl.argnames else {}))
            if value is not None:
                json.dumps(value)
        except Exception as exc:  # noqa: BLE001
            out[impl.plugin_name] = {"error": f"hookmux_status raised {type(exc).__name__}: {exc}"}
            continue
        if isinstance(value, dict):
            out[impl.plugin_name] = value
        elif value is not None:
            out[impl.plugin_name] = {
                "error": f"hookmux_status returned {type(value).__name__}, expected a dict or None"
            }
    return dict(sorted(out.items()))
