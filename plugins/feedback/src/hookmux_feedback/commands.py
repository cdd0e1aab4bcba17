"""``hookmux feedback summary | list | export``."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import click

from hookmux_feedback.config import Config, Paths, resolve_paths

PLUGIN = "feedback"


def load(project_dir: str | None) -> tuple[Config, Paths]:
    """The plugin's config as ``hookmux run`` would read it for ``project_dir``."""
    from hookmux.config import load_settings
    from hookmux.state.paths import hookmux_home

    settings = load_settings(os.path.abspath(project_dir or os.getcwd()))
    config, errors = settings.plugin_config(PLUGIN, Config)
    for error in errors:
        click.echo(f"hookmux: config: {error}", err=True)
    if config is None:  # exit 1: click.exceptions.Exit's code is lost under hookmux's cli
        raise click.ClickException(f"the [plugins.{PLUGIN}] configuration is invalid")
    state = os.path.join(hookmux_home(), "plugins", PLUGIN)
    return config, resolve_paths(config, state)


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


project_option = click.option(
    "--project-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Project whose .claude/hookmux.toml applies (default: current directory).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def register(cli: click.Group) -> None:
    @cli.group(name=PLUGIN)
    def feedback() -> None:
        """Feedback memory: recent wins and losses, learned patterns."""

    @feedback.command()
    @json_option
    @project_option
    def summary(as_json: bool, project_dir: str | None) -> None:
        """The summary a new session starts with (wins, losses, learned patterns)."""
        from hookmux_feedback.summary import gather, render

        config, paths = load(project_dir)
        memory = gather(paths, config)
        if as_json:
            _echo_json({**memory.as_json(), "data_dir": paths.data_dir, "backup_dir": paths.backup_dir})
        else:
            click.echo(render(memory, config, config.recent_per_kind, config.ai_summary_lines))

    @feedback.command(name="list")
    @click.option(
        "--type", "kind", type=click.Choice(["win", "loss"]), default=None, help="Only wins or losses."
    )
    @click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last N days.")
    @click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
    @json_option
    @project_option
    def list_(kind: str | None, days: int | None, limit: int, as_json: bool, project_dir: str | None) -> None:
        """Recorded feedback, newest first."""
        from hookmux_feedback.storage import entries, utc_iso

        _, paths = load(project_dir)
        since = utc_iso(dt.datetime.now(dt.UTC) - dt.timedelta(days=days)) if days else None
        rows = entries(paths, kind=kind, since=since, limit=limit)
        if as_json:
            _echo_json(rows)
            return
        if not rows:
            click.echo("no feedback recorded" + (f" in the last {days} days" if days else ""))
            return
        for row in rows:
            message = " ".join(str(row["user_message"] or "").split())
            click.echo(f"{row['ts']}  {row['type']:<4}  {row['project']}  {row['pattern']!r}  {message}")

    @feedback.command()
    @json_option
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
    @project_option
    def export(as_json: bool, output: str | None, project_dir: str | None) -> None:
        """Every feedback entry with all its columns: NDJSON, or one JSON array with --json."""
        from hookmux.state.paths import atomic_write
        from hookmux_feedback.storage import entries

        _, paths = load(project_dir)
        rows = list(reversed(entries(paths)))  # oldest first
        if as_json:
            text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
        else:
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        if output:
            atomic_write(os.path.abspath(output), text.encode("utf-8"))
            click.echo(f"exported {len(rows)} entries to {output}", err=True)
        else:
            click.echo(text, nl=False)
