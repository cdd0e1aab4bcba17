"""The per-event hot path: what an event that no plugin wants may cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hookmux.testing import HookmuxCLI, hookmux_executable, make_event

HEAVY = ("pluggy", "attr", "attrs", "cattrs", "filelock", "importlib.metadata", "click", "tomllib",
         "json", "re", "typing", "threading", "email", "inspect", "hookmux.routing.dispatch", "hookmux_testplugins")  # fmt: skip


def imported_modules(cli: HookmuxCLI, payload: dict[str, object]) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "run"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        env=cli.env(),
        check=True,
    )
    names = set()
    for line in proc.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_unmatched_event_imports_no_plugin_and_no_heavy_library(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    event = make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "ls"})
    hookmux_cli.run(event)  # first run builds the manifest (the slow path), like after pip install
    modules = imported_modules(hookmux_cli, event)
    assert "hookmux.entry.route" in modules  # the measurement itself works
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}, sorted(modules)


def test_matched_event_imports_only_the_plugins_it_needs(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    event = make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": "hmtest-deny"})
    hookmux_cli.run(event)
    modules = imported_modules(hookmux_cli, event)
    assert "hookmux_testplugins.alpha" in modules
    assert (
        not {"hookmux_testplugins.beta", "hookmux_testplugins.faulty", "hookmux_testplugins.guarded"}
        & modules
    )
    assert "pluggy" in modules  # routed through the hookspecs


def test_manifest_is_reused_not_rebuilt(hookmux_cli: HookmuxCLI, tmp_path: Path) -> None:
    event = make_event("Stop", cwd=tmp_path)
    hookmux_cli.run(event)
    manifests = list((hookmux_cli.home / "manifests").glob("*.marshal"))
    assert len(manifests) == 1
    before = manifests[0].stat().st_mtime_ns
    hookmux_cli.run(event)
    assert manifests[0].stat().st_mtime_ns == before
    assert oct(os.stat(hookmux_cli.home / "manifests").st_mode & 0o777) == "0o700"


def test_teardown_is_skipped_only_when_no_plugin_ran_in_the_process(
    hookmux_cli: HookmuxCLI, tmp_path: Path
) -> None:
    # An atexit hook of the interpreter's (from sitecustomize) shows whether the process
    # finalised: skipped when nothing of a plugin's ran here, kept when plugins did.
    site = tmp_path / "site"
    site.mkdir()
    marker = tmp_path / "finalised"
    (site / "sitecustomize.py").write_text(
        f"import atexit\natexit.register(lambda: open({str(marker)!r}, 'a').write('x'))\n"
    )
    env = hookmux_cli.env(PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))

    def finalised(command: str) -> bool:
        event = make_event("PreToolUse", cwd=tmp_path, tool_name="Bash", tool_input={"command": command})
        marker.unlink(missing_ok=True)
        proc = subprocess.run([hookmux_executable(), "run"], input=json.dumps(event).encode(),
                              capture_output=True, env=env, check=True)  # fmt: skip
        assert (b"alpha refuses" in proc.stdout) == command.startswith("hmtest-deny")  # answered in full
        return marker.exists()

    assert finalised("hmtest-deny now")  # alpha ran in this process
    assert not finalised("ls -la")  # nothing matched
