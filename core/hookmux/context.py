"""What a handler gets besides the event: its config, its project, its state."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import attrs

from hookmux.paths import ensure_private_dir


@attrs.frozen(kw_only=True)
class HookContext:
    """Passed to every handler as ``ctx``.

    :ivar plugin: the plugin's name (its entry point name).
    :ivar config: the plugin's ``[plugins.<name>]`` table structured into the
        class its :func:`~hookmux.hookspecs.hookmux_config_schema` returns, or None.
    :ivar project_dir: ``$CLAUDE_PROJECT_DIR`` or the event's cwd.
    :ivar home: ``$HOOKMUX_HOME``.
    :ivar deadline: ``time.monotonic()`` value by which the handler must return.
    :ivar raw: the event payload exactly as Claude Code sent it.
    """

    plugin: str
    config: Any
    project_dir: str
    home: str
    deadline: float
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def state_dir(self) -> str:
        """A private directory for this plugin's state under ``$HOOKMUX_HOME``."""
        return ensure_private_dir(os.path.join(self.home, "plugins", self.plugin))

    def remaining(self) -> float:
        """Seconds left before the handler's deadline."""
        return max(0.0, self.deadline - time.monotonic())

    def resolve_in_project(self, path: str) -> str | None:
        """``path`` (absolute or relative to the event's cwd) resolved with symlinks,
        or None when it lies outside the project. Use it before touching any file
        named by tool input."""
        cwd = self.raw.get("cwd")
        base = cwd if isinstance(cwd, str) and cwd else self.project_dir
        resolved = os.path.realpath(os.path.join(base, path))
        root = os.path.realpath(self.project_dir)
        if resolved == root or resolved.startswith(root.rstrip(os.sep) + os.sep):
            return resolved
        return None
