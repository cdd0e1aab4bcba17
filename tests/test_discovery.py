"""Plugins arrive and leave with pip, and take effect at the next event."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hookmux.testing import HookmuxCLI, make_event


def write_plugin(root: Path, body: str, version: str = "1.0") -> Path:
    (root / "src" / "hookmux_late").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
            [project]
            name = "hookmux-late"
            version = "{version}"
            [project.entry-points.hookmux]
            late = "hookmux_late"
            [tool.hatch.build.targets.wheel]
            packages = ["src/hookmux_late"]
            """
        )
    )
    (root / "src" / "hookmux_late" / "__init__.py").write_text(textwrap.dedent(body))
    return root


PLUGIN_V1 = """
from hookmux import hookimpl
from hookmux.protocol.answers import StopAnswer

@hookimpl(priority=10)
def hookmux_stop(event):
    return StopAnswer(additional_context="late plugin v1 saw the stop")
"""

PLUGIN_V2 = PLUGIN_V1.replace("v1", "v2")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels of two versions of a plugin, built once (pip wheel, no network needed)."""
    out = tmp_path_factory.mktemp("wheels")
    built = {}
    for version, body in (("1.0", PLUGIN_V1), ("2.0", PLUGIN_V2)):
        src = write_plugin(tmp_path_factory.mktemp(f"late-{version}"), body, version)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-q",
                "-w",
                str(out),
                str(src),
            ],
            check=True,
        )
        built[version] = next(out.glob(f"hookmux_late-{version}-*.whl"))
    return built


def pip(*args: str, target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            *args,
        ],
        check=True,
    )


def test_install_upgrade_uninstall_take_effect_at_the_next_event(
    hookmux_cli: HookmuxCLI, tmp_path: Path, wheels: dict[str, Path]
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    env = {"PYTHONPATH": str(site)}
    event = make_event("Stop", cwd=tmp_path)
    assert hookmux_cli.run(event, env=env).stdout == b""

    pip(str(wheels["1.0"]), target=site)
    answer = hookmux_cli.run(event, env=env).output
    assert answer == {
        "hookSpecificOutput": {"hookEventName": "Stop", "additionalContext": "late plugin v1 saw the stop"}
    }

    pip("--upgrade", str(wheels["2.0"]), target=site)
    answer = hookmux_cli.run(event, env=env).output
    assert answer["hookSpecificOutput"]["additionalContext"] == "late plugin v2 saw the stop"  # type: ignore[index]

    for path in site.iterdir():  # what `pip uninstall` does for a --target install
        shutil.rmtree(path)
    assert hookmux_cli.run(event, env=env).stdout == b""


def test_broken_plugin_is_listed_with_its_error_and_others_still_work(
    hookmux_cli: HookmuxCLI, tmp_path: Path, wheels: dict[str, Path]
) -> None:
    site = tmp_path / "site"
    pip(str(wheels["1.0"]), target=site)
    (site / "hookmux_late" / "__init__.py").write_text("raise ImportError('missing dependency frobnicate')\n")
    env = {"PYTHONPATH": str(site)}
    deny = make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "hmtest-deny"})
    assert hookmux_cli.run(deny, env=env).output["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("hookmux")), "plugins", "--json"],
        env=hookmux_cli.env(**env),
        capture_output=True,
        check=True,
    )
    plugins = {p["name"]: p for p in json.loads(listing.stdout)}
    assert plugins["late"]["error"] == "ImportError: missing dependency frobnicate"
    assert plugins["alpha"]["error"] is None
    assert plugins["alpha"]["events"]["PreToolUse"][0]["priority"] == 80
