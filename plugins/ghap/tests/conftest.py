"""Keep the tests away from the real user's hookmux state and configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_hookmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_event`` reads config like ``hookmux run`` does: point it at empty places."""
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in list(os.environ):
        if name.startswith(("HOOKMUX_", "CLAUDE_")) and name != "HOOKMUX_HOME":
            monkeypatch.delenv(name)
