"""``hookmux statusline`` (also reached without click, see the core's ``hookmux.entry.statusline``)
and ``hookmux specstatus refresh``."""

from __future__ import annotations

import os
import sys

import click


def register(cli: click.Group) -> None:
    @cli.command("statusline", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    @click.pass_context
    def statusline_command(ctx: click.Context) -> None:
        """Print SpecWeave's status line from the cache (Claude Code's statusLine command).

        Reads Claude Code's status line JSON on stdin; --json prints the cache,
        --clear deletes it, --config PATH reads statusLine settings from PATH.
        """
        from hookmux_specstatus.statusline import main

        sys.exit(main(list(ctx.args)))

    @cli.group("specstatus")
    def specstatus() -> None:
        """SpecWeave status line cache (plugin hookmux-specstatus)."""

    @specstatus.command("refresh")
    @click.option(
        "--project-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="A directory in the SpecWeave project (default: current directory).",
    )
    @click.option("--ac-sync/--no-ac-sync", default=False, help="Also sync the ACs of every open increment.")
    def refresh_command(project_dir: str | None, ac_sync: bool) -> None:
        """Recompute .specweave/state/status-line.json now and print the line."""
        import time

        from hookmux.routing.context import HookContext
        from hookmux.state.paths import hookmux_home
        from hookmux_specstatus import statusline
        from hookmux_specstatus.cache import cache_path, open_increments
        from hookmux_specstatus.project import find_root
        from hookmux_specstatus.update import PLUGIN, cache_lock, refresh

        root = find_root(project_dir or os.getcwd())
        if root is None:
            raise click.ClickException("no .specweave directory here or in any parent directory")
        ctx = HookContext(
            plugin=PLUGIN, config=None, project_dir=root, home=hookmux_home(), deadline=time.monotonic() + 60
        )
        with cache_lock(ctx, root, timeout=10):
            if ac_sync:
                for _, increment in open_increments(root):
                    refresh(root, increment, ac_sync=True)
            refresh(root, None, ac_sync=False)
        config = statusline.read_json(os.path.join(root, ".specweave", "config.json"))
        section = config.get("statusLine") if isinstance(config, dict) else None
        line = statusline.render(
            statusline.read_json(cache_path(root)), section if isinstance(section, dict) else {}
        )
        click.echo(line or statusline.NO_INCREMENT)
