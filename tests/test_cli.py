"""The ``hookmux`` command line besides ``run``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hookmux import __version__
from hookmux.testing import HookmuxCLI, hookmux_executable


def hookmux(cli: HookmuxCLI, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [hookmux_executable(), *args], env=cli.env(), capture_output=True, text=True, check=False, cwd=cwd
    )


def test_version_and_help(hookmux_cli: HookmuxCLI) -> None:
    assert hookmux(hookmux_cli, "--version").stdout.strip() == f"hookmux, version {__version__}"
    helped = hookmux(hookmux_cli, "--help")
    assert helped.returncode == 0 and "plugins" in helped.stdout and "run" in helped.stdout


def test_usage_errors_exit_64_never_2(hookmux_cli: HookmuxCLI) -> None:
    """Claude Code reads exit 2 as a block, so a mistyped hook command must not exit 2."""
    for args in (["no-such-command"], ["plugins", "--no-such-option"]):
        result = hookmux(hookmux_cli, *args)
        assert result.returncode == 64, (args, result.stderr)
        assert "Error" in result.stderr


def test_plugin_commands_are_added_to_the_cli(hookmux_cli: HookmuxCLI) -> None:
    """alpha's hookmux_register_commands adds `hookmux hmtest-alpha`."""
    assert "hmtest-alpha" in hookmux(hookmux_cli, "--help").stdout
    result = hookmux(hookmux_cli, "hmtest-alpha", "tester")
    assert (result.returncode, result.stdout) == (0, "alpha says hello to tester\n")


def test_plugins_json_lists_events_matchers_priorities(hookmux_cli: HookmuxCLI, project: Path) -> None:
    user = hookmux_cli.config_home / "hookmux" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("[plugins.beta]\nenabled = false\n")
    result = hookmux(hookmux_cli, "plugins", "--json", "--project-dir", str(project))
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert {"alpha", "beta", "faulty", "guarded"} <= set(plugins)
    alpha = plugins["alpha"]
    assert alpha["distribution"] == "hookmux-testplugins" and alpha["version"] == "0.1.0"
    assert alpha["events"]["PreToolUse"] == [
        {"function": "hookmux_pre_tool_use", "priority": 80, "matcher": "Bash", "commands": ["hmtest-deny*"]}
    ]
    assert "hookmux_config_schema" in alpha["hooks"]
    assert plugins["beta"]["enabled"] is False and alpha["enabled"] is True
    assert plugins["guarded"]["events"]["PreToolUse"][0]["fail_closed"] is True


def test_plugins_human_listing(hookmux_cli: HookmuxCLI) -> None:
    result = hookmux(hookmux_cli, "plugins")
    assert result.returncode == 0
    assert "alpha 0.1.0 (hookmux-testplugins, enabled)" in result.stdout
    assert "PreToolUse" in result.stdout and "priority=80" in result.stdout
