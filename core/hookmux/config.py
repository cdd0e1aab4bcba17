"""Configuration: user, project and local TOML files, then ``HOOKMUX_*`` variables.

Later sources override earlier ones key by key. Each value remembers where it
came from, so every error names the file (or variable), the key and the reason,
and ``hookmux config show`` can tell the user why a value is what it is. A bad
value never stops the hook: it is reported and its default is used.

File layout::

    [hookmux]                 # the core
    disabled = ["capture"]    # plugins that never run
    handler_timeout = 10.0    # seconds a handler may take unless it declares its own

    [plugins.specstatus]      # one table per plugin, validated by its schema
    enabled = true
    debounce_seconds = 5
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from hookmux.protocol.converter import StructureError, config_converter, structure
from hookmux.state.paths import project_config_files, user_config_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hookmux.state.changes import ChangeHint

PLUGIN_ENV_PREFIX = "HOOKMUX__"
_BOOL_WORDS = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
RESERVED_PLUGIN_KEYS = ("enabled",)


@attrs.frozen(kw_only=True)
class CoreConfig:
    """The ``[hookmux]`` table.

    :ivar disabled: plugin names that never run (``HOOKMUX_DISABLED=a,b``).
    :ivar handler_timeout: seconds a handler may run unless it declares its own.
    :ivar deadline: seconds hookmux may spend on one event in all; by default
        safely under Claude Code's own timeout for that event.
    :ivar metrics: record every routed event and handler run (``HOOKMUX_METRICS``).
    :ivar max_bytes: largest payload stored per event, head and tail kept.
    :ivar compress: store payloads zlib-compressed.
    :ivar store_raw: store event payloads at all (redacted first); off by default.
    :ivar dedupe_ttl: seconds a :meth:`HookContext.dedupe` key is remembered.
    :ivar retention_days: ``hookmux cleanup`` deletes records older than this.
    :ivar max_workers: background workers alive at once, per user.
    :ivar breaker_threshold: consecutive failures that open a handler's breaker.
    :ivar breaker_cooldown: seconds an open breaker waits before one probe run.
    :ivar breaker_window: runs over which the failure rate is measured.
    :ivar breaker_max_failure_rate: failure rate over the window that disables a handler.
    :ivar serve: ``hookmux run`` starts ``hookmux serve`` in the background when it
        answers an event itself (``HOOKMUX_SERVE=0`` also stops relaying to one).
    :ivar serve_port: the loopback port of ``hookmux serve``'s http hooks
        (default 61000 + uid % 4500).
    :ivar serve_idle: seconds without events after which ``hookmux serve`` exits
        (never while a Claude Code session it serves http hooks for is alive).
    :ivar serve_max_body: largest http hook body ``hookmux serve`` reads.
    """

    disabled: tuple[str, ...] = ()
    handler_timeout: float = 10.0
    deadline: float | None = None
    metrics: bool = True
    max_bytes: int = 200_000
    compress: bool = False
    store_raw: bool = False
    dedupe_ttl: float = 3600.0
    retention_days: float = 7.0
    max_workers: int = 2
    breaker_threshold: int = 3
    breaker_cooldown: float = 60.0
    breaker_window: int = 20
    breaker_max_failure_rate: float = 0.5
    serve: bool = True
    serve_port: int | None = None
    serve_idle: float = 1800.0
    serve_max_body: int = 64 * 1024 * 1024


def _immutable(config: Any) -> bool:
    """None, or an instance of a frozen attrs class (the documented kind of config)."""
    if config is None:
        return True
    fields = attrs.fields(type(config)) if attrs.has(type(config)) else ()
    if not fields:
        return False
    try:
        setattr(config, fields[0].name, getattr(config, fields[0].name))
    except attrs.exceptions.FrozenInstanceError:
        return True
    return False


@attrs.frozen(kw_only=True)
class Settings:
    core: CoreConfig = CoreConfig()
    #: raw ``[plugins.<name>]`` tables, merged across sources
    plugin_tables: Mapping[str, Mapping[str, Any]] = attrs.Factory(dict)
    #: "hookmux.handler_timeout" / "plugins.x.key" -> file path or "$VARIABLE"
    sources: Mapping[str, str] = attrs.Factory(dict)
    errors: tuple[str, ...] = ()
    #: (plugin, schema) -> its structured config, when that is immutable: settings live
    #: on in the daemon's cache, and an event need not structure the table again.
    _configs: dict[tuple[str, Any], Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    def plugin_enabled(self, name: str) -> bool:
        if name in self.core.disabled:
            return False
        return self.plugin_tables.get(name, {}).get("enabled", True) is not False

    def plugin_config(self, name: str, schema: type[Any] | None) -> tuple[Any, list[str]]:
        """The plugin's table structured into its schema, or (None, errors)."""
        key = (name, schema)
        if key in self._configs:
            return self._configs[key], []
        config, errors = self._structure_plugin_config(name, schema)
        if not errors and _immutable(config):
            self._configs[key] = config
        return config, errors

    def _structure_plugin_config(self, name: str, schema: type[Any] | None) -> tuple[Any, list[str]]:
        table = {k: v for k, v in self.plugin_tables.get(name, {}).items() if k not in RESERVED_PLUGIN_KEYS}
        if schema is None:
            if table:
                return None, [
                    self._where(f"plugins.{name}") + f": plugins.{name}: plugin {name} takes no settings"
                ]
            return None, []
        try:
            return structure(table, schema, f"plugins.{name}", config_converter()), []
        except StructureError as exc:
            return None, [self._explain(f"plugins.{name}", m) for m in exc.messages]

    def _where(self, key: str) -> str:
        """The source of ``key``: its own, else its nearest table's, else one of its keys'."""
        if key in self.sources:
            return self.sources[key]
        parents = [k for k in self.sources if key.startswith(k + ".")]
        if parents:
            return self.sources[max(parents, key=len)]
        children = sorted(k for k in self.sources if k.startswith(key + "."))
        return self.sources[children[0]] if children else "config"

    def _explain(self, table: str, message: str) -> str:
        field, sep, reason = message.partition(": ")
        if not sep:
            return f"{self._where(table)}: {table}: {message}"
        key = f"{table}.{field.split('[')[0]}"
        if field.startswith("unknown key"):
            return f"{self._where(table)}: {table}: {message}"
        return f"{self._where(key)}: {key}: {reason}"


def _read_toml(path: str, errors: list[str]) -> dict[str, Any]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; tomllib is imported only when a file exists
    except FileNotFoundError:
        return {}
    except OSError as exc:
        errors.append(f"{path}: cannot be read, ignored: {exc}")
        return {}
    import tomllib

    try:
        with fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        errors.append(f"{path}: cannot be read, ignored: {exc}")
        return {}


def _parse_env_value(value: str) -> Any:
    """A variable's value as TOML would read it; plain numbers and words need no parser
    (tomllib imports datetime, ~2 ms, on every event that sets HOOKMUX_* variables)."""
    text = value.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text in ("true", "false"):
        return text == "true"
    if not text or text[0] not in "[{\"'":
        return value
    import tomllib

    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _env_layer(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    layer: dict[str, Any] = {}
    sources: dict[str, str] = {}
    core_fields = {f.name: f for f in attrs.fields(CoreConfig)}
    for var, value in environ.items():
        if var.startswith(PLUGIN_ENV_PREFIX):
            plugin, sep, key = var[len(PLUGIN_ENV_PREFIX) :].partition("__")
            if sep and plugin and key:
                name, key = plugin.lower().replace("_", "-"), key.lower()
                layer.setdefault("plugins", {}).setdefault(name, {})[key] = _parse_env_value(value)
                sources[f"plugins.{name}.{key}"] = f"${var}"
        elif var.startswith("HOOKMUX_") and var[8:].lower() in core_fields:
            key = var[8:].lower()
            parsed: Any = _parse_env_value(value)
            if isinstance(core_fields[key].default, bool) and value.strip().lower() in _BOOL_WORDS:
                parsed = _BOOL_WORDS[value.strip().lower()]
            if key == "disabled" and isinstance(parsed, str):
                parsed = [p.strip() for p in parsed.split(",") if p.strip()]
            layer.setdefault("hookmux", {})[key] = parsed
            sources[f"hookmux.{key}"] = f"${var}"
    return layer, sources


def _merge(
    into: dict[str, Any], layer: Mapping[str, Any], source: str, sources: dict[str, str], prefix: str = ""
) -> None:
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, source, sources, dotted + ".")
        else:
            into[key] = value.copy() if isinstance(value, dict) else value
            if isinstance(value, dict):
                for sub in _flatten(value, dotted + "."):
                    sources[sub] = source
            sources[dotted] = source


def _flatten(table: Mapping[str, Any], prefix: str) -> list[str]:
    out = []
    for key, value in table.items():
        out.append(prefix + key)
        if isinstance(value, dict):
            out.extend(_flatten(value, prefix + key + "."))
    return out


def config_files(project: str | None, environ: Mapping[str, str] = os.environ) -> list[str]:
    files = [user_config_file(environ)]
    if project:
        files.extend(project_config_files(project))
    return files


def load_settings(project: str | None, environ: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate every source for ``project``."""
    errors: list[str] = []
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for path in config_files(project, environ):
        _merge(merged, _read_toml(path, errors), path, sources)
    env_layer, env_sources = _env_layer(environ)
    _merge(merged, env_layer, "", {})
    sources.update(env_sources)

    settings = Settings(sources=sources)
    for key in merged:
        if key not in ("hookmux", "plugins"):
            errors.append(
                f"{settings._where(key)}: {key}: unknown table (expected [hookmux] or [plugins.NAME])"
            )
    core_table = merged.get("hookmux", {})
    plugin_tables = merged.get("plugins", {})
    if not isinstance(plugin_tables, dict):
        errors.append(f"{settings._where('plugins')}: plugins: expected a table of plugin tables")
        plugin_tables = {}
    for name, table in list(plugin_tables.items()):
        if not isinstance(table, dict):
            errors.append(f"{settings._where(f'plugins.{name}')}: plugins.{name}: expected a table")
            del plugin_tables[name]
        elif "enabled" in table and not isinstance(table["enabled"], bool):
            errors.append(
                f"{settings._where(f'plugins.{name}.enabled')}: "
                f"plugins.{name}.enabled: expected true or false"
            )
            del table["enabled"]
    core = CoreConfig()
    if isinstance(core_table, dict):
        core_table = dict(core_table)
        for _ in range(2):  # drop the bad keys once, keep the good ones
            try:
                core = structure(core_table, CoreConfig, "hookmux", config_converter())
                break
            except StructureError as exc:
                for message in exc.messages:
                    errors.append(settings._explain("hookmux", message))
                    field = message.partition(": ")[0].split("[")[0]
                    if message.startswith("unknown key"):
                        for name in list(core_table):
                            if repr(name) in message:
                                core_table.pop(name)
                    core_table.pop(field, None)
        if core.handler_timeout <= 0:
            errors.append(
                f"{settings._where('hookmux.handler_timeout')}: hookmux.handler_timeout: must be positive"
            )
            core = attrs.evolve(core, handler_timeout=CoreConfig().handler_timeout)
    else:
        errors.append(f"{settings._where('hookmux')}: hookmux: expected a table")
    return Settings(
        core=core, plugin_tables=plugin_tables, sources=sources, errors=tuple(dict.fromkeys(errors))
    )


class SettingsCache:
    """:func:`load_settings` for a long-lived process (``hookmux serve``).

    Settings are reused while the config files keep their identity, size and
    times and the ``HOOKMUX_*`` variables are the same, so a changed file takes
    effect at the next event. Files changed within the last few seconds are always
    read again: a second write in the same clock tick cannot hide behind an
    unchanged modification time.

    With ``watch`` (the daemon), inotify watches the config files: while it reports
    nothing, settings already checked are reused without a stat of every file.
    """

    #: Files younger than this are read every time.
    SETTLED = 2.0

    def __init__(self, size: int = 256, watch: bool = False) -> None:
        import threading

        self._entries: dict[Any, Settings] = {}
        self._size = size
        self._lock = threading.Lock()
        self._last: tuple[Mapping[str, str], tuple[tuple[str, str], ...]] | None = None
        self._hint: ChangeHint | None = None
        #: (project, files, variables) -> settings read since the last reported change
        self._checked: dict[Any, Settings] = {}
        self._generation = 0
        if watch:
            from hookmux.state.changes import ChangeHint

            self._hint = ChangeHint()
            if self._hint.fd is None:
                self._hint = None

    def _variables(self, environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """The ``HOOKMUX_*`` variables; remembered for a read-only environment passed
        again and again (the daemon's own, for http hooks)."""
        last = self._last  # one attribute: read and replaced atomically by concurrent events
        if last is not None and last[0] is environ:
            return last[1]
        variables = tuple(sorted((k, v) for k, v in environ.items() if k.startswith("HOOKMUX_")))
        if isinstance(environ, MappingProxyType):  # read-only: the same object means the same content
            self._last = (environ, variables)
        return variables

    def load(self, project: str | None, environ: Mapping[str, str] = os.environ) -> Settings:
        files = config_files(project, environ)
        hint = self._hint
        if hint is None:
            return self._load(project, environ, files)
        key = (project, tuple(files), self._variables(environ))
        with self._lock:
            if hint.maybe_changed():
                self._checked.clear()
                self._generation += 1
            checked = self._checked.get(key)
            generation = self._generation
        if checked is not None:
            return checked
        watched = hint.watch(files)  # before reading: a change from now on is reported
        settings = self._load(project, environ, files)
        with self._lock:
            # Not if a change was reported meanwhile: what was read may be older than it.
            if watched and generation == self._generation:
                if len(self._checked) >= self._size:
                    self._checked.clear()
                self._checked[key] = settings
        return settings

    def _load(self, project: str | None, environ: Mapping[str, str], files: list[str]) -> Settings:
        import time

        stats: list[tuple[int, int, int, int] | None] = []
        now = time.time()
        for path in files:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                stats.append(None)
                continue
            except OSError:
                return load_settings(project, environ)
            if now - st.st_mtime < self.SETTLED:
                return load_settings(project, environ)
            stats.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        key = (project, tuple(files), tuple(stats), self._variables(environ))
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached
        settings = load_settings(project, environ)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = settings
        return settings
