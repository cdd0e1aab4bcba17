"""Find plugins through entry points and describe their handlers as manifest data.

This is the slow path (importlib.metadata, pluggy, every plugin imported), run
once after the installed distributions change; :mod:`hookmux.routing.manifest` keeps
its result.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

import pluggy

from hookmux import __version__
from hookmux.markers import DEFAULT_PRIORITY, STATUSLINE_ATTR, STATUSLINE_MAIN_ATTR
from hookmux.protocol.events import AGENT_EVENTS, AGENTS, HOOKSPEC_TO_EVENT, MATCHER_FIELD
from hookmux.routing.digest import routing_digest
from hookmux.routing.loader import load_target as load_target  # noqa: PLC0414 - re-exported from its old home
from hookmux.routing.manifestfile import FORMAT, Manifest, environment_stamp, read_manifest
from hookmux.routing.matching import compile_matcher
from hookmux.routing.plugins import ENTRY_POINT_GROUP, make_plugin_manager
from hookmux.state.paths import atomic_write, ensure_private_dir


def _source_file(obj: Any) -> str | None:
    name = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
    module = sys.modules.get(str(name))
    path = getattr(module, "__file__", None)
    return os.path.abspath(path) if isinstance(path, str) else None


def describe_plugin(
    name: str, obj: Any, pm: pluggy.PluginManager
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Register ``obj`` on ``pm`` and return (event handlers, all hook names, problems).

    pluggy validates each implementation against its spec (argument names);
    implementations of hooks hookmux does not define are reported.
    """
    pm.register(obj, name=name)
    handlers: list[dict[str, Any]] = []
    hooks: list[str] = []
    problems: list[str] = []
    for caller in pm.get_hookcallers(obj) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is not obj:
                continue
            opts: dict[str, Any] = dict(impl.opts)
            hooks.append(caller.name)
            if caller.spec is None:
                problems.append(f"{impl.function.__name__}: no hookmux hook named {caller.name!r}")
                continue
            event = HOOKSPEC_TO_EVENT.get(caller.name)
            if event is None:
                continue
            matcher = compile_matcher(opts.get("matcher"), event)
            field = MATCHER_FIELD[event] if event in MATCHER_FIELD else AGENT_EVENTS[event]
            if matcher[0] != "all" and field is None and event != "PostToolBatch":
                # Claude Code ignores a matcher on these events; so does hookmux, but says so.
                problems.append(
                    f"{impl.function.__name__}: matcher ignored, {event} events have no matcher field "
                    "(use fields= to filter them)"
                )
                matcher = ("all", None)
            if matcher[0] == "regex":
                import re

                try:
                    re.compile(matcher[1])
                except re.error as exc:
                    problems.append(
                        f"{impl.function.__name__}: matcher {matcher[1]!r} is not a valid regex: {exc}"
                    )
            agents = opts.get("agents")
            unknown = sorted(set(agents or ()) - set(AGENTS))
            if unknown:
                problems.append(
                    f"{impl.function.__name__}: agents {', '.join(map(repr, unknown))} unknown "
                    f"(hookmux answers {', '.join(AGENTS)})"
                )
            handlers.append(
                {
                    "plugin": name,
                    "function": impl.function.__name__,
                    "hook": caller.name,
                    "event": event,
                    "priority": opts.get("priority", DEFAULT_PRIORITY),
                    "matcher": matcher,
                    "paths": opts.get("paths"),
                    "commands": opts.get("commands"),
                    "fields": opts.get("fields"),
                    "timeout": opts.get("timeout"),
                    "fail_closed": bool(opts.get("fail_closed", False)),
                    "background": bool(opts.get("background", False)),
                    "background_key": opts.get("background_key"),
                    "observer": bool(opts.get("observer", False)),
                    "agents": agents,
                }
            )
    return handlers, sorted(set(hooks)), problems


def handler_order(handler: dict[str, Any]) -> tuple[int, str, str]:
    """Priority order: larger priority first, then plugin name, then function name."""
    return (-int(handler["priority"]), handler["plugin"], handler["function"])


def build_manifest(
    found: Iterable[tuple[str, str, str | None, str | None, Callable[[], Any]]],
) -> Manifest:
    """Describe plugins given as (name, target, distribution, version, loader)."""
    plugins: dict[str, dict[str, Any]] = {}
    events: dict[str, list[dict[str, Any]]] = {}
    sources: list[tuple[str, int]] = []
    pm = make_plugin_manager()
    for name, target, dist, version, load in found:
        record: dict[str, Any] = {
            "name": name, "target": target, "dist": dist, "version": version,
            "hooks": [], "events": [], "error": None, "problems": [], "statusline": None,
            "statusline_main": None,
        }  # fmt: skip
        plugins[name] = record
        if pm.has_plugin(name):
            record["error"] = f"another plugin is already registered as {name!r}"
            continue
        try:
            obj = load()
            handlers, hooks, problems = describe_plugin(name, obj, pm)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not hide the others
            record["error"] = f"{type(exc).__name__}: {exc}"
            continue
        record.update(hooks=hooks, problems=problems, events=sorted({h["event"] for h in handlers}))
        record["statusline"] = _statusline(obj, problems)
        record["statusline_main"] = _statusline_main(obj, problems)
        source = _source_file(obj)
        if source:
            try:
                sources.append((source, os.stat(source).st_mtime_ns))
            except OSError:
                pass
        for handler in handlers:
            events.setdefault(handler["event"], []).append(handler)
    for handlers in events.values():
        handlers.sort(key=handler_order)
    manifest = {
        "format": FORMAT,
        "hookmux": __version__,
        "plugins": plugins,
        "events": events,
        "sources": tuple(sources),
    }
    manifest["wiring"] = routing_digest(manifest)
    return manifest


def _statusline(obj: Any, problems: list[str]) -> tuple[str, ...] | None:
    """The plugin's ``HOOKMUX_STATUSLINE``: ``hookmux`` arguments that print its status line."""
    value = getattr(obj, STATUSLINE_ATTR, None)
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    problems.append(f"{STATUSLINE_ATTR} ignored: expected a non-empty list of strings, got {value!r}")
    return None


def _statusline_main(obj: Any, problems: list[str]) -> str | None:
    """The plugin's ``HOOKMUX_STATUSLINE_MAIN``: the ``module:function`` ``hookmux statusline`` calls."""
    value = getattr(obj, STATUSLINE_MAIN_ATTR, None)
    if value is None:
        return None
    module, sep, function = value.partition(":") if isinstance(value, str) else ("", "", "")
    if module and sep and function.isidentifier():
        return str(value)
    problems.append(f"{STATUSLINE_MAIN_ATTR} ignored: expected 'module:function', got {value!r}")
    return None


def installed_plugins() -> list[tuple[str, str, str | None, str | None, Callable[[], Any]]]:
    """Entry points in group ``hookmux``, sorted by name."""
    from importlib.metadata import entry_points

    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        dist = getattr(ep, "dist", None)
        found.append(
            (
                ep.name,
                ep.value,
                dist.metadata["Name"] if dist is not None else None,
                dist.version if dist is not None else None,
                ep.load,
            )
        )
    return found


def rebuild_manifest(path: str) -> Manifest:
    """Scan, describe and store the manifest at ``path`` (under a lock).

    A manifest that cannot be stored (read-only home) is still returned, and
    the failure is reported on stderr.
    """
    from filelock import FileLock, Timeout

    stamp = environment_stamp()  # taken first: an install during the scan means rebuild again
    try:
        ensure_private_dir(os.path.dirname(path))
        lock: FileLock | None = FileLock(path + ".lock", timeout=10)
    except OSError:
        lock = None
    try:
        if lock is not None:
            lock.acquire()
    except (Timeout, OSError):
        lock = None
    try:
        if lock is not None:
            current = read_manifest(path)
            if current is not None:
                return current
        manifest = build_manifest(installed_plugins())
        manifest["stamp"] = stamp
        try:
            atomic_write(path, marshal_dumps(manifest))
        except OSError as exc:
            print(f"hookmux: cannot store the plugin manifest at {path}: {exc}", file=sys.stderr)
        return manifest
    finally:
        if lock is not None:
            lock.release()


def marshal_dumps(manifest: Manifest) -> bytes:
    import marshal

    return marshal.dumps(manifest)
