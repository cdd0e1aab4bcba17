"""Writing a hook settings file and saying what changed, for ``install``/``uninstall`` of
every agent: backed up, atomic (:func:`hookmux.agents.claude.settings.write_settings`),
0600 when it holds the token; ``--json``, ``--dry-run`` diffs with the token masked."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from hookmux.agents.claude.settings import diff_text, write_settings
from hookmux.agents.claude.wiring import WiringError
from hookmux.agents.registry import TITLES


def finish(
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
    secret: str | None = None,
    private: bool = False,
    agent: str | None = None,
) -> None:
    """Write (unless ``dry_run``) and report one hook settings file: ``--json`` as one object,
    else the diff (``dry_run``) or what was written, the summary and the notes. ``agent``:
    another agent's hook file (None: Claude Code's settings); ``secret`` is masked in diffs."""
    backup = write_file(
        path,
        before,
        after,
        scope if agent is None else f"{agent}-{scope}",
        changed=changed,
        dry_run=dry_run,
        private=private,
    )
    diff = masked(diff_text(path, before, after), secret) if changed else ""
    if as_json:
        result = {
            "action": action,
            **({"agent": agent} if agent is not None else {}),
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
        title = "" if agent is None else f" ({TITLES[agent]})"
        click.secho(f"{action}{title}: wrote {path}", fg="green")
        if backup:
            click.echo(f"backup of the previous file: {backup}")
        if agent is None:
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


def write_file(
    path: str, before: str | None, after: str, scope: str, *, changed: bool, dry_run: bool, private: bool
) -> str | None:
    """Write a settings file (backed up); ``private``: it holds the token, so 0600."""
    from hookmux.state.paths import hookmux_home

    if not changed or dry_run:
        return None
    try:
        backup = write_settings(path, after, original=before, home=hookmux_home(), scope=scope)
        if private:
            target = os.path.realpath(path)
            if os.stat(target).st_mode & 0o077:
                os.chmod(target, 0o600)
    except (WiringError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    return backup


def masked(text: str, secret: str | None) -> str:
    return text.replace(secret, "<the token in $HOOKMUX_HOME/daemon/token>") if secret else text
