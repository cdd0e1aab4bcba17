"""hookmux: one Claude Code hook entry that routes events to pip-installed plugins.

This module is imported on every hook event, so it stays tiny: :func:`hookimpl`
(the zero-cost marker plugins decorate their handlers with) is loaded on first
use, which an event no plugin matches, or one relayed to ``hookmux serve``, never
makes.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hookmux.markers import hookimpl


def __getattr__(name: str) -> object:
    if name == "hookimpl":
        from hookmux.markers import hookimpl

        return hookimpl
    raise AttributeError(f"module 'hookmux' has no attribute {name!r}")
