"""`hookmux statusline`: a plugin's renderer reached before click, pluggy or attrs load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_site import install_plugin

from hookmux.entry.statusline import provider
from hookmux.testing import HookmuxCLI, hookmux_executable

STATUS_PLUGIN = """
HOOKMUX_STATUSLINE = ["statusline"]
HOOKMUX_STATUSLINE_MAIN = "hookmux_{name}.render:main"
"""

RENDER = """
import sys

def main(argv):
    data = sys.stdin.read()
    print("{name} line " + " ".join(argv) + " " + str(len(data)))
    return 0
"""

HEAVY = ("click", "pluggy", "attr", "attrs", "cattrs", "filelock", "importlib.metadata", "typing", "re")


def add_provider(site: Path, name: str, render: str = RENDER) -> None:
    install_plugin(site, name, STATUS_PLUGIN.format(name=name))
    (site / f"hookmux_{name}" / "render.py").write_text(render.format(name=name))


def statusline(cli: HookmuxCLI, site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [hookmux_executable(), "statusline", *args],
        input=json.dumps({"cwd": "/tmp", "session_id": "s"}),
        capture_output=True,
        text=True,
        env=cli.env(PYTHONPATH=str(site), **env),
        timeout=60,
        check=False,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


def test_the_first_provider_by_name_renders_with_the_arguments_and_stdin(
    hookmux_cli: HookmuxCLI, site: Path
) -> None:
    add_provider(site, "slz")
    add_provider(site, "sla")
    proc = statusline(hookmux_cli, site, "--x", HOOKMUX_PLUGINS="sla,slz")  # only these two compete
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "sla line --x 34\n"  # the same choice `hookmux install` makes


def test_hookmux_plugins_and_disabled_choose_the_provider(hookmux_cli: HookmuxCLI, site: Path) -> None:
    add_provider(site, "slz")
    add_provider(site, "sla")
    assert statusline(hookmux_cli, site, HOOKMUX_PLUGINS="slz").stdout.startswith("slz line")
    assert statusline(hookmux_cli, site, HOOKMUX_PLUGINS="sla,slz", HOOKMUX_DISABLED="sla").stdout.startswith(
        "slz line"
    )


def test_a_failing_renderer_still_prints_a_line_and_exits_0(hookmux_cli: HookmuxCLI, site: Path) -> None:
    add_provider(site, "broken", "def main(argv):\n    raise RuntimeError('no cache')\n")
    proc = statusline(hookmux_cli, site, HOOKMUX_PLUGINS="broken")
    assert (proc.returncode, proc.stdout) == (0, "\n")
    assert "hookmux_broken.render:main failed: RuntimeError: no cache" in proc.stderr


def test_without_a_provider_the_command_line_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    import hookmux.cli
    import hookmux.routing.manifest
    from hookmux.__main__ import main

    called: list[list[str]] = []
    monkeypatch.setattr(hookmux.routing.manifest, "load_manifest", lambda home: {"plugins": {}})
    monkeypatch.setattr(hookmux.cli, "main", lambda: called.append(sys.argv[1:]))
    monkeypatch.setattr(sys, "argv", ["hookmux", "statusline", "--x"])
    main()  # no renderer in the manifest: click handles `statusline` (a plugin command, or a usage error)
    assert called == [["statusline", "--x"]]


def test_the_renderer_runs_without_click_pluggy_or_attrs(hookmux_cli: HookmuxCLI, site: Path) -> None:
    add_provider(site, "sla")
    assert statusline(hookmux_cli, site, HOOKMUX_PLUGINS="sla").returncode == 0  # builds the manifest first
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "statusline"],
        input="{}",
        capture_output=True,
        text=True,
        env=hookmux_cli.env(PYTHONPATH=str(site), HOOKMUX_PLUGINS="sla"),
        check=True,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "hookmux_sla.render" in modules  # the measurement itself works
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}, sorted(modules)


def test_provider_skips_broken_and_filtered_plugins() -> None:
    manifest = {
        "plugins": {
            "a": {"statusline_main": "m_a:main", "error": "ImportError: x"},
            "b": {"statusline_main": None, "error": None},
            "c": {"statusline_main": "m_c:main", "error": None},
        }
    }
    assert provider(manifest, {}) == "m_c:main"
    assert provider(manifest, {"HOOKMUX_PLUGINS": "a,b"}) is None
    assert provider({"plugins": {}}, {}) is None


def test_a_malformed_declaration_is_a_reported_problem(hookmux_cli: HookmuxCLI, site: Path) -> None:
    install_plugin(site, "odd", 'HOOKMUX_STATUSLINE_MAIN = "no_function_here"\n')
    proc = subprocess.run(
        [hookmux_executable(), "plugins", "--json"],
        capture_output=True,
        text=True,
        env=hookmux_cli.env(PYTHONPATH=str(site)),
        check=False,
    )
    assert "HOOKMUX_STATUSLINE_MAIN ignored: expected 'module:function'" in proc.stdout, proc.stderr
