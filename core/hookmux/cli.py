"""The ``hookmux`` command line (every command but ``run``, which stays off click)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from hookmux import __version__
from hookmux.routing.manifest import load_manifest
from hookmux.state.paths import hookmux_home

#: Usage errors exit 64 (EX_USAGE), never 2: Claude Code reads exit 2 as a block.
EXIT_USAGE = 64


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hookmux")
def cli() -> None:
    """hookmux routes Claude Code hook events to pip-installed plugins.

    Claude Code runs `hookmux run` for each hook event; the other commands
    show and manage what it does.
    """


@cli.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def run_command(ctx: click.Context) -> None:
    """Handle one hook event from stdin (what Claude Code runs).

    Options: --deadline SECONDS, --transport command|http.
    """
    from hookmux.entry.run import run

    sys.exit(run(list(ctx.args)))


def _handler_view(handler: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"function": handler["function"], "priority": handler["priority"]}
    kind, data = handler["matcher"]
    if kind != "all":
        view["matcher"] = "|".join(data) if kind == "exact" else data
    for key in ("paths", "commands"):
        if handler[key] is not None:
            view[key] = list(handler[key])
    if handler["fields"] is not None:
        view["fields"] = {k: list(v) for k, v in handler["fields"]}
    if handler["timeout"] is not None:
        view["timeout"] = handler["timeout"]
    if handler["fail_closed"]:
        view["fail_closed"] = True
    if handler.get("background"):
        view["background"] = True
    if handler.get("observer"):
        view["observer"] = True
    if handler.get("agents"):
        view["agents"] = list(handler["agents"])
    return view


def plugins_report(manifest: dict[str, Any], project: str) -> list[dict[str, Any]]:
    from hookmux.config import load_settings

    settings = load_settings(project)
    report = []
    for name, record in sorted(manifest["plugins"].items()):
        handlers = {
            event: [_handler_view(h) for h in hs if h["plugin"] == name]
            for event, hs in manifest["events"].items()
        }
        report.append(
            {
                "name": name,
                "distribution": record["dist"],
                "version": record["version"],
                "target": record["target"],
                "enabled": settings.plugin_enabled(name),
                "events": {e: h for e, h in sorted(handlers.items()) if h},
                "hooks": record["hooks"],
                "error": record["error"],
                "problems": record["problems"],
            }
        )
    return report


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list for scripts.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Project whose config decides 'enabled' (default: current directory).",
)
def plugins_command(as_json: bool, project_dir: str | None) -> None:
    """List installed plugins: events, matchers, priorities, load errors."""
    manifest = load_manifest(hookmux_home())
    report = plugins_report(manifest, os.path.abspath(project_dir or os.getcwd()))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    if not report:
        click.echo("No hookmux plugins installed. Install one with: pip install hookmux-<name>")
        return
    for plugin in report:
        state = "enabled" if plugin["enabled"] else "disabled"
        origin = plugin["distribution"] or plugin["target"]
        head = f"{plugin['name']} {plugin['version'] or ''} ({origin}, {state})"
        click.secho(head, bold=True)
        if plugin["error"]:
            click.secho(f"  load error: {plugin['error']}", fg="red")
        for problem in plugin["problems"]:
            click.secho(f"  problem: {problem}", fg="yellow")
        for event, handlers in plugin["events"].items():
            for h in handlers:
                extras = "".join(f" {k}={v}" for k, v in h.items() if k not in ("function", "priority"))
                click.echo(f"  {event:<20} {h['function']} priority={h['priority']}{extras}")


def _load_plugin_commands(group: click.Group) -> None:
    """Let installed plugins add their commands (``hookmux_register_commands``)."""
    from hookmux.routing.loader import load_target
    from hookmux.routing.plugins import make_plugin_manager

    try:
        manifest = load_manifest(hookmux_home())
    except Exception as exc:  # noqa: BLE001 - the core commands must still work
        click.echo(f"hookmux: cannot read plugins: {exc}", err=True)
        return
    pm = make_plugin_manager()
    for name, record in sorted(manifest["plugins"].items()):
        if record["error"] or "hookmux_register_commands" not in record["hooks"]:
            continue
        try:
            pm.register(load_target(record["target"]), name=name)
        except Exception as exc:  # noqa: BLE001
            click.echo(f"hookmux: plugin {name} not loaded: {exc}", err=True)
    for impl in pm.hook.hookmux_register_commands.get_hookimpls():
        try:
            impl.function(cli=group)
        except Exception as exc:  # noqa: BLE001
            click.echo(f"hookmux: plugin {impl.plugin_name} commands not loaded: {exc}", err=True)


def _load_builtin_commands(group: click.Group) -> None:
    from hookmux.commands import BUILTIN

    for name in BUILTIN:
        module = __import__(f"hookmux.commands.{name}", fromlist=["register"])
        module.register(group)


#: Commands that need no plugin command and must not touch ``$HOOKMUX_HOME`` (loading the
#: plugins' commands writes the manifest there): ``demo`` keeps everything in a throwaway home.
NO_PLUGIN_COMMANDS = frozenset({"demo"})


def main() -> None:
    _load_builtin_commands(cli)
    if sys.argv[1:2] == [] or sys.argv[1] not in NO_PLUGIN_COMMANDS:
        _load_plugin_commands(cli)
    try:
        code = cli.main(prog_name="hookmux", standalone_mode=False)
        # Non-standalone click returns ctx.exit()'s code instead of exiting with it.
        if isinstance(code, int) and code:
            sys.exit(1 if code == 2 else code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(1 if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
