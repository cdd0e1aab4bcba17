"""hookmux-otel: hook events, handler runs, decisions and failures into OpenTelemetry (OTLP).

No handler runs on a hook's clock. The core already records every routed event
and every handler run (outcome, duration, correlation id, trace id) in its
spool; this plugin turns those records into spans, metrics and log records
(:mod:`hookmux_otel.telemetry`) and exports them (:mod:`hookmux_otel.exporter`):

* under ``hookmux serve``, from a process of its own started by ``hookmux_serve_start``
  (:mod:`hookmux_otel.process`; the daemon never imports the SDK);
* without the daemon, from a background worker after SessionEnd (the only
  event this plugin matches, and only to queue that job), or ``hookmux otel export``.

Configured by the standard ``OTEL_*`` variables (:mod:`hookmux_otel.config`); off
until an endpoint is configured.
"""

from __future__ import annotations

from hookmux import hookimpl
from hookmux_otel.config import Config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    import click

    from hookmux.routing.context import HookContext
    from hookmux_otel.process import ExporterProcess

#: The export of a whole backlog in a background worker (bounded by the request timeouts).
BACKGROUND_TIMEOUT = 120.0

_exporter: ExporterProcess | None = None


@hookimpl
def hookmux_config_schema() -> type[Config]:
    return Config


@hookimpl
def hookmux_serve_start(home: str, environ: Mapping[str, str]) -> None:
    """Export in the background, every ``export_interval`` seconds, from a process of its own."""
    global _exporter  # noqa: PLW0603 - one exporter per daemon process
    from hookmux_otel.process import ExporterProcess

    if _exporter is None:
        _exporter = ExporterProcess(home, environ)


@hookimpl
def hookmux_serve_stop() -> None:
    """Stop the exporter; it sends what is left first (within the daemon's stop budget)."""
    global _exporter  # noqa: PLW0603
    if _exporter is not None:
        _exporter.stop(budget=4.0)
        _exporter = None


@hookimpl(background=True, background_key="hook_event_name", timeout=BACKGROUND_TIMEOUT,
          specname="hookmux_session_end")  # fmt: skip
def export_after_session(ctx: HookContext) -> None:
    """Without a daemon: export what the session's hooks recorded, after the session ended.
    With one, it exports anyway; whichever holds the lock first sends, the other finds nothing."""
    from hookmux_otel.exporter import Exporter

    Exporter(ctx.home, ctx.environ).export_once(wait=True)


@hookimpl
def hookmux_register_commands(cli: click.Group) -> None:
    from hookmux_otel.commands import register

    register(cli)


@hookimpl
def hookmux_status(home: str) -> dict[str, Any]:
    """Exported / dropped / last error, for ``hookmux status``."""
    from hookmux_otel.commands import health

    return health(home)
