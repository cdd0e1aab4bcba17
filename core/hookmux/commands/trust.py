"""``hookmux trust``: let a project's hookmux files set sensitive keys (as ``direnv allow``)."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import click


def sensitive_keys(project: str) -> list[dict[str, Any]]:
    """What the project's files set that needs trust now: each key, file, value, kind."""
    import attrs

    from hookmux.commands.configcmd import _plugin_schemas
    from hookmux.config import load_settings
    from hookmux.routing.manifest import load_manifest
    from hookmux.state.paths import hookmux_home

    schemas, _ = _plugin_schemas(load_manifest(hookmux_home()))
    return [attrs.asdict(k) for k in load_settings(project).ignored_keys(schemas)]


def register(cli: click.Group) -> None:
    @cli.command("trust")
    @click.option(
        "--project-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Project whose .claude/hookmux.toml and .claude/hookmux.local.toml to trust "
        "(default: current directory).",
    )
    @click.option("--revoke", is_flag=True, help="Forget the trust in the project's files.")
    @click.option("--list", "list_", is_flag=True, help="List the trusted files.")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON for scripts.")
    def trust_command(project_dir: str | None, revoke: bool, list_: bool, as_json: bool) -> None:
        """Trust the project's hookmux files as they are now.

        A repository's .claude/hookmux.toml (and .claude/hookmux.local.toml) may
        set plain keys freely, but its sensitive keys apply only once you trust
        the file: destinations (where your prompts, tool input and transcripts go:
        a path, a URL, a host) and protections (turning a plugin or a check off,
        a weaker limit, storing payloads). Trust is for the file's exact
        content: after any change its sensitive keys are ignored again until you
        review it and run `hookmux trust` once more. The record lives beside your
        user config file (trusted/).
        """
        from hookmux.state import trust
        from hookmux.state.paths import project_config_files

        if revoke and list_:
            raise click.UsageError("--revoke and --list do not go together")
        if list_:
            entries = trust.entries()
            if as_json:
                click.echo(json.dumps(entries, indent=2))
                return
            if not entries:
                click.echo("no trusted project files")
            for entry in entries:
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(entry["trusted_at"])))
                note = {"trusted": "", "changed": "  (changed since: run `hookmux trust` again)"}.get(
                    entry["state"], "  (missing)"
                )
                click.echo(f"{entry['path']}  trusted {when}{note}")
            return
        project = os.path.abspath(project_dir or os.getcwd())
        files = list(project_config_files(project))
        if revoke:
            removed = {path: trust.revoke(path) for path in files}
            if as_json:
                click.echo(json.dumps({"project": project, "revoked": [p for p, n in removed.items() if n]}))
                return
            if not any(removed.values()):
                click.echo(f"nothing to revoke: no file of {project} is trusted")
            for path, count in removed.items():
                if count:
                    click.echo(f"revoked: {path} (its sensitive keys are ignored from now on)")
            return
        present = {}
        for path in files:
            try:
                with open(path, "rb") as fh:
                    present[path] = fh.read()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise click.ClickException(f"{path}: cannot be read: {exc}") from None
        if not present:
            raise click.ClickException(
                f"nothing to trust: {project} has no .claude/hookmux.toml or .claude/hookmux.local.toml"
            )
        try:
            before = sensitive_keys(project)
        except Exception as exc:  # noqa: BLE001 - listing is a courtesy; trusting does not depend on it
            print(f"hookmux: cannot list the sensitive keys: {exc}", file=sys.stderr)
            before = []
        trusted = [trust.trust(path, data) for path, data in present.items()]
        # what the trusted content applies now (the files are read again: what was trusted counts)
        still = {(k["key"], k["file"]) for k in sensitive_keys(project)} if before else set()
        applied = [k for k in before if (k["key"], k["file"]) not in still]
        if as_json:
            click.echo(json.dumps({"project": project, "trusted": trusted, "now_applied": applied}, indent=2))
            return
        for entry in trusted:
            click.echo(f"trusted: {entry['path']} ({entry['digest'][:19]}…)")
        if applied:
            click.echo("sensitive keys now applied:")
            for key in applied:
                value = json.dumps(key["value"])
                click.echo(f"  {key['key']} = {value}  ({key['sensitivity']}, {key['file']})")
        click.echo("any change to these files needs `hookmux trust` again; `--revoke` undoes it")
