"""After an edit of spec.md or tasks.md: AC sync and status line recompute, in the background.

SpecWeave's ``post-edit-write-consolidated.sh`` runs, in this order: kill switch,
recursion guard, circuit breaker, lock, burst detection, 5 s debounce, then the
update in a detached process. Here the handler itself runs detached (a hookmux
background handler: Claude Code never waits for it) and the guard rails are
hookmux's:

* circuit breaker: hookmux's per-handler breaker (3 consecutive failures);
* debounce: ``ctx.rate_limit(key, 1, 5 s)`` is SpecWeave's ``.last-status-update``
  check (at most one recompute per 5 s), and ``ctx.debounce(key, 5 s)`` adds the
  trailing run SpecWeave lacks: 5 s after the last edit of a burst the cache is
  recomputed once more, so it always ends up matching the files;
* burst: ``ctx.rate_limit(key, 5, 10 s)``; during a burst the recompute is left
  to the trailing run instead of sleeping 2 s;
* lock: ``ctx.lock`` (filelock) around AC sync and cache write, per project.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from hookmux_specstatus import logs
from hookmux_specstatus.acsync import SyncResult, sync_ac_status
from hookmux_specstatus.cache import write_cache
from hookmux_specstatus.project import Target, increment_dir, locate, state_dir

if TYPE_CHECKING:
    from hookmux.routing.context import HookContext
    from hookmux_specstatus.config import Config

#: The plugin's entry point name: the status line lock lives in its state directory.
PLUGIN = "specstatus"
HOOK = "post-edit-write"
RECURSION_GUARD = ".hook-recursion-guard"
#: A guard older than this was left by a process that died (SpecWeave removes it on exit).
GUARD_STALE_SECONDS = 300.0
EDITED = ("spec.md", "tasks.md")


def disabled(environ: Mapping[str, str] = os.environ) -> bool:
    """SpecWeave's kill switch."""
    return environ.get("SPECWEAVE_DISABLE_HOOKS", "0") == "1"


def guard_active(root: str) -> bool:
    """``.specweave/state/.hook-recursion-guard`` exists (and is not stale)."""
    try:
        age = time.time() - os.stat(os.path.join(state_dir(root), RECURSION_GUARD)).st_mtime
    except OSError:
        return False
    return age < GUARD_STALE_SECONDS


def project_key(root: str, increment: str = "") -> str:
    return hashlib.sha256(f"{os.path.realpath(root)}\0{increment}".encode()).hexdigest()[:16]


def cache_lock(ctx: HookContext, root: str, timeout: float = 5.0) -> AbstractContextManager[None]:
    """The project's status line lock: the specstatus plugin's ``ctx.lock``, whichever
    plugin (specstatus or metadata) writes the cache."""
    if ctx.plugin != PLUGIN:
        import attrs

        ctx = attrs.evolve(ctx, plugin=PLUGIN)
    return ctx.lock(f"status-line-{project_key(root)}", timeout=timeout)


def environ_of(ctx: HookContext) -> Mapping[str, str]:
    """The environment of the hook Claude Code started (``ctx.environ`` where hookmux has it)."""
    environ: Mapping[str, str] = getattr(ctx, "environ", os.environ)
    return environ


def refresh(
    root: str, increment: str | None, *, ac_sync: bool, environ: Mapping[str, str] = os.environ
) -> tuple[dict[str, Any], SyncResult | None]:
    """AC sync of ``increment`` (when asked and ``SKIP_AC_SYNC`` is not ``true``), then the
    cache. Hold :func:`cache_lock`."""
    result = None
    if ac_sync and increment and environ.get("SKIP_AC_SYNC") != "true":
        result = sync_ac_status(increment_dir(root, increment))
    return write_cache(root), result


def on_edit(raw: Mapping[str, Any], ctx: HookContext, config: Config) -> str:
    """Handle one edit (or a debounce trailing run); returns what happened, for tests and logs."""
    environ = environ_of(ctx)
    if disabled(environ):
        return "disabled"
    target = locate(raw, EDITED, environ)
    if target is None:
        return "ignored"
    root = target.root
    trailing = ctx.trailing_key is not None
    key = project_key(root, target.increment)
    debounce = config.debounce_seconds
    if guard_active(root):
        # SpecWeave skips silently; the edit is not lost here: a trailing run is scheduled.
        if not trailing and ctx.debounce(f"edits:{key}", debounce):
            ctx.debounce(f"edits:{key}", debounce)
        _note(ctx, target, config, "recursion_guard", "Recursion guard active, deferred")
        return "guarded"
    burst = not trailing and not ctx.rate_limit(
        f"burst:{key}", config.burst_edits, config.burst_window_seconds
    )
    due = ctx.debounce(f"edits:{key}", debounce)  # leading edge or trailing run; else schedules one
    if not due:
        if burst:
            _note(ctx, target, config, "burst_detected", "BURST DETECTED, recompute left to the trailing run")
            return "burst"
        if not ctx.rate_limit(f"update:{key}", 1, debounce):
            _note(ctx, target, config, "debounced", f"Debounced (last update under {debounce:g}s ago)")
            return "debounced"
    else:
        ctx.rate_limit(f"update:{key}", 1, debounce)  # the last update is now
    started = time.monotonic()
    with cache_lock(ctx, root, config.lock_timeout):
        cache, sync = refresh(root, target.increment, ac_sync=config.ac_sync, environ=environ)
        current = cache.get("current") or {}
        fields: dict[str, Any] = {
            "file_path": target.relative,
            "increment": target.increment,
            "trailing": trailing,
            "current": current.get("id"),
            "completed": current.get("completed"),
            "total": current.get("total"),
            "acsCompleted": current.get("acsCompleted"),
            "acsTotal": current.get("acsTotal"),
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }
        if sync is not None and (sync.updated or sync.conflicts):
            fields.update(acsChecked=sync.updated, acConflicts=len(sync.conflicts))
        logs.metric(root, HOOK, "status_line_updated", **fields)
        summary = (
            f"{current.get('completed')}/{current.get('total')} tasks" if current else "no open increment"
        )
        logs.log(root, f"Status line updated after {target.relative} ({summary})")
    return "updated"


def _note(ctx: HookContext, target: Target, config: Config, event: str, message: str) -> None:
    with cache_lock(ctx, target.root, config.lock_timeout):
        logs.metric(target.root, HOOK, event, file_path=target.relative, increment=target.increment)
        logs.log(target.root, f"{message}: {target.relative}")
