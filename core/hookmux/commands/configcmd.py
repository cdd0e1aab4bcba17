"""``hookmux config show``: the resolved configuration and where each value came from."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import attrs
import click

DEFAULT = "default"
#: hookmux's own notices, configurable like plugins (`[plugins.hookmux-trust] enabled = false`)
BUILT_IN = frozenset({"hookmux-wiring", "hookmux-trust"})


def _plain(value: Any) -> Any:
    if attrs.has(type(value)):
        return {k: _plain(v) for k, v in attrs.asdict(value, recurse=False).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _flatten(table: Mapping[str, Any], prefix: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, Mapping) and value:
            out.extend(_flatten(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _source(sources: Mapping[str, str], key: str) -> str:
    """The file or $VARIABLE that set ``key`` (or a nested table holding it), else "default"."""
    parts = key.split(".")
    root = 2 if parts[0] == "plugins" else 1  # the [hookmux] / [plugins.x] table itself says nothing
    for end in range(len(parts), root, -1):
        found = sources.get(".".join(parts[:end]))
        if found:
            return found
    return DEFAULT


def _plugin_schemas(manifest: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """plugin name -> its config class, for plugins that define one."""
    from hookmux.routing.discovery import load_target
    from hookmux.routing.plugins import make_plugin_manager

    pm = make_plugin_manager()
    problems = []
    for name, record in sorted(manifest["plugins"].items()):
        if record["error"] or "hookmux_config_schema" not in record["hooks"]:
            continue
        try:
            pm.register(load_target(record["target"]), name=name)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not hide the config
            problems.append(f"plugin {name} not loaded: {exc}")
    schemas = {}
    for impl in pm.hook.hookmux_config_schema.get_hookimpls():
        try:
            schemas[impl.plugin_name] = impl.function()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"plugin {impl.plugin_name}: hookmux_config_schema raised {exc!r}")
    return schemas, problems


def resolved_config(project: str) -> dict[str, Any]:
    """Every value with its source, plus the files read and the errors found."""
    from hookmux.config import CoreConfig, config_files, load_settings
    from hookmux.routing.manifest import load_manifest
    from hookmux.state.paths import hookmux_home

    settings = load_settings(project)
    sources = settings.sources
    manifest = load_manifest(hookmux_home())
    schemas, problems = _plugin_schemas(manifest)
    ignored = {i.key: i for i in settings.ignored_keys(schemas)}
    managed = set(settings.managed_files)
    core = [
        _row(f"hookmux.{f.name}", getattr(settings.core, f.name), _source(sources, f"hookmux.{f.name}"),
             ignored, managed)
        for f in attrs.fields(CoreConfig)
    ]  # fmt: skip
    errors = list(settings.errors)
    # a bad value of an untrusted project file was left out (the plugin runs): still an error
    errors += [f"{i.reason} (left out: an untrusted project file)" for i in ignored.values() if i.reason]
    plugins: dict[str, dict[str, Any]] = {}
    for name in sorted(set(manifest["plugins"]) | set(settings.plugin_tables)):
        values: list[dict[str, Any]] = [
            _row(f"plugins.{name}.enabled", settings.plugin_enabled(name),
                 _enabled_source(settings, name), ignored, managed)
        ]  # fmt: skip
        installed = name in manifest["plugins"]
        config, plugin_errors = settings.plugin_config(name, schemas.get(name)) if installed else (None, [])
        errors.extend(plugin_errors)
        table = settings.plugin_tables.get(name, {})
        shown = _plain(config) if config is not None and not plugin_errors else table
        for key, value in _flatten(shown if isinstance(shown, Mapping) else {}, ""):
            if key == "enabled":
                continue
            top = key.split(".")[0]
            source = _source(sources, f"plugins.{name}.{key}") if top in table else DEFAULT
            if f"plugins.{name}.{top}" in ignored:
                source = ignored[f"plugins.{name}.{top}"].in_force
            values.append(_row(f"plugins.{name}.{key}", value, source, ignored, managed))
        if not installed and name not in BUILT_IN:
            errors.append(f"plugins.{name}: configured, but no plugin {name!r} is installed")
        plugins[name] = {"installed": installed, "values": values}
    files = [{"path": p, "exists": os.path.isfile(p)} for p in config_files(project)]
    files += [{"path": p, "exists": True, "managed": True} for p in settings.managed_files]
    untrusted = sorted({i.file for i in ignored.values()})
    return {
        "project": project,
        "files": files,
        "hookmux": core,
        "plugins": plugins,
        "ignored": [attrs.asdict(i) for i in ignored.values()],
        "trust_command": _trust_command(project) if untrusted else None,
        "errors": list(dict.fromkeys(errors + problems)),
    }


def _trust_command(project: str) -> str:
    import shlex

    return f"hookmux trust --project-dir {shlex.quote(project)}"


def _row(key: str, value: Any, source: str, ignored: Mapping[str, Any], managed: set[str]) -> dict[str, Any]:
    """One value for the report: ``managed`` when the managed file set it, ``ignored``
    (what an untrusted project file set instead) when its value was left out."""
    row: dict[str, Any] = {"key": key, "value": _plain(value), "source": source}
    if source in managed:
        row["managed"] = True
    skipped = ignored.get(key)
    if skipped is not None:
        row["ignored"] = {
            "file": skipped.file,
            "value": _plain(skipped.value),
            "sensitivity": skipped.sensitivity,
        }
        if skipped.reason:
            row["ignored"]["reason"] = skipped.reason
    return row


def _enabled_source(settings: Any, name: str) -> str:
    if name in settings.core.required:
        return _source(settings.sources, "hookmux.required")
    if name in settings.core.disabled:
        return _source(settings.sources, "hookmux.disabled")
    if "enabled" in settings.plugin_tables.get(name, {}):
        return _source(settings.sources, f"plugins.{name}.enabled")
    return DEFAULT


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if value is not None else "(none)"


def register(cli: click.Group) -> None:
    @cli.group("config")
    def config_group() -> None:
        """Show hookmux's configuration."""

    @config_group.command("show")
    @click.option(
        "--project-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Project whose .claude/hookmux.toml files apply (default: current directory).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the configuration as JSON for scripts.")
    def show_command(project_dir: str | None, as_json: bool) -> None:
        """The resolved configuration: each value with the file or variable it came from.

        Sources, later overriding earlier key by key: the user file, the
        project's .claude/hookmux.toml, .claude/hookmux.local.toml, HOOKMUX_*
        variables, then the managed file (/etc/hookmux/config.toml), which
        nothing overrides. Plugin values not set anywhere show the plugin's default.
        Sensitive keys (destinations, protections) of a project file the user has
        not trusted (`hookmux trust`) are ignored and marked.
        """
        report = resolved_config(os.path.abspath(project_dir or os.getcwd()))
        if as_json:
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
            return
        click.secho("files (later ones override earlier ones):", bold=True)
        for f in report["files"]:
            click.echo(f"  {f['path']}" + ("" if f["exists"] else "  (absent)"))
        rows: list[tuple[str, Any, dict[str, Any] | None]] = [("[hookmux]", None, None)]
        rows += [(v["key"].split(".", 1)[1], v["value"], v) for v in report["hookmux"]]
        for name, plugin in report["plugins"].items():
            note = "" if plugin["installed"] else "  # not installed"
            rows.append((f"[plugins.{name}]{note}", None, None))
            rows += [(v["key"].split(".", 2)[2], v["value"], v) for v in plugin["values"]]
        width = max((len(f"{k} = {_show(v)}") for k, v, r in rows if r is not None), default=0)
        for key, value, row in rows:
            if row is None:
                click.secho(f"\n{key}", bold=True)
                continue
            line = f"{key} = {_show(value)}"
            source = row["source"]
            note = click.style(f"# {source}", fg="cyan" if source != DEFAULT else None)
            if row.get("managed"):
                note += click.style("  (managed: cannot be overridden)", fg="magenta")
            if row.get("ignored"):
                skipped = row["ignored"]
                why = "invalid" if skipped.get("reason") else f"untrusted {skipped['sensitivity']}"
                note += click.style(
                    f"  (ignored: {_show(skipped['value'])} from {skipped['file']}, {why})", fg="yellow"
                )
            click.echo(f"{line:<{width}}  " + note)
        if report["ignored"]:
            click.secho(
                f"\n{len(report['ignored'])} sensitive key(s) from untrusted project files ignored; "
                f"to apply them, review the files and run: {report['trust_command']}",
                fg="yellow",
            )
        if report["errors"]:
            click.secho("\nerrors:", fg="red", bold=True)
            for error in report["errors"]:
                click.echo(f"  {error}")
