"""``hookmux replay FILE.ndjson``: feed recorded events through the router, print each answer."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import click

from hookmux.commands.replayer import Replayed, read_events, replay_event
from hookmux.protocol.summary import summarise

STATUS_COLOURS = {"ok": "green", "silent": None, "queued": "cyan"}


@contextlib.contextmanager
def state_home(home: str | None) -> Iterator[str]:
    """``home``, or a throwaway state directory, as ``$HOOKMUX_HOME`` for the duration.

    Plugins keep state there (dedupe keys, breakers, records): replaying into a
    throwaway one leaves the real state alone and makes runs repeatable.
    """
    previous = os.environ.get("HOOKMUX_HOME")
    with contextlib.ExitStack() as stack:
        path = home or stack.enter_context(tempfile.TemporaryDirectory(prefix="hookmux-replay-"))
        os.environ["HOOKMUX_HOME"] = os.path.abspath(path)
        try:
            yield os.path.abspath(path)
        finally:
            if previous is None:
                os.environ.pop("HOOKMUX_HOME", None)
            else:
                os.environ["HOOKMUX_HOME"] = previous


def echo_replayed(item: Replayed, *, quiet_unmatched: bool = False) -> None:
    """The human report of one routed event."""
    if quiet_unmatched and not item.matched:
        return
    click.secho(f"\nline {item.line}  {summarise(item.payload)}", bold=True)
    if not item.matched:
        click.echo("  no plugin matched")
        return
    for outcome in item.outcomes:
        colour = STATUS_COLOURS.get(outcome["status"], "red")
        error = f": {outcome['error']}" if outcome["error"] else ""
        click.echo(
            f"  {outcome['plugin']}.{outcome['function']}  "
            + click.style(outcome["status"], fg=colour)
            + f"  {outcome['duration_ms']} ms{error}"
        )
    if item.output is not None:
        click.echo("  answer: " + json.dumps(item.output, ensure_ascii=False))
    elif item.plain is not None:
        click.echo(f"  answer (stdout line): {item.plain}")
    else:
        click.echo("  answer: (none)")
    if item.exit_code:
        click.echo(f"  exit code {item.exit_code}: {item.stderr}")
    for message in item.messages:
        click.secho(f"  {message}", fg="yellow")


def check_plugins(manifest: dict[str, Any], names: Sequence[str]) -> None:
    unknown = sorted(set(names) - set(manifest["plugins"]))
    if unknown:
        known = ", ".join(sorted(manifest["plugins"])) or "none"
        raise click.BadParameter(
            f"no plugin named {', '.join(unknown)} is installed (installed: {known})", param_hint="--plugin"
        )


def register(cli: click.Group) -> None:
    @cli.command("replay")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @click.option(
        "--plugin",
        "plugins",
        multiple=True,
        help="Run only this plugin (repeat for several); default: every installed plugin.",
    )
    @click.option(
        "--home",
        type=click.Path(file_okay=False),
        default=None,
        help="State directory for the plugins (default: a throwaway one, so your real state is untouched).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object per event (NDJSON).")
    def replay_command(file: Any, plugins: tuple[str, ...], home: str | None, as_json: bool) -> None:
        """Feed recorded hook events (NDJSON) through the router and print each merged answer.

        Each line is a payload as Claude Code sends it on stdin, or an object
        with the payload under "payload" (as hookmux records them); "-" reads
        stdin. The plugins really run. A line that is not a usable event is
        reported with its number and skipped; the exit code is then 1.
        """
        from hookmux.routing.manifest import load_manifest
        from hookmux.state.paths import hookmux_home

        manifest = load_manifest(hookmux_home())
        if plugins:
            check_plugins(manifest, plugins)
        bad = 0
        with state_home(home) as state:
            for number, event in read_events(file):
                if isinstance(event, Exception):
                    bad += 1
                    click.secho(f"line {number}: skipped: {event}", fg="red", err=True)
                    continue
                item = replay_event(number, event, manifest, home=state, only=plugins or None)
                if as_json:
                    click.echo(json.dumps(item.as_json(), ensure_ascii=False))
                else:
                    echo_replayed(item)
        if bad:
            click.secho(f"{bad} line(s) skipped", fg="red", err=True)
            sys.exit(1)  # ctx.exit(1) would be lost: cli.main drops click's return code
