"""Keep the tests away from the real user's state, config and /tmp, and from the other plugins.

CI runs these tests in an environment where every hookmux plugin is installed:
``HOOKMUX_PLUGINS=capture`` (the core's load filter) keeps the others out of
every event, in-process and in the subprocesses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from capture_testing import CaptureCLI, wait_for

from hookmux.testing import HookmuxCLI


@pytest.fixture(autouse=True)
def private_hookmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_event`` and the writer read config and state like ``hookmux run``: point
    them at empty places (the fallback ring's default is under $XDG_RUNTIME_DIR)."""
    for name in list(os.environ):
        if name.startswith(("HOOKMUX_", "CLAUDE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("HOOKMUX_PLUGINS", "capture")


@pytest.fixture
def capture_cli(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Iterator[CaptureCLI]:
    cli = CaptureCLI(hookmux_cli, tmp_path / "runtime")
    yield cli
    # SessionStart/SessionEnd queue background work: let the workers finish.
    wait_for(cli.workers_done, 30, "background workers to exit")
