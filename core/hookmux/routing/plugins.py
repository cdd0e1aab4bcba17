"""The pluggy PluginManager for hookmux."""

from __future__ import annotations

import pluggy

from hookmux import hookspecs

ENTRY_POINT_GROUP = "hookmux"


def make_plugin_manager() -> pluggy.PluginManager:
    """A fresh manager with every hookmux hookspec and no plugins registered."""
    pm = pluggy.PluginManager("hookmux")
    pm.add_hookspecs(hookspecs)
    return pm
