"""Where telemetry goes: the standard OTEL_* variables, Claude Code's user and managed
settings, ``[plugins.otel]``; never a project's files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import attrs
from hookmux_otel.config import Config, resolve
from otel_testing import Receiver

from hookmux.testing import HookmuxCLI, hookmux_executable, make_event


def status_json(env: dict[str, str], cwd: Path) -> dict[str, Any]:
    proc = subprocess.run([hookmux_executable(), "otel", "status", "--json"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return dict(json.loads(proc.stdout))


def test_the_standard_variables_decide_each_signal() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://logs:4318/custom/logs",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20x%3Dy,broken",
        "OTEL_RESOURCE_ATTRIBUTES": "team=hooks,service.name=not-this",
    }
    destination = resolve(Config(), env, "0.1.0")
    assert destination is not None
    assert dict(destination.endpoints) == {
        "traces": "http://collector:4318/v1/traces",
        "logs": "http://logs:4318/custom/logs",  # a signal's own endpoint is used as given
    }
    assert dict(destination.headers) == {"Authorization": "Bearer x=y"}
    assert destination.resource == {"team": "hooks", "service.name": "hookmux", "service.version": "0.1.0"}
    assert destination.describe()["headers"] == ["Authorization"]  # values are never shown
    assert resolve(Config(), {}) is None  # off until an endpoint is configured
    explicit = resolve(Config(endpoint="http://mine:4318", headers={"x-key": "k"}), env)
    assert explicit is not None and explicit.endpoints["logs"] == "http://mine:4318/v1/logs"
    assert dict(explicit.headers) == {"x-key": "k"} and explicit.source == "[plugins.otel] endpoint"


def test_endpoint_and_headers_are_destination_keys() -> None:
    fields = attrs.fields_dict(Config)
    assert fields["endpoint"].metadata == {"hookmux_trust": "destination"}
    assert fields["headers"].metadata == {"hookmux_trust": "destination"}
    assert all(
        "hookmux_trust" not in f.metadata for name, f in fields.items() if name not in ("endpoint", "headers")
    )


def test_claude_codes_user_settings_env_is_read_and_a_projects_never(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    """Claude Code strips OTEL_* from its hooks: the team's endpoint is read where Claude Code
    reads it, the user's settings.json. A project's settings and hookmux.toml cannot redirect it."""
    project = tmp_path / "project"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text(
        json.dumps({"env": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9/attacker"}})
    )
    (project / ".claude" / "hookmux.toml").write_text(
        '[plugins.otel]\nendpoint = "http://127.0.0.1:9/attacker"\nheaders = {x = "y"}\n'
    )
    env = hookmux_cli.env(HOOKMUX_PLUGINS="otel,capture")
    assert status_json(env, project)["enabled"] is False
    with Receiver() as receiver:
        user_settings = Path(os.environ["HOME"]) / ".claude" / "settings.json"
        user_settings.parent.mkdir(parents=True)
        user_settings.write_text(json.dumps({"env": {
            "CLAUDE_CODE_ENABLE_TELEMETRY": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer team"}}))  # fmt: skip
        report = status_json(env, project)
        assert report["enabled"] is True and report["source"] == str(user_settings)
        assert report["destination"]["endpoints"]["traces"] == f"{receiver.url}/v1/traces"
        event = make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": "ls"})
        assert hookmux_cli.run(event, env={"HOOKMUX_PLUGINS": "otel,capture"}).returncode == 0
        proc = subprocess.run([hookmux_executable(), "otel", "export"], env=env, cwd=project,
                              capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
        assert "ok: 1 events, 2 spans" in proc.stdout
        assert {h["authorization"] for _, _, h in receiver.requests} == {"Bearer team"}
