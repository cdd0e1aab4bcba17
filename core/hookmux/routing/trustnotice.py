"""The SessionStart notice that a project file's sensitive keys were ignored.

A sensitive key (a destination or a protection, :mod:`hookmux.config`) from a
project's ``.claude/hookmux.toml`` or ``.claude/hookmux.local.toml`` applies only
once the user trusts the file (``hookmux trust``). Ignoring it silently would
leave the user guessing, and saying it on every event would be noise: on
SessionStart, when the project has such a file, :mod:`hookmux.entry.route` adds
this built-in handler, which answers one ``systemMessage`` naming the keys, the
file and the command, once per session and file content (``ctx.dedupe``). It
runs through the normal dispatch, so the notice merges with the plugins' own
SessionStart answers; ``[plugins.hookmux-trust] enabled = false`` in the user
file silences it (a project file cannot: turning something off is a protection).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hookmux import hookimpl
from hookmux.protocol.answers import SessionStartAnswer
from hookmux.routing.context import HookContext
from hookmux.state.paths import project_config_files

PLUGIN = "hookmux-trust"
#: Seconds a notice is remembered for one session and file content (a long session).
REMEMBER = 30 * 24 * 3600.0

HANDLER: dict[str, Any] = {
    "plugin": PLUGIN,
    "function": "hookmux_session_start",
    "hook": "hookmux_session_start",
    "event": "SessionStart",
    "priority": 999_999,  # right after the wiring notice; never the text cut to fit
    "matcher": ("all", None),
    "paths": None,
    "commands": None,
    "fields": None,
    "timeout": 5.0,
    "fail_closed": False,
}


def project_has_config(project: str) -> bool:
    """Whether ``project`` has a hookmux file at all (two ``stat`` calls)."""
    return any(os.path.exists(path) for path in project_config_files(project))


def plugin_schemas(manifest: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """name -> config class of the installed plugins among ``names`` that declare one."""
    from hookmux.routing.loader import load_target

    schemas: dict[str, Any] = {}
    for name in names:
        record = manifest.get("plugins", {}).get(name)
        if not record or record.get("error") or "hookmux_config_schema" not in record.get("hooks", ()):
            continue
        try:
            schemas[name] = load_target(record["target"]).hookmux_config_schema()
        except Exception:  # noqa: BLE001, S112 - a broken plugin is reported elsewhere; judged by name and value
            continue
    return schemas


def notice(ignored: Sequence[Any], project: str) -> str:
    """One line: which keys of which files were ignored, and the command that trusts them."""
    by_file: dict[str, list[str]] = {}
    for key in ignored:
        by_file.setdefault(key.file, []).append(key.key + (" (invalid)" if key.reason else ""))
    parts = [f"{', '.join(dict.fromkeys(keys))} from {path}" for path, keys in by_file.items()]
    return (
        f"hookmux: ignored {'; '.join(parts)}: sensitive settings (destinations, protections) of an "
        f"untrusted project file. Review the file, then run `hookmux trust --project-dir "
        f"{shlex.quote(project)}` to apply them."
    )


class _Notice:
    """The built-in plugin object (registered with pluggy like any plugin)."""

    def __init__(self, manifest: Mapping[str, Any]) -> None:
        self.manifest = manifest

    @hookimpl
    def hookmux_session_start(self, ctx: HookContext) -> SessionStartAnswer | None:
        from hookmux.config import load_settings
        from hookmux.state.trust import content_digest

        settings = load_settings(ctx.project_dir, ctx.environ)
        schemas = plugin_schemas(self.manifest, list(settings.plugin_tables))
        ignored = settings.ignored_keys(schemas)
        if not ignored:
            return None
        digests = {layer.source: content_digest(layer.data) for layer in settings.layers}
        session = ctx.raw.get("session_id")
        # once per session and file content: a changed file is told again
        files = dict.fromkeys(key.file for key in ignored)
        told = {f for f in files if ctx.dedupe(f"{session}:{f}:{digests.get(f, '')}", ttl=REMEMBER)}
        fresh = [key for key in ignored if key.file in told]
        if not fresh:
            return None
        return SessionStartAnswer(system_message=notice(fresh, ctx.project_dir))


def with_notice(
    handlers: Sequence[Mapping[str, Any]],
    manifest: Mapping[str, Any],
    resolver: Callable[[str], Any] | None = None,
) -> tuple[list[Mapping[str, Any]], Callable[[str], Any]]:
    """``handlers`` with the notice among them (by priority), and a resolver that knows it."""
    plugins = manifest.get("plugins", {})

    def resolve(name: str) -> Any:
        if name == PLUGIN:
            return _Notice(manifest)
        if resolver is not None:
            return resolver(name)
        from hookmux.routing.loader import load_target

        return load_target(plugins[name]["target"])

    at = next((i for i, h in enumerate(handlers) if int(h.get("priority") or 0) < HANDLER["priority"]), None)
    ordered = list(handlers)
    ordered.insert(len(ordered) if at is None else at, HANDLER)
    return ordered, resolve
