"""``hookmux install`` / ``hookmux uninstall``: wire hookmux into a Claude Code settings file."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from hookmux.claudesettings import (
    SCOPES,
    diff_text,
    hookmux_executable,
    read_settings,
    render_settings,
    settings_path,
    write_settings,
)
from hookmux.wiring import Wiring, WiringError, apply_wiring, compute_wiring, hookmux_handlers, remove_wiring

SCOPE_HELP = (
    "user: ~/.claude/settings.json (every project); project: .claude/settings.json (committed, "
    "so the absolute path reaches your team); local: .claude/settings.local.json (this checkout, yours)."
)


def _scope_options(func: Any) -> Any:
    func = click.option("--dry-run", is_flag=True, help="Print the change as a unified diff; write nothing.")(
        func
    )
    func = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON for scripts.")(func)
    func = click.option(
        "--project-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Project for the project and local scopes (default: current directory).",
    )(func)
    return click.option(
        "--scope", type=click.Choice(SCOPES), default="user", show_default=True, help=SCOPE_HELP
    )(func)


def expected_wiring(scope: str, project: str) -> tuple[Wiring, tuple[str, ...]]:
    """What ``hookmux install --scope SCOPE`` would write now, and config errors."""
    from hookmux.config import load_settings
    from hookmux.manifest import load_manifest
    from hookmux.paths import hookmux_home

    manifest = load_manifest(hookmux_home())
    # The user scope serves every project: only the user config and variables decide.
    config = load_settings(None if scope == "user" else project)
    only = os.environ.get("HOOKMUX_PLUGINS")  # the same load filter `hookmux run` applies
    keep = None if only is None else {p.strip() for p in only.split(",") if p.strip()}
    wiring = compute_wiring(
        manifest,
        executable=hookmux_executable(),
        enabled=lambda name: config.plugin_enabled(name) and (keep is None or name in keep),
        handler_timeout=config.core.handler_timeout,
        deadline=config.core.deadline,
    )
    return wiring, config.errors


def _in_file(path: str, exc: Exception) -> str:
    text = str(exc)
    return text if text.startswith(path) else f"{path}: {text}"


def _describe(wiring: Wiring) -> list[str]:
    lines = []
    for event, groups in wiring.events.items():
        for group in groups:
            handler = group["hooks"][0]
            where = f" matcher {group['matcher']}" if "matcher" in group else " (every call)"
            rule = f" if {handler['if']}" if "if" in handler else ""
            lines.append(f"  {event:<19}{where}{rule}  timeout {handler['timeout']} s")
    return lines


def _other_scopes(scope: str, project: str) -> list[str]:
    found = []
    for other in SCOPES:
        if other == scope:
            continue
        path = settings_path(other, project)
        try:
            settings, _ = read_settings(path)
        except WiringError:
            continue
        if hookmux_handlers(settings):
            found.append(f"{other} ({path})")
    return found


def _finish(
    *,
    action: str,
    scope: str,
    path: str,
    before: str | None,
    after: str,
    changed: bool,
    dry_run: bool,
    as_json: bool,
    extra: dict[str, Any],
    summary: list[str],
    notes: list[str],
) -> None:
    from hookmux.paths import hookmux_home

    backup = None
    if changed and not dry_run:
        try:
            backup = write_settings(path, after, original=before, home=hookmux_home(), scope=scope)
        except (WiringError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    diff = diff_text(path, before, after) if changed else ""
    if as_json:
        result = {
            "action": action,
            "scope": scope,
            "file": path,
            "changed": changed,
            "written": changed and not dry_run,
            "backup": backup,
            "notes": notes,
            **extra,
        }
        if dry_run:
            result["diff"] = diff
        click.echo(json.dumps(result, indent=2))
        return
    if dry_run:
        click.echo(diff if changed else f"{path}: no change")
    elif changed:
        click.secho(f"{action}: wrote {path}", fg="green")
        if backup:
            click.echo(f"backup of the previous file: {backup}")
        click.echo("new Claude Code sessions use it (restart running ones)")
    elif action == "uninstall":
        click.echo(f"{path}: no hookmux entry, nothing written")
    else:
        click.echo(f"{path}: already up to date, nothing written")
    if not dry_run:
        for line in summary:
            click.echo(line)
    for note in notes:
        click.secho(f"note: {note}", fg="yellow", err=True)


def register(cli: click.Group) -> None:
    @cli.command("install")
    @_scope_options
    @click.option(
        "--transport",
        type=click.Choice(["command", "http"]),
        default="command",
        show_default=True,
        help="command: Claude Code starts `hookmux run` per event. http: a warm `hookmux serve` daemon.",
    )
    @click.option("--force", is_flag=True, help="Replace your own statusLine with a plugin's.")
    def install_command(
        scope: str, project_dir: str | None, as_json: bool, dry_run: bool, transport: str, force: bool
    ) -> None:
        """Write hookmux's hooks into a Claude Code settings file.

        Only the events your installed, enabled plugins handle are wired, each
        with the narrowest matcher (and, where the plugins' conditions allow, an
        `if` rule), so Claude Code starts hookmux only for calls some plugin
        wants. Idempotent; the previous file is backed up under
        $HOOKMUX_HOME/backups; every other setting and hook is kept.
        """
        if transport == "http":
            raise click.ClickException(
                "the http transport needs `hookmux serve`, which is not available yet; "
                "use --transport command (the default)"
            )
        project = os.path.abspath(project_dir or os.getcwd())
        path = settings_path(scope, project)
        try:
            wiring, config_errors = expected_wiring(scope, project)
            current, before = read_settings(path)
            new, notes = apply_wiring(current, wiring, force_statusline=force)
        except WiringError as exc:
            raise click.ClickException(_in_file(path, exc)) from None
        notes = [*(f"config: {e}" for e in config_errors), *wiring.notes, *notes]
        others = _other_scopes(scope, project)
        if others:
            notes.append(
                f"hookmux is also wired in {', '.join(others)}: where the entries differ, Claude Code "
                "runs both and every plugin answers twice; `hookmux uninstall --scope ...` the other one"
            )
        if scope == "project":
            notes.append(
                f"{path} is usually committed, and it names {wiring.executable}, which exists on this "
                "machine only; --scope local keeps the wiring to yourself"
            )
        from hookmux.manifest import load_manifest
        from hookmux.paths import hookmux_home

        manifest = load_manifest(hookmux_home())
        for name, record in sorted(manifest["plugins"].items()):
            if record["error"]:
                notes.append(f"plugin {name} is not wired: it cannot be loaded ({record['error']})")
        summary = [f"hookmux {wiring.executable} wired for:", *_describe(wiring)]
        if not wiring.handled:
            summary.append("  (no enabled plugin handles any event: only the SessionStart check is wired)")
        after = render_settings(new, before)
        _finish(
            action="install",
            scope=scope,
            path=path,
            before=before,
            after=after,
            changed=new != current or before is None,
            dry_run=dry_run,
            as_json=as_json,
            extra={
                "executable": wiring.executable,
                "digest": wiring.digest,
                "hooks": wiring.events,
                "statusLine": new.get("statusLine"),
            },
            summary=summary,
            notes=notes,
        )

    @cli.command("uninstall")
    @_scope_options
    def uninstall_command(scope: str, project_dir: str | None, as_json: bool, dry_run: bool) -> None:
        """Remove hookmux's hooks (and its statusLine) from a Claude Code settings file.

        Exactly the handlers that run `hookmux run` go; other hooks in the same
        matcher groups and every other setting stay. The previous file is backed up.
        """
        project = os.path.abspath(project_dir or os.getcwd())
        path = settings_path(scope, project)
        try:
            current, before = read_settings(path)
            new = remove_wiring(current)
        except WiringError as exc:
            raise click.ClickException(_in_file(path, exc)) from None
        removed = len(hookmux_handlers(current))
        changed = new != current
        _finish(
            action="uninstall",
            scope=scope,
            path=path,
            before=before,
            after=render_settings(new, before) if changed else (before or ""),
            changed=changed,
            dry_run=dry_run,
            as_json=as_json,
            extra={"removed": removed},
            summary=[f"removed {removed} hookmux handler(s)"] if changed else [],
            notes=[],
        )
