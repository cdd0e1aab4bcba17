"""``hookmux otel status|export`` and the plugin's line in ``hookmux status``."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import click

from hookmux_otel.exporter import COUNTERS, Exporter, read_state


def _when(ts: Any) -> str | None:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if isinstance(ts, int | float) else None


def health(home: str) -> dict[str, Any]:
    """Exported and dropped counts, the last error and where telemetry goes."""
    state = read_state(home)
    _, destination = Exporter(home, os.environ).config()
    report: dict[str, Any] = {key: int(state.get(key) or 0) for key in COUNTERS}
    report.update(
        enabled=destination is not None,
        endpoint=next(iter(destination.endpoints.values())) if destination else state.get("endpoint"),
        source=destination.source if destination else None,
        last_export=_when(state.get("last_export_at")),
        last_error=state.get("last_error"),
        last_error_at=_when(state.get("last_error_at")),
    )
    if destination is None:
        report["summary"] = "off: no OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT or [plugins.otel])"
    else:
        report["summary"] = (
            f"to {report['endpoint']}: {report['exported_spans']} spans, "
            f"{report['exported_logs']} logs exported; "
            f"{report['dropped_spans']} spans, {report['dropped_logs']} logs dropped"
        )
        if report["last_error"] and (state.get("last_error_at") or 0) > (state.get("last_export_at") or 0):
            report["summary"] += f"; failing: {report['last_error']}"
    return report


def register(cli: click.Group) -> None:
    @cli.group(name="otel")
    def otel() -> None:
        """Hook telemetry to OpenTelemetry (OTLP): where it goes, what went out."""

    @otel.command()
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def status(as_json: bool) -> None:
        """Where telemetry goes (header values hidden) and what was exported or dropped."""
        from hookmux.state.paths import hookmux_home

        home = hookmux_home()
        report = health(home)
        _, destination = Exporter(home, os.environ).config()
        report["destination"] = destination.describe() if destination else None
        if as_json:
            click.echo(json.dumps(report, indent=2))
            return
        click.echo(f"otel: {report['summary']}")
        if destination is not None:
            for signal, url in destination.endpoints.items():
                click.echo(f"  {signal}: {url} ({destination.protocol})")
            click.echo(
                f"  from: {destination.source}; headers: {', '.join(sorted(destination.headers)) or '-'}"
            )
        click.echo(
            f"  last export: {report['last_export'] or '-'}; last error: {report['last_error'] or '-'}"
        )

    @otel.command()
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def export(as_json: bool) -> None:
        """Export what is waiting now (no daemon, a cron job, the end of a CI run)."""
        from hookmux.state.paths import hookmux_home

        outcome = Exporter(hookmux_home(), os.environ).export_once(wait=True)
        if as_json:
            click.echo(json.dumps(outcome))
        elif outcome["state"] == "off":
            click.echo("otel: off: no OTLP endpoint configured")
        else:
            click.echo(
                f"otel: {outcome['state']}: {outcome.get('events', 0)} events, "
                f"{outcome.get('spans', 0)} spans, "
                f"{outcome.get('logs', 0)} logs sent"
                + (f"; {outcome['error']}" if "error" in outcome else "")
            )
        if outcome["state"] == "failed":
            raise SystemExit(1)
