"""What a handler gets besides the event: its config, its project, its state, guard rails."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from hookmux.state.paths import ensure_private_dir, plugin_scratch_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hookmux.config import CoreConfig

#: Seconds between tries of a lock another process holds (:meth:`HookContext.lock`).
LOCK_POLL = 0.005


@attrs.frozen(kw_only=True)
class HookContext:
    """Passed to every handler as ``ctx``.

    :ivar plugin: the plugin's name (its entry point name).
    :ivar handler: the handler function's name.
    :ivar config: the plugin's ``[plugins.<name>]`` table structured into the
        class its :func:`~hookmux.hookspecs.hookmux_config_schema` returns, or None.
    :ivar project_dir: ``$CLAUDE_PROJECT_DIR`` or the event's cwd.
    :ivar home: ``$HOOKMUX_HOME``.
    :ivar deadline: ``time.monotonic()`` value by which the handler must return.
    :ivar correlation_id: the same for every event of one tool call (PreToolUse,
        PostToolUse, ...) and in every record hookmux keeps of them.
    :ivar background: True when running in a background worker.
    :ivar raw: the event payload exactly as Claude Code sent it (from another agent: the
        canonical payload its adapter made of it, see :attr:`agent`).
    :ivar agent: the coding agent that sent the event: ``claude``, ``codex`` or ``gemini``.
    :ivar core: the core's settings for this event (the ``[hookmux]`` table and
        ``HOOKMUX_*`` variables), for a plugin that stores payloads as the core does
        (``core.max_bytes``); None outside a dispatch.
    :ivar environ: the environment of the ``hookmux run`` Claude Code started for
        this event. The same as ``os.environ`` in ``hookmux run``; under ``hookmux
        serve`` the process environment is the daemon's, so read the caller's
        variables (``CLAUDE_PROJECT_DIR``, ``CLAUDE_CODE_SESSION_ID``, your own)
        here.
    """

    plugin: str
    config: Any
    project_dir: str
    home: str
    deadline: float
    handler: str = ""
    hook: str = ""
    correlation_id: str = ""
    background: bool = False
    dedupe_ttl: float = 3600.0
    agent: str = "claude"
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    core: CoreConfig | None = attrs.field(default=None, repr=False, eq=False)
    environ: Mapping[str, str] = attrs.field(factory=lambda: os.environ, repr=False, eq=False)
    #: set for the trailing run a debounce scheduled
    trailing_key: str | None = None
    #: counters and follow-up jobs, read by hookmux after the handler returns
    stats: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def state_dir(self) -> str:
        """A private directory for this plugin's state under ``$HOOKMUX_HOME``."""
        return ensure_private_dir(os.path.join(self.home, "plugins", self.plugin))

    @property
    def scratch_dir(self) -> str:
        """A private directory for this plugin's short-lived state: what one event leaves
        for a later one of the same tool call or session (minutes, not days). In memory
        where the system has a shared-memory file system (``/dev/shm``): a file made there
        costs a fraction of one on disk, which an answering handler can afford; gone at a
        reboot. Elsewhere under ``$HOOKMUX_HOME``."""
        return plugin_scratch_dir(self.home, self.plugin)

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

    # -- guard rails, shared by every process and session of the user -------------------

    def dedupe(self, key: str, ttl: float | None = None) -> bool:
        """True the first time this plugin sees ``key`` within ``ttl`` seconds
        (default ``HOOKMUX_DEDUPE_TTL``); False for a repeat (counted as a dedupe hit)."""
        from hookmux.state import store

        with store.opened(self.home) as conn:
            fresh = store.dedupe(conn, self.plugin, key, self.dedupe_ttl if ttl is None else ttl)
        if not fresh:
            self.stats["dedupe_hits"] = self.stats.get("dedupe_hits", 0) + 1
        return fresh

    def rate_limit(self, key: str, max_calls: int, per_seconds: float) -> bool:
        """True while this plugin made fewer than ``max_calls`` calls for ``key`` in
        the current ``per_seconds`` window."""
        from hookmux.state import store

        with store.opened(self.home) as conn:
            return store.rate_limit(conn, self.plugin, key, max_calls, per_seconds)

    @contextmanager
    def lock(self, name: str, timeout: float = 5.0) -> Iterator[None]:
        """An inter-process lock (filelock) in the plugin's state dir; raises
        ``filelock.Timeout`` after ``timeout`` seconds."""
        from filelock import FileLock

        # Polled every 5 ms, not filelock's 50: a handler waiting for another process's
        # short hold would otherwise wait up to 50 ms too long.
        with FileLock(os.path.join(self.state_dir, f"{name}.lock")).acquire(timeout, poll_interval=LOCK_POLL):
            yield

    def debounce(self, key: str, seconds: float) -> bool:
        """True when this call should do the work now.

        Leading edge: the first call after ``seconds`` of quiet returns True.
        Calls inside the quiet period return False and schedule one trailing
        background run of this same handler with the newest event, ``seconds``
        after the last call, in which ``debounce`` returns True: the last change
        is always processed.
        """
        if self.trailing_key == key:
            from hookmux.state import store

            with store.opened(self.home) as conn:
                store.mark_run(conn, self.plugin, key)
            return True
        from hookmux.state import store

        with store.opened(self.home) as conn:
            leading = store.debounce(conn, self.plugin, key, seconds)
        if not leading:
            self.stats.setdefault("jobs", []).append(
                {
                    "plugin": self.plugin,
                    "handler": self.handler,
                    "hook": self.hook,
                    "key": f"debounce:{key}",
                    "payload": dict(self.raw),
                    "not_before": time.time() + seconds,
                    "trailing_key": key,
                }
            )
        return leading
