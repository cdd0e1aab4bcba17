"""``hookmux statusline``: the fast path for a plugin's Claude Code status line.

Claude Code runs the ``statusLine`` command after every assistant message (and
on its refresh tick), so it must start about as fast as a bare interpreter:
this module dispatches before click, pluggy or attrs are imported. A plugin
provides the renderer with two module attributes:

* ``HOOKMUX_STATUSLINE = ["statusline"]``: the ``hookmux`` arguments
  ``hookmux install`` writes into ``statusLine``;
* ``HOOKMUX_STATUSLINE_MAIN = "package.module:function"``: a standard-library-only
  function called with the remaining arguments; it reads Claude Code's status
  line JSON on stdin, prints the line and returns the exit code.

Both are recorded in the plugin manifest, so finding the renderer costs a
marshal load. The provider is the first plugin by name (as ``hookmux install``
chooses) that ``HOOKMUX_PLUGINS``/``HOOKMUX_DISABLED`` leave in; with none,
``hookmux statusline`` falls through to the click command line.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def provider(manifest: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> str | None:
    """The ``module:function`` of the status line renderer to run, or None."""
    only = environ.get("HOOKMUX_PLUGINS")
    keep = {p.strip() for p in only.split(",") if p.strip()} if only is not None else None
    disabled = environ.get("HOOKMUX_DISABLED", "")
    off = {p.strip() for p in disabled.split(",")} if disabled else set()
    plugins = manifest.get("plugins", {})
    for name in sorted(plugins):
        record = plugins[name]
        main = record.get("statusline_main")
        if not main or record.get("error") or name in off or (keep is not None and name not in keep):
            continue
        return str(main)
    return None


def run(argv: list[str]) -> int | None:
    """Render the status line; None when no plugin provides a fast renderer."""
    from hookmux.routing.manifest import load_manifest
    from hookmux.state.paths import hookmux_home

    try:
        target = provider(load_manifest(hookmux_home()))
    except Exception as exc:  # noqa: BLE001 - a status line must still print something
        print(f"hookmux statusline: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("")
        return 0
    if target is None:
        return None
    module_name, _, function = target.partition(":")
    try:
        __import__(module_name)
        code = getattr(sys.modules[module_name], function or "main")(argv)
    except Exception as exc:  # noqa: BLE001 - Claude Code shows a broken status line as nothing at all
        print(f"hookmux statusline: {target} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("")
        return 0
    return code if isinstance(code, int) else 0
