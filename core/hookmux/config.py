"""Configuration: user, project and local TOML files, then ``HOOKMUX_*`` variables.

Later sources override earlier ones key by key: the user file, the project's
``.claude/hookmux.toml`` and ``.claude/hookmux.local.toml``, ``HOOKMUX_*``
variables, then the managed file (``/etc/hookmux/config.toml``), which nothing
overrides. Each value remembers where it came from, so every error names the file
(or variable), the key and the reason, and ``hookmux config show`` can tell the
user why a value is what it is. A bad value never stops the hook: it is reported
and its default is used.

Trust: a repository is untrusted input. Every key is declared ``plain``, a
``destination`` (where data goes: a path, a URL, a host) or a ``protection``
(turning a guard off, a weaker limit) in its field's attrs metadata under
``"hookmux_trust"`` (:func:`destination`, :func:`protection`). A sensitive key
from a project file applies only while the user trusts that file's exact content
(``hookmux trust``, :mod:`hookmux.state.trust`); otherwise the value of the
other sources stays in force and the key is listed in :attr:`Settings.ignored`
(plugin keys: :meth:`Settings.ignored_keys`). A value equal to the one in force
anyway needs no trust. The check is one ``stat``, made only for such a key.

File layout::

    [hookmux]                 # the core
    disabled = ["capture"]    # plugins that never run
    handler_timeout = 10.0    # seconds a handler may take unless it declares its own

    [plugins.specstatus]      # one table per plugin, validated by its schema
    enabled = true
    debounce_seconds = 5

The managed file may also say ``[hookmux] required = ["metadata"]``: those plugins
run whatever the other sources say.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from hookmux.protocol.converter import StructureError, config_converter, structure
from hookmux.state.paths import managed_config_files, project_config_files, user_config_file

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

#: The attrs metadata key under which a config field declares its sensitivity.
TRUST_KEY = "hookmux_trust"
#: Optional, beside a protection: ``safer(value, in_force) -> bool``, True when a project's
#: value is at least as safe as the one in force (it then applies without trust).
SAFER_KEY = "hookmux_trust_safer"
#: where data goes: a path, a URL, a host or port
DESTINATION = "destination"
#: what keeps the user safe: turning a plugin, handler or check off, fail_closed, a weaker limit
PROTECTION = "protection"
#: anything else: applies from a project file as from any other
PLAIN = "plain"
SENSITIVITIES = (DESTINATION, PROTECTION, PLAIN)

#: Kinds of source, in the order they apply.
USER, PROJECT, ENV, MANAGED = "user", "project", "env", "managed"


def destination(safer: Callable[[Any, Any], bool] | None = None) -> dict[str, Any]:
    """Field metadata: the key names where data goes (a path, a URL, a host).

    :param safer: as for :func:`protection`, e.g. a value that sends nothing anywhere.
    """
    return {TRUST_KEY: DESTINATION} if safer is None else {TRUST_KEY: DESTINATION, SAFER_KEY: safer}


def protection(safer: Callable[[Any, Any], bool] | None = None) -> dict[str, Any]:
    """Field metadata: the key can turn a protection off or weaken a limit.

    :param safer: ``safer(value, in_force)`` is True when a project file's ``value``
        (as TOML gives it: a list, not a tuple) is at least as safe as the value in
        force without it (None when there is none), e.g. ``lambda v, _: v is True``
        for a check a repository may turn on but not off. Such a value applies
        without trust; any other needs it.
    """
    return {TRUST_KEY: PROTECTION} if safer is None else {TRUST_KEY: PROTECTION, SAFER_KEY: safer}


def plain() -> dict[str, str]:
    """Field metadata: the key is harmless from a repository (declared, not guessed)."""
    return {TRUST_KEY: PLAIN}


# Names and values that say "a place" in a field that declares nothing.
_PLACE_WORDS = frozenset(
    {"dir", "directory", "path", "file", "url", "uri", "host", "endpoint", "socket", "address", "server"}
)


def _looks_like_place(value: Any) -> bool:
    """An absolute or home path, a way out of a directory (``..``) or a URL."""
    if isinstance(value, str):
        parts = value.replace("\\", "/").split("/")
        return "://" in value or value.startswith(("/", "~", "\\")) or ".." in parts
    if isinstance(value, (list, tuple)):
        return any(_looks_like_place(v) for v in value)
    if isinstance(value, dict):
        return any(_looks_like_place(v) for v in value.values())
    return False


def key_sensitivity(field: attrs.Attribute[Any] | None, name: str, value: Any) -> str:
    """How sensitive the key ``name`` is: as its ``field`` declares (``"hookmux_trust"``
    metadata), else ``destination`` when its type, its name or ``value`` says it is a
    path or a URL, else ``plain``."""
    if field is not None:
        declared = field.metadata.get(TRUST_KEY)
        if declared in SENSITIVITIES:
            return str(declared)
        kind = str(field.type).lower()
        if "path" in kind or "url" in kind:
            return DESTINATION
    words = set(name.lower().split("_"))
    if words & _PLACE_WORDS or _looks_like_place(value):
        return DESTINATION
    return PLAIN


@attrs.frozen
class Layer:
    """One source of settings: a file's (or the environment's) tables."""

    source: str
    #: USER, PROJECT, ENV or MANAGED
    kind: str
    table: Mapping[str, Any]
    #: a project file's bytes (its trust is for this exact content)
    data: bytes = b""


@attrs.frozen
class IgnoredKey:
    """A sensitive key an untrusted project file sets, not applied."""

    #: dotted: ``plugins.capture.directory``
    key: str
    #: the untrusted file
    file: str
    value: Any
    #: DESTINATION or PROTECTION
    sensitivity: str
    #: where the value in force comes from instead (a file, ``$VARIABLE`` or ``default``)
    in_force: str
    #: set when the key was left out because its value is invalid (any key of an untrusted
    #: file: a repository must not turn a plugin off with a bad value)
    reason: str = ""


_ABSENT: Any = object()


def harmless_for(field: attrs.Attribute[Any] | None) -> Callable[[Any, Any], bool]:
    """Whether a project's value needs no trust: equal to the one in force, or safer by
    the field's own ``safer`` predicate."""
    safer = field.metadata.get(SAFER_KEY) if field is not None else None

    def harmless(value: Any, in_force: Any) -> bool:
        if _same(value, in_force):
            return True
        if not callable(safer):
            return False
        try:
            return bool(safer(value, None if in_force is _ABSENT else in_force))
        except Exception:  # noqa: BLE001 - a broken predicate proves nothing safe
            return False

    return harmless


def _same(a: Any, b: Any) -> bool:
    """Equal as config values (a TOML array equals a tuple default)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):  # True == 1, but not as a setting
        return type(a) is type(b) and a == b
    return bool(a == b)


def _field_default(field: attrs.Attribute[Any] | None) -> Any:
    if field is None or field.default is attrs.NOTHING:
        return _ABSENT
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return _ABSENT if default.takes_self else default.factory()
    return default


def _disables_nothing_more(value: Any, fallback: Any) -> bool:
    """``[hookmux] disabled``: a project may re-enable plugins, not turn more off."""
    if not isinstance(value, (list, tuple)):
        return False
    return set(value) <= set(fallback if isinstance(fallback, (list, tuple)) else ())


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
        (default: the home's own, see :mod:`hookmux.state.ports`).
    :ivar serve_idle: seconds without events after which ``hookmux serve`` exits
        (never while a Claude Code session it serves http hooks for is alive).
    :ivar serve_max_body: largest http hook body ``hookmux serve`` reads.
    :ivar required: plugins that always run (the managed file only).
    """

    # A project file may re-enable plugins (a subset of `disabled`), not turn more off.
    disabled: tuple[str, ...] = attrs.field(default=(), metadata=protection(safer=_disables_nothing_more))
    # Shorter limits let a guard time out (fail open) or trip its breaker.
    handler_timeout: float = attrs.field(default=10.0, metadata=protection())
    deadline: float | None = attrs.field(default=None, metadata=protection())
    metrics: bool = attrs.field(default=True, metadata=plain())
    max_bytes: int = attrs.field(default=200_000, metadata=plain())
    compress: bool = attrs.field(default=False, metadata=plain())
    # Payloads hold prompts, tool input and output: storing them exposes them.
    store_raw: bool = attrs.field(default=False, metadata=protection(safer=lambda v, _: v is False))
    dedupe_ttl: float = attrs.field(default=3600.0, metadata=plain())
    retention_days: float = attrs.field(default=7.0, metadata=protection())
    max_workers: int = attrs.field(default=2, metadata=plain())
    breaker_threshold: int = attrs.field(default=3, metadata=protection())
    breaker_cooldown: float = attrs.field(default=60.0, metadata=protection())
    breaker_window: int = attrs.field(default=20, metadata=protection())
    breaker_max_failure_rate: float = attrs.field(default=0.5, metadata=protection())
    serve: bool = attrs.field(default=True, metadata=plain())
    serve_port: int | None = attrs.field(default=None, metadata=destination())
    serve_idle: float = attrs.field(default=1800.0, metadata=plain())
    serve_max_body: int = attrs.field(default=64 * 1024 * 1024, metadata=plain())
    #: set by the managed file only: plugins that run whatever other sources say
    required: tuple[str, ...] = attrs.field(default=(), metadata=protection())


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
    #: every source read, in the order they apply
    layers: tuple[Layer, ...] = ()
    #: the core's keys and plugins' ``enabled`` that untrusted project files set, not applied
    ignored: tuple[IgnoredKey, ...] = ()
    #: the trust store (:func:`hookmux.state.trust.trust_dir`)
    trust_directory: str = ""
    #: (plugin, schema) -> its structured config, when that is immutable: settings live
    #: on in the daemon's cache, and an event need not structure the table again.
    _configs: dict[tuple[str, Any], Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    #: layer index -> whether the user trusts that project file (asked once)
    _trusted: dict[int, bool] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    #: plugin -> invalid keys of untrusted project files left out of its config
    _invalid: dict[str, list[IgnoredKey]] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    def plugin_enabled(self, name: str) -> bool:
        if name in self.core.required:
            return True
        if name in self.core.disabled:
            return False
        return self.plugin_tables.get(name, {}).get("enabled", True) is not False

    @property
    def managed_files(self) -> tuple[str, ...]:
        """The managed files that were read (their keys win over every other source)."""
        return tuple(layer.source for layer in self.layers if layer.kind == MANAGED)

    def plugin_config(self, name: str, schema: type[Any] | None) -> tuple[Any, list[str]]:
        """The plugin's table structured into its schema, or (None, errors)."""
        key = (name, schema)
        if key in self._configs:
            return self._configs[key], []
        config, errors = self._structure_plugin_config(name, schema)
        if not errors and _immutable(config):
            self._configs[key] = config
        return config, errors

    def ignored_keys(self, schemas: Mapping[str, type[Any] | None] | None = None) -> list[IgnoredKey]:
        """Every sensitive key an untrusted project file sets, not applied: the core's, and
        each plugin's (judged by its schema in ``schemas``, else by name and value)."""
        found = list(self.ignored)
        for name in self.plugin_tables:
            found.extend(self.plugin_table(name, (schemas or {}).get(name))[1])
            if schemas is not None and name in schemas:
                self.plugin_config(name, schemas[name])
                found.extend(self._invalid.get(name, ()))
        return found

    def plugin_table(self, name: str, schema: type[Any] | None) -> tuple[dict[str, Any], list[IgnoredKey]]:
        """The plugin's merged table (without ``enabled``) as it applies, and the keys of
        untrusted project files left out of it."""
        merged = self.plugin_tables.get(name, {})
        table = {k: v for k, v in merged.items() if k not in RESERVED_PLUGIN_KEYS}
        if not any(layer.kind == PROJECT for layer in self.layers):
            return table, []
        fields = attrs.fields_dict(schema) if schema is not None and attrs.has(schema) else {}
        ignored: list[IgnoredKey] = []
        for key in list(table):
            resolved = self._resolve_project_key(("plugins", name, key), fields.get(key))
            if resolved is None:
                continue
            present, value, skipped = resolved
            if present:
                table[key] = value
            else:
                del table[key]
            ignored.extend(skipped)
        return table, ignored

    def _resolve_project_key(
        self, path: tuple[str, ...], field: Any
    ) -> tuple[bool, Any, list[IgnoredKey]] | None:
        """The key at ``path`` by its declared sensitivity (see :meth:`_resolve`), or None
        when no project file sets it (then it applies as merged)."""
        contributions = self._contributions(path)
        if not any(self.layers[i].kind == PROJECT for i, _ in contributions):
            return None
        key = path[-1]
        return self._resolve(
            ".".join(path),
            contributions,
            lambda value: key_sensitivity(field, key, value),
            _field_default(field),
            harmless_for(field),
        )

    def _contributions(self, path: tuple[str, ...]) -> list[tuple[int, Any]]:
        """(layer index, value) of each layer that sets the key at ``path``."""
        out = []
        for index, layer in enumerate(self.layers):
            node: Any = layer.table
            for part in path:
                node = node.get(part, _ABSENT) if isinstance(node, Mapping) else _ABSENT
            if node is not _ABSENT:
                out.append((index, node))
        return out

    def _is_trusted(self, index: int) -> bool:
        known = self._trusted.get(index)
        if known is None:
            from hookmux.state.trust import is_trusted

            layer = self.layers[index]
            known = self._trusted[index] = is_trusted(layer.source, layer.data, self.trust_directory)
        return known

    def _resolve(
        self,
        key: str,
        contributions: list[tuple[int, Any]],
        sensitivity: Callable[[Any], str],
        default: Any,
        harmless: Callable[[Any, Any], bool] = _same,
    ) -> tuple[bool, Any, list[IgnoredKey]]:
        """The value of ``key`` once the sensitive values of untrusted project files are
        left out: (set at all, value, what was left out and would have been in force)."""
        allowed: list[tuple[int, Any]] = []
        skipped: list[tuple[int, Any, str]] = []
        for index, value in contributions:
            if self.layers[index].kind == PROJECT:
                kind = sensitivity(value)
                if kind != PLAIN:
                    present, current = _combine(allowed)
                    if not harmless(value, current if present else default) and not self._is_trusted(index):
                        skipped.append((index, value, kind))
                        continue
            allowed.append((index, value))
        present, value = _combine(allowed)
        last = allowed[-1][0] if allowed else -1
        in_force = "default"
        if allowed:
            layer = self.layers[last]
            in_force = self.sources.get(key, "environment") if layer.kind == ENV else layer.source
        ignored = [
            IgnoredKey(key, self.layers[i].source, v, kind, in_force) for i, v, kind in skipped if i > last
        ]
        return present, value, ignored

    def _structure_plugin_config(self, name: str, schema: type[Any] | None) -> tuple[Any, list[str]]:
        table = self.plugin_table(name, schema)[0]
        config, errors = self._structure_table(name, schema, table)
        if errors:
            # Invalid: the plugin would sit the event out. A repository must not turn a
            # plugin off that way, so what untrusted project files set is left out.
            safe, dropped = self._without_untrusted(name, schema, table)
            if dropped:
                config, safe_errors = self._structure_table(name, schema, safe)
                if not safe_errors:
                    reason = "; ".join(errors)
                    self._invalid[name] = [attrs.evolve(d, reason=reason) for d in dropped]
                    return config, []
        return config, errors

    def _without_untrusted(
        self, name: str, schema: type[Any] | None, table: dict[str, Any]
    ) -> tuple[dict[str, Any], list[IgnoredKey]]:
        fields = attrs.fields_dict(schema) if schema is not None and attrs.has(schema) else {}
        safe = dict(table)
        dropped: list[IgnoredKey] = []
        for key in table:
            contributions = self._contributions(("plugins", name, key))
            if not any(self.layers[i].kind == PROJECT for i, _ in contributions):
                continue
            field = fields.get(key)
            present, value, skipped = self._resolve(
                f"plugins.{name}.{key}",
                contributions,
                lambda _v: PROTECTION,  # any value of an untrusted file, here
                _field_default(field),
            )
            if not skipped:
                continue
            if present:
                safe[key] = value
            else:
                del safe[key]
            dropped.extend(attrs.evolve(k, sensitivity=key_sensitivity(field, key, k.value)) for k in skipped)
        return safe, dropped

    def _structure_table(
        self, name: str, schema: type[Any] | None, table: dict[str, Any]
    ) -> tuple[Any, list[str]]:
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


def _read_toml(path: str, errors: list[str]) -> tuple[dict[str, Any], bytes]:
    """The file's tables and its bytes ({} and b"" when it is absent or unreadable)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return {}, b""
    except OSError as exc:
        errors.append(f"{path}: cannot be read, ignored: {exc}")
        return {}, b""
    import tomllib  # only when a file exists

    try:
        return tomllib.loads(data.decode("utf-8")), data
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        errors.append(f"{path}: cannot be read, ignored: {exc}")
        return {}, data


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
            # a copy: merging a later layer must not change this layer's own tables
            into[key] = _copy_tables(value) if isinstance(value, dict) else value
            if isinstance(value, dict):
                for sub in _flatten(value, dotted + "."):
                    sources[sub] = source
            sources[dotted] = source


def _copy_tables(table: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _copy_tables(v) if isinstance(v, dict) else v for k, v in table.items()}


def _combine(contributions: list[tuple[int, Any]]) -> tuple[bool, Any]:
    """(set at all, value) of one key from the layers that set it, in order: tables
    merged key by key as :func:`load_settings` merges, anything else the last one."""
    if not contributions:
        return False, None
    value = contributions[-1][1]
    if isinstance(value, dict):
        merged: dict[str, Any] = {}
        for _, v in contributions:
            if isinstance(v, dict):
                _merge(merged, v, "", {})
            else:
                merged = {}
        return True, merged
    return True, value


def _flatten(table: Mapping[str, Any], prefix: str) -> list[str]:
    out = []
    for key, value in table.items():
        out.append(prefix + key)
        if isinstance(value, dict):
            out.extend(_flatten(value, prefix + key + "."))
    return out


def config_files(project: str | None, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The user file and the project's files, in the order they apply (the managed
    files, :func:`hookmux.state.paths.managed_config_files`, apply last)."""
    files = [user_config_file(environ)]
    if project:
        files.extend(project_config_files(project))
    return files


def watched_paths(project: str | None, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Everything settings depend on: the config files, the managed files, the trust store."""
    from hookmux.state.trust import trust_dir

    return [*config_files(project, environ), *managed_config_files(environ), trust_dir(environ)]


def _read_layers(project: str | None, environ: Mapping[str, str], errors: list[str]) -> list[Layer]:
    user = user_config_file(environ)
    layers = [Layer(user, USER, _read_toml(user, errors)[0])]
    if project:
        for path in project_config_files(project):
            table, data = _read_toml(path, errors)
            _drop_non_tables(table, path, errors)
            if table:
                layers.append(Layer(path, PROJECT, table, data))
    env_layer, _ = _env_layer(environ)
    if env_layer:
        layers.append(Layer("environment", ENV, env_layer))
    # read last, applied last: /etc/hookmux/config.toml after the variable's file
    for path in managed_config_files(environ):
        table = _read_toml(path, errors)[0]
        if table:
            layers.append(Layer(path, MANAGED, table))
    return layers


def _drop_non_tables(table: dict[str, Any], path: str, errors: list[str]) -> None:
    """A project file's value where a table belongs would replace the user's whole table
    (and with it what the user set up): it is dropped, with an error."""
    plugins = table.get("plugins")
    for key, parent in (("hookmux", table), ("plugins", table)):
        if key in parent and not isinstance(parent[key], dict):
            errors.append(f"{path}: {key}: expected a table; ignored")
            del parent[key]
    if isinstance(plugins, dict):
        for name in [n for n, v in plugins.items() if not isinstance(v, dict)]:
            errors.append(f"{path}: plugins.{name}: expected a table; ignored")
            del plugins[name]


def load_settings(project: str | None, environ: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate every source for ``project``."""
    from hookmux.state.trust import trust_dir

    errors: list[str] = []
    layers = _read_layers(project, environ, errors)
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    env_sources = _env_layer(environ)[1]
    for layer in layers:
        if layer.kind == ENV:
            _merge(merged, layer.table, "", {})
            sources.update(env_sources)
        else:
            _merge(merged, layer.table, layer.source, sources)

    # trust: resolve the core's keys and plugins' `enabled` that project files set
    draft = Settings(sources=sources, layers=tuple(layers), trust_directory=trust_dir(environ))
    ignored: list[IgnoredKey] = []
    core_table = merged.get("hookmux", {})
    core_fields = attrs.fields_dict(CoreConfig)
    if isinstance(core_table, dict):
        for index, layer in enumerate(layers):
            table = layer.table.get("hookmux")
            if layer.kind != MANAGED and isinstance(table, dict) and "required" in table:
                errors.append(
                    f"{layer.source if layer.kind != ENV else '$HOOKMUX_REQUIRED'}: hookmux.required: "
                    "only the managed file (/etc/hookmux/config.toml) sets it; ignored"
                )
                del draft.layers[index].table["hookmux"]["required"]
        required = draft._contributions(("hookmux", "required"))
        if required:
            core_table["required"] = required[-1][1]
            sources["hookmux.required"] = layers[required[-1][0]].source
        else:
            core_table.pop("required", None)
            sources.pop("hookmux.required", None)
        if any(layer.kind == PROJECT for layer in layers):
            for key in list(core_table):
                field = core_fields.get(key)
                resolved = None if field is None else draft._resolve_project_key(("hookmux", key), field)
                if resolved is None:
                    continue
                present, value, skipped = resolved
                if skipped:
                    _revert(core_table, sources, f"hookmux.{key}", key, present, value, skipped[0].in_force)
                ignored.extend(skipped)
    plugin_tables = merged.get("plugins", {})
    if isinstance(plugin_tables, dict) and any(layer.kind == PROJECT for layer in layers):
        for name, table in plugin_tables.items():
            if not isinstance(table, dict) or "enabled" not in table:
                continue
            contributions = draft._contributions(("plugins", name, "enabled"))
            present, value, skipped = draft._resolve(
                f"plugins.{name}.enabled",
                contributions,
                lambda v: PROTECTION if v is False else PLAIN,
                True,
            )
            if skipped:
                dotted = f"plugins.{name}.enabled"
                _revert(table, sources, dotted, "enabled", present, value, skipped[0].in_force)
            ignored.extend(skipped)

    settings = Settings(sources=sources)
    for key in merged:
        if key not in ("hookmux", "plugins"):
            errors.append(
                f"{settings._where(key)}: {key}: unknown table (expected [hookmux] or [plugins.NAME])"
            )
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
                    field_name = message.partition(": ")[0].split("[")[0]
                    if message.startswith("unknown key"):
                        for name in list(core_table):
                            if repr(name) in message:
                                core_table.pop(name)
                    core_table.pop(field_name, None)
        if core.handler_timeout <= 0:
            errors.append(
                f"{settings._where('hookmux.handler_timeout')}: hookmux.handler_timeout: must be positive"
            )
            core = attrs.evolve(core, handler_timeout=CoreConfig().handler_timeout)
    else:
        errors.append(f"{settings._where('hookmux')}: hookmux: expected a table")
    settings = Settings(
        core=core,
        plugin_tables=plugin_tables,
        sources=sources,
        errors=tuple(dict.fromkeys(errors)),
        layers=tuple(layers),
        ignored=tuple(ignored),
        trust_directory=draft.trust_directory,
    )
    settings._trusted.update(draft._trusted)  # each file's trust is looked up once
    return settings


def _revert(
    table: dict[str, Any],
    sources: dict[str, str],
    dotted: str,
    key: str,
    present: bool,
    value: Any,
    in_force: str,
) -> None:
    """Put the value in force back in place of an ignored one, with its source."""
    for sub in [k for k in sources if k.startswith(dotted + ".")]:
        del sources[sub]
    if present:
        table[key] = value
        sources[dotted] = in_force
    else:
        table.pop(key, None)
        sources.pop(dotted, None)


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
        #: (project, the variables paths depend on) -> :func:`watched_paths`
        self._paths: dict[tuple[str | None, str | None, str | None, str | None], list[str]] = {}
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
        # Keys first, then the few values: a relayed environment is a new dict per event,
        # scanned every time (a quarter cheaper than testing every item).
        variables = tuple(sorted([(k, environ[k]) for k in environ if k[:8] == "HOOKMUX_"]))
        if isinstance(environ, MappingProxyType):  # read-only: the same object means the same content
            self._last = (environ, variables)
        return variables

    def _watched(self, project: str | None, environ: Mapping[str, str]) -> list[str]:
        """:func:`watched_paths`, worked out once per project and the variables they depend on."""
        key = (
            project,
            environ.get("XDG_CONFIG_HOME"),
            environ.get("HOOKMUX_MANAGED_CONFIG"),
            os.environ.get("HOME"),  # expanduser's
        )
        found = self._paths.get(key)
        if found is None:
            found = watched_paths(project, environ)
            if len(self._paths) >= self._size:
                self._paths.clear()
            self._paths[key] = found
        return found

    def load(self, project: str | None, environ: Mapping[str, str] = os.environ) -> Settings:
        files = self._watched(project, environ)
        hint = self._hint
        if hint is None:
            return self._load(project, environ, files)
        key = (project, tuple(files), self._variables(environ))
        if hint.quiet():  # no lock while nothing changed
            checked = self._checked.get(key)
            if checked is not None:
                return checked
        with self._lock:
            with hint.news() as news:
                if news:
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
