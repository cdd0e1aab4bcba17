"""hookmux: one Claude Code hook entry that routes events to pip-installed plugins.

This module is imported on every hook event, so it stays tiny: it re-exports the
zero-cost :func:`hookimpl` marker and nothing else at import time.
"""

from hookmux.markers import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]
