"""Redoing an event's after-answer work from its pending-log entry (:mod:`hookmux.state.pending`).

Both daemon processes need it: ``hookmux serve`` for the entries a killed daemon left
(its orphans), and its after-answer process (:mod:`hookmux.daemon.afterprocess`) for
every entry as it comes. An entry is the event's bytes and a header: its arguments,
what its caller set differently, and, for an event some handler answered, those
handlers' runs and the background jobs they queued (the rest is routed in full).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from hookmux.entry.route import answer


def load_plugins(manifest: Mapping[str, Any], plugin_manager: Any, log: Callable[[str], None]) -> list[str]:
    """Import and register every plugin of ``manifest`` that loads; the names loaded."""
    from hookmux.routing.dispatch import _register_lock
    from hookmux.routing.loader import load_target

    loaded = []
    for name, record in sorted(manifest.get("plugins", {}).items()):
        if record.get("error"):
            continue
        try:
            with _register_lock:
                obj = load_target(record["target"])
                if not plugin_manager.has_plugin(name):
                    plugin_manager.register(obj, name=name)
            loaded.append(name)
        except Exception as exc:  # noqa: BLE001 - routed (and reported) per event anyway
            log(f"plugin {name} cannot be loaded: {type(exc).__name__}: {exc}")
    return loaded


def replay(
    header: Mapping[str, Any],
    payload: bytes,
    *,
    home: str,
    environ: Mapping[str, str],
    manifest: Mapping[str, Any],
    plugin_manager: Any,
    settings_loader: Any,
    log: Callable[[str], None],
) -> None:
    """Run the observers, records and background jobs of an answered event (routed in
    full when its header names no handler that answered it). Never raises: a failure is
    logged, and the caller goes on with the next entry."""
    try:
        _replay(header, payload, home, environ, manifest, plugin_manager, settings_loader, log)
    except Exception as exc:  # noqa: BLE001 - one entry's failure is that entry's
        log(f"replaying an event: {type(exc).__name__}: {exc}")


def _replay(
    header: Mapping[str, Any],
    payload: bytes,
    home: str,
    environ: Mapping[str, str],
    manifest: Mapping[str, Any],
    plugin_manager: Any,
    settings_loader: Any,
    log: Callable[[str], None],
) -> None:
    from hookmux.routing.dispatch import Outcome as HandlerOutcome

    answered = header.get("answered")
    err = io.StringIO()
    _, outcome = answer(
        [str(a) for a in header.get("argv", ())],
        payload,
        io.BytesIO(),
        err,
        environ={**environ, **header.get("environ", {})},
        home=home,
        manifest=manifest,
        plugin_manager=plugin_manager,
        settings_loader=settings_loader,
        answered=None if answered is None else [HandlerOutcome(*fields) for fields in answered],
    )
    for line in err.getvalue().splitlines():
        log(f"event: {line}")
    jobs = [*header.get("jobs", ()), *(outcome.jobs if outcome is not None else ())]
    if jobs:
        from hookmux.state import background

        background.queue_and_start(home, jobs, outcome.max_workers if outcome is not None else 2)
