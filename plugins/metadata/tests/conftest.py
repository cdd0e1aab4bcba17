"""Fixtures: a private hookmux state, only this issue's plugins, a project from real files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from metadata_support import PLUGINS, make_project

from hookmux.testing import CliRun, HookmuxCLI


@pytest.fixture(autouse=True)
def private_hookmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's hookmux state, config or SpecWeave switches."""
    for name in list(os.environ):
        if name.startswith(("HOOKMUX_", "CLAUDE_")) or name in ("SPECWEAVE_DISABLE_HOOKS", "SKIP_AC_SYNC"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOOKMUX_PLUGINS", PLUGINS)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


RunHook = Callable[..., CliRun]


@pytest.fixture
def run_hook(hookmux_cli: HookmuxCLI) -> RunHook:
    """``hookmux run`` (the real console script) with only this issue's plugins."""

    def run(payload: dict[str, Any], **env: str) -> CliRun:
        return hookmux_cli.run(payload, env={"HOOKMUX_PLUGINS": PLUGINS, **env})

    return run
