"""Refuse a plugin name hookmux cannot use, before any file is written.

The name becomes the entry point name (``<name>``, also the ``[plugins.<name>]``
config table), the distribution ``hookmux-<name>`` and the module
``hookmux_<name>`` (hyphens turned into underscores). ``hookmux new-plugin``
loads :func:`name_problem` from this file to check a name before rendering.
"""

from __future__ import annotations

import json
import re
import sys

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a hookmux plugin, or None when it can."""
    if name.startswith("hookmux-") or name.startswith("hookmux_"):
        suggestion = name[len("hookmux-") :]
        return (
            f"invalid plugin name {name!r}: drop the 'hookmux-' prefix (use {suggestion!r}); "
            f"the distribution is named hookmux-<name> for you"
        )
    if name == "hookmux":
        return "invalid plugin name 'hookmux': that is the core's name; name what the plugin does"
    if not _NAME.fullmatch(name):
        return (
            f"invalid plugin name {name!r}: use lowercase letters, digits and single hyphens, "
            "starting with a letter and not ending with a hyphen (e.g. 'force-push-guard')"
        )
    return None


if __name__ == "__main__":
    # Rendered by cookiecutter: tojson escapes ' (as \u0027), so the literal always closes.
    problem = name_problem(json.loads(r'''{{ cookiecutter.plugin_name | tojson }}'''))  # fmt: skip
    if problem is not None:
        print(f"hookmux: {problem}", file=sys.stderr)
        sys.exit(1)
