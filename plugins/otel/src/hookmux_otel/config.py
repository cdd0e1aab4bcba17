"""The ``[plugins.otel]`` table, and where telemetry goes: the standard ``OTEL_*`` variables.

Claude Code removes every ``OTEL_*`` variable from the processes it starts (hooks
included), so the variables a team set for Claude Code's own telemetry are read
where Claude Code reads them: the ``env`` of the user's and the managed
``settings.json`` (never a project's: a repository must not choose where
telemetry goes). The exporting process's own environment (``hookmux serve``
started from a shell, ``hookmux otel export`` in a cron job) comes on top, and
``[plugins.otel]`` keys from the user's config file or ``HOOKMUX__OTEL__*`` on top
of that.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping
from typing import Any, Literal

import attrs

#: The trust model's sensitivity of a key (issue #15): a project file may not set it.
DESTINATION = {"hookmux_trust": "destination"}
SIGNALS = ("traces", "metrics", "logs")
PATHS = {"traces": "v1/traces", "metrics": "v1/metrics", "logs": "v1/logs"}
DEFAULT_ENDPOINT = {"http/protobuf": "http://localhost:4318", "grpc": "http://localhost:4317"}
MANAGED_SETTINGS = "/etc/claude-code/managed-settings.json"


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


@attrs.frozen(kw_only=True)
class Config:
    """The ``[plugins.otel]`` table (``HOOKMUX__OTEL__<KEY>=value`` in the environment).

    :ivar endpoint: the OTLP endpoint (``http://collector:4318``); default
        ``OTEL_EXPORTER_OTLP_ENDPOINT``. Nothing is exported until one is set.
        A destination key: a project's ``.claude/hookmux.toml`` cannot set it.
    :ivar headers: request headers (``{authorization = "Bearer ..."}``); default
        ``OTEL_EXPORTER_OTLP_HEADERS``. A destination key too.
    :ivar protocol: ``http/protobuf`` (default, ``OTEL_EXPORTER_OTLP_PROTOCOL``) or
        ``grpc`` (needs ``hookmux-otel[grpc]``).
    :ivar service_name: the ``service.name`` resource attribute.
    :ivar payload_fields: dotted payload fields exported as span attributes
        (``hookmux.payload.<field>``), taken from the stored payload, which the core
        redacted; needs ``[hookmux] store_raw = true``. None by default.
    :ivar export_interval: seconds between exports under ``hookmux serve``.
    :ivar timeout: seconds one export request may take (retries included).
    :ivar batch_size: hook events per export request.
    :ivar max_backlog: hook events kept waiting for a collector that does not
        answer; beyond it the oldest are dropped, and counted.
    :ivar claude_settings: read the ``OTEL_*`` variables of Claude Code's user and
        managed ``settings.json`` ``env``.
    """

    endpoint: str | None = attrs.field(default=None, metadata=DESTINATION)
    headers: dict[str, str] | None = attrs.field(default=None, metadata=DESTINATION)
    protocol: Literal["http/protobuf", "grpc"] | None = None
    service_name: str = "hookmux"
    payload_fields: tuple[str, ...] = ()
    export_interval: float = attrs.field(default=2.0, validator=_positive)
    timeout: float = attrs.field(default=5.0, validator=_positive)
    batch_size: int = attrs.field(default=256, validator=_positive)
    max_backlog: int = attrs.field(default=10_000, validator=_positive)
    claude_settings: bool = True


@attrs.frozen
class Destination:
    """Where each signal goes, once resolved; ``endpoints`` lacks the signals turned off."""

    protocol: str
    endpoints: Mapping[str, str]
    headers: Mapping[str, str]
    resource: Mapping[str, str]
    temporality: str
    #: where the endpoint came from: "[plugins.otel]", "environment", a settings file
    source: str

    def describe(self) -> dict[str, Any]:
        """For ``hookmux otel status``: header values are never shown."""
        return {
            "protocol": self.protocol,
            "endpoints": dict(self.endpoints),
            "headers": sorted(self.headers),
            "resource": dict(self.resource),
            "source": self.source,
        }


def claude_settings_files(environ: Mapping[str, str]) -> list[str]:
    """Claude Code's user settings, then the managed ones (which win, as in Claude Code)."""
    config_dir = environ.get("CLAUDE_CONFIG_DIR") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".claude"
    )
    return [os.path.join(config_dir, "settings.json"), MANAGED_SETTINGS]


def claude_otel_env(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``OTEL_*`` from the ``env`` of Claude Code's user and managed settings: name -> (value, file)."""
    found: dict[str, tuple[str, str]] = {}
    for path in claude_settings_files(environ):
        try:
            with open(path, encoding="utf-8") as fh:
                env = json.load(fh).get("env")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(env, dict):
            for key, value in env.items():
                if isinstance(key, str) and key.startswith("OTEL_") and isinstance(value, str | int | float):
                    found[key] = (str(value), path)
    return found


def parse_pairs(text: str) -> dict[str, str]:
    """``k1=v1,k2=v2`` with URL-encoded values (``OTEL_EXPORTER_OTLP_HEADERS``,
    ``OTEL_RESOURCE_ATTRIBUTES``); malformed items are skipped, as the SDK does."""
    pairs = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            pairs[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    return pairs


def _signal_url(base: str, signal: str, protocol: str) -> str:
    if protocol == "grpc":
        return base
    return base.rstrip("/") + "/" + PATHS[signal]


def resolve(config: Config, environ: Mapping[str, str], version: str = "") -> Destination | None:
    """Where to send each signal, or None while no endpoint is configured (the plugin is off)."""
    variables: dict[str, tuple[str, str]] = claude_otel_env(environ) if config.claude_settings else {}
    for key, value in environ.items():
        if key.startswith("OTEL_"):
            variables[key] = (value, "environment")

    def var(name: str) -> str | None:
        value = variables.get(name)
        return value[0].strip() if value and value[0].strip() else None

    protocol = config.protocol or var("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf"
    if protocol not in DEFAULT_ENDPOINT:
        protocol = "http/protobuf"
    endpoints: dict[str, str] = {}
    source = ""
    for signal in SIGNALS:
        exporters = var(f"OTEL_{signal.upper()}_EXPORTER")
        if exporters is not None and "otlp" not in [e.strip() for e in exporters.split(",")]:
            continue  # "none", "console", "prometheus": not ours to send
        specific = var(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
        if config.endpoint:
            endpoints[signal] = _signal_url(config.endpoint, signal, protocol)
            source = "[plugins.otel] endpoint"
        elif specific:
            endpoints[signal] = specific
            source = source or variables[f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT"][1]
        elif base := var("OTEL_EXPORTER_OTLP_ENDPOINT"):
            endpoints[signal] = _signal_url(base, signal, protocol)
            source = source or variables["OTEL_EXPORTER_OTLP_ENDPOINT"][1]
    if not endpoints:
        return None
    headers = (
        dict(config.headers)
        if config.headers is not None
        else parse_pairs(var("OTEL_EXPORTER_OTLP_HEADERS") or "")
    )
    resource = parse_pairs(var("OTEL_RESOURCE_ATTRIBUTES") or "")
    resource["service.name"] = config.service_name
    if version:
        resource["service.version"] = version
    temporality = (var("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") or "delta").lower()
    return Destination(protocol, endpoints, headers, resource, temporality, source)


def configured(environ: Mapping[str, str]) -> tuple[Config, Destination | None]:
    """The ``[plugins.otel]`` table of the user's config (no project chooses) and where
    telemetry goes; None while the plugin is off, its table invalid or no endpoint set."""
    from hookmux import __version__
    from hookmux.config import load_settings

    settings = load_settings(None, environ)
    config, errors = settings.plugin_config("otel", Config)
    if errors or not settings.plugin_enabled("otel") or not isinstance(config, Config):
        return Config(), None
    return config, resolve(config, environ, __version__)
