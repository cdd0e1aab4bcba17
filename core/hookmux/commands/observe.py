"""``hookmux status``, ``metrics``, ``cleanup`` and ``breakers``: what hookmux did, and its health."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import click

from hookmux.config import load_settings
from hookmux.state.paths import hookmux_home


def _settings() -> Any:
    return load_settings(os.getcwd())


def plugin_line(info: dict[str, Any]) -> str:
    """One line for a plugin's ``hookmux_status``: its summary, else its scalar values."""
    if "error" in info:
        return f"error: {info['error']}"
    if isinstance(info.get("summary"), str):
        return str(info["summary"])
    scalars = [f"{k}={v}" for k, v in info.items() if isinstance(v, (str, int, float, bool)) or v is None]
    return ", ".join(scalars) or "(no details)"


def register(cli: click.Group) -> None:
    @cli.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON object for scripts.")
    def status_command(as_json: bool) -> None:
        """Health: store size, bytes written, last errors, open breakers, background work."""
        from hookmux.routing.pluginstatus import plugin_status
        from hookmux.state.metrics import status

        settings, home = _settings(), hookmux_home()
        report = status(home, settings.core.max_workers, plugin_status(home, enabled=settings.plugin_enabled))
        if as_json:
            click.echo(json.dumps(report, indent=2))
            return
        st, bg = report["store"], report["background"]
        click.echo(f"home      {report['home']}")
        click.echo(
            f"store     {st['bytes']} bytes, {st['events']} events, {st['executions']} handler runs, "
            f"{st['bytes_written']} bytes recorded"
        )
        click.echo(
            f"workers   {bg['workers']}/{bg['max_workers']} alive, "
            f"{bg['queued']} queued, {bg['running']} running"
        )
        if report["breakers"]:
            for b in report["breakers"]:
                click.secho(
                    f"breaker   {b['plugin']}.{b['handler']} {b['state']} "
                    f"({b['consecutive_failures']} failures in a row)",
                    fg="red",
                )
        else:
            click.echo("breakers  all closed")
        for name, info in report["plugins"].items():
            click.echo(f"plugin    {name}: {plugin_line(info)}")
        for e in report["last_errors"]:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e["ts"]))
            click.echo(
                f"error     {when} {e['plugin']}.{e['handler']} on {e['event']}: {e['status']}: {e['error']}"
            )

    @cli.command("metrics")
    @click.option("--hours", type=float, default=24.0, show_default=True, help="Window to report on.")
    @click.option("--json", "as_json", is_flag=True, help="Print {handlers: [...], events: [...]}.")
    @click.option(
        "--format", "fmt", type=click.Choice(["table", "prometheus"]), default="table", show_default=True
    )
    def metrics_command(hours: float, as_json: bool, fmt: str) -> None:
        """Per handler and per event: count, failures, failure rate, dedupe hits, p50/p95/p99."""
        from hookmux.state.metrics import collect, prometheus

        report = collect(hookmux_home(), hours)
        if as_json:
            click.echo(json.dumps(report, indent=2))
        elif fmt == "prometheus":
            click.echo(prometheus(report), nl=False)
        else:
            click.echo(
                f"{'plugin.handler':<40} {'event':<18} {'count':>6} {'fail':>5} {'dedupe':>6} "
                f"{'p50':>8} {'p95':>8} {'p99':>8}"
            )
            for h in report["handlers"]:
                click.echo(
                    f"{h['plugin'] + '.' + h['handler']:<40} {h['event']:<18} {h['count']:>6} "
                    f"{h['failures']:>5} {h['dedupe_hits']:>6} {h['p50_ms'] or 0:>8.2f} "
                    f"{h['p95_ms'] or 0:>8.2f} {h['p99_ms'] or 0:>8.2f}"
                )
            if not report["handlers"]:
                click.echo(f"no handler ran in the last {hours:g} h")

    @cli.command("cleanup")
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON object for scripts.")
    def cleanup_command(as_json: bool) -> None:
        """Delete records older than HOOKMUX_RETENTION_DAYS (default 7) and vacuum the store."""
        from hookmux.state.metrics import cleanup

        days = _settings().core.retention_days
        report = cleanup(hookmux_home(), days)
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            click.echo(
                f"deleted {report['events_deleted']} events and {report['executions_deleted']} handler runs "
                f"older than {days:g} days; store {report['bytes_before']} -> {report['bytes_after']} bytes"
            )

    @cli.group("breakers", invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON list for scripts.")
    @click.pass_context
    def breakers_group(ctx: click.Context, as_json: bool) -> None:
        """Circuit breakers of handlers: list them, or reset them."""
        if ctx.invoked_subcommand is not None:
            return
        from hookmux.state import breakers

        rows = [
            {
                "name": name.replace("--", ".", 1),
                "state": s.state,
                "consecutive_failures": s.failures,
                "recent_failures": s.history.count("1"),
                "recent_runs": len(s.history),
            }
            for name, s in breakers.states(hookmux_home())
        ]
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            click.echo(
                f"{row['name']:<40} {row['state']:<10} "
                f"{row['recent_failures']}/{row['recent_runs']} recent runs failed"
            )
        if not rows:
            click.echo("no handler has failed")

    @breakers_group.command("reset")
    @click.argument("target", required=False)
    def breakers_reset(target: str | None) -> None:
        """Close breakers: all, a PLUGIN's, or PLUGIN.HANDLER."""
        from hookmux.state import breakers

        plugin, _, handler = (target or "").partition(".")
        done = breakers.reset(hookmux_home(), plugin or None, handler or None)
        click.echo("reset: " + ", ".join(done) if done else "nothing to reset")
