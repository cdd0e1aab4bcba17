"""The background worker: ``python -m hookmux.entry.worker`` (started by hookmux itself).

Holds one of the per-user worker slots, ingests the spools into the store,
runs due jobs (background handlers, debounce trailing runs) one at a time
with their timeouts and breakers, records each run, and exits when the queue
is empty, after one last look at the spool so no job is stranded.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from hookmux.config import load_settings
from hookmux.protocol.converter import StructureError, structure_event
from hookmux.routing.context import HookContext
from hookmux.routing.dispatch import (
    FAILED,
    Outcome,
    breaker_policy,
    exec_record,
    one_line,
    prepare_plugin,
    run_handler,
)
from hookmux.routing.loader import load_target
from hookmux.routing.manifest import load_manifest
from hookmux.routing.plugins import make_plugin_manager
from hookmux.state import background, breakers, store
from hookmux.state.paths import hookmux_home, project_dir
from hookmux.state.records import JOBS, RECORDS, append_lines, correlation_id, spool_file

#: Longest a worker sleeps waiting for a delayed (debounced) job, and lives in all.
MAX_SLEEP = 30.0
MAX_LIFETIME = 900.0
DEFAULT_JOB_TIMEOUT = 60.0


def run_job(
    home: str,
    job: Any,
    manifest: Mapping[str, Any] | None = None,
    resolver: Callable[[str], Any] | None = None,
) -> Outcome:
    """Run one queued job (a store row or a job dict) and record it.

    ``manifest`` and ``resolver`` default to the installed plugins; tests pass
    their own (see :func:`hookmux.testing.run_event`).
    """
    started = time.monotonic()
    payload = job["payload"]
    raw = json.loads(payload) if isinstance(payload, str) else payload
    plugin, function = job["plugin"], job["handler"]
    manifest = manifest or load_manifest(home)
    handler = next(
        (
            h
            for hs in manifest["events"].values()
            for h in hs
            if h["plugin"] == plugin and h["function"] == function
        ),
        None,
    )
    settings = load_settings(project_dir(raw.get("cwd")))

    def finish(status: str, error: str | None = None, dedupe_hits: int = 0) -> Outcome:
        outcome = Outcome(
            plugin,
            function,
            status,
            (time.monotonic() - started) * 1000,
            one_line(error) if error else None,
            dedupe_hits=dedupe_hits,
        )
        if settings.core.metrics:
            size = len(payload) if isinstance(payload, str) else len(json.dumps(payload))
            append_lines(
                home, RECORDS, [exec_record(outcome, raw, correlation_id(raw), size, background=True)]
            )
        return outcome

    if handler is None:
        return finish("skipped", "the handler is no longer installed")
    if not settings.plugin_enabled(plugin):
        return finish("skipped", "the plugin is disabled")
    policy = breaker_policy(settings.core)
    refused = breakers.admit(home, plugin, function, policy)
    if refused is not None:
        return finish(refused)
    try:
        event = structure_event(raw)
    except StructureError as exc:
        return finish("invalid", f"invalid event: {exc}")
    pm = make_plugin_manager()
    resolve = resolver or (lambda name: load_target(manifest["plugins"][name]["target"]))
    prepared = prepare_plugin(pm, plugin, resolve, settings)
    if isinstance(prepared, str):
        return finish("skipped", prepared)
    timeout = handler["timeout"] or max(settings.core.handler_timeout, DEFAULT_JOB_TIMEOUT)
    ctx = HookContext(
        plugin=plugin,
        handler=function,
        hook=job["hook"],
        config=prepared[1],
        project_dir=project_dir(raw.get("cwd")),
        home=home,
        deadline=time.monotonic() + timeout,
        correlation_id=correlation_id(raw),
        background=True,
        dedupe_ttl=settings.core.dedupe_ttl,
        agent=str(raw.get("hookmux_agent") or "claude"),
        raw=raw,
        core=settings.core,
        trailing_key=job.get("trailing_key") if isinstance(job, dict) else job["trailing_key"],
    )
    status, _, error = run_handler(pm, {**handler, "background": True}, event, ctx, timeout)
    breakers.record(home, plugin, function, status not in FAILED, policy)
    if ctx.stats.get("jobs"):
        background.queue(home, ctx.stats["jobs"])
    return finish(status, error, ctx.stats.get("dedupe_hits", 0))


def _spool_waiting(home: str) -> bool:
    try:
        return os.path.getsize(spool_file(home, JOBS)) > 0
    except OSError:
        return False


def work(home: str, max_workers: int) -> int:
    """Drain the queue; returns the number of jobs run."""
    inherited = os.environ.pop(background.SLOT_FD_ENV, "")
    slot = int(inherited) if inherited.isdigit() else background.acquire_slot(home, max_workers)
    if slot is None:
        return 0
    ran = 0
    born = time.monotonic()
    conn = store.connect(home)
    try:
        while time.monotonic() - born < MAX_LIFETIME:
            store.ingest(home, conn)
            job = store.claim_job(conn)
            if job is not None:
                try:
                    run_job(home, job)
                finally:
                    store.finish_job(conn, job["id"])
                ran += 1
                continue
            due = store.next_due(conn)
            if due is not None:
                time.sleep(min(max(due - time.time(), 0.02), MAX_SLEEP))
                continue
            # Release the slot, then look once more: a job spooled while we held the
            # slot (when its writer saw no free slot) is picked up now.
            os.close(slot)
            slot = -1
            if not _spool_waiting(home):
                break
            slot = background.acquire_slot(home, max_workers) or -1
            if slot < 0:
                break
    finally:
        conn.close()
        if slot >= 0:
            os.close(slot)
    return ran


def main() -> int:
    if hasattr(os, "getpriority"):  # not on Windows
        # Its starter lowered it already (background.ensure_worker); started otherwise,
        # it lowers itself.
        wanted = os.environ.get(background.NICENESS_ENV, "")
        background.lower_priority(0, int(wanted) if wanted.isdigit() else background.lowered_niceness())
    home = hookmux_home()
    try:
        max_workers = int(os.environ.get("HOOKMUX_MAX_WORKERS", "2"))
    except ValueError:
        max_workers = 2
    try:
        work(home, max(max_workers, 1))
    except Exception as exc:  # noqa: BLE001 - a worker must never crash silently
        print(
            f"{time.strftime('%Y-%m-%dT%H:%M:%S')} hookmux worker failed: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
