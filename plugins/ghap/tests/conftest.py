"""Keep the tests away from the real user's state, config and journals.

Every test gets a private ``$HOOKMUX_HOME``, ``$XDG_CONFIG_HOME`` and ``$HOME``,
no ``CLAMS_*``/``CLAUDE_*`` variables, and only this plugin runs
(``HOOKMUX_PLUGINS=ghap``), whatever else is installed next to it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ghap_helpers import CLAMS_DATA, PLUGIN

from hookmux.testing import make_event


@pytest.fixture(autouse=True)
def private_hookmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("HOOKMUX_", "CLAUDE_", "CLAMS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOOKMUX_PLUGINS", PLUGIN)
    (tmp_path / "home").mkdir()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "proj"
    path.mkdir()
    return path


@pytest.fixture
def journal_dir(project: Path) -> Path:
    return project / ".claude" / "journal"


@pytest.fixture
def seeded(journal_dir: Path) -> Path:
    """The real CLAMS journal files (emmilco/clams) in the project's journal."""
    journal_dir.mkdir(parents=True)
    for name in (".session_id", ".tool_count", "current_ghap.json", "session_entries.jsonl"):
        shutil.copyfile(CLAMS_DATA / name, journal_dir / name)
    return journal_dir


@pytest.fixture
def event(project: Path) -> Callable[..., dict[str, Any]]:
    """``event("PreToolUse", tool_name=...)``: a payload of session ``s-1`` in ``project``."""

    def make(name: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("session_id", "s-1")
        return make_event(name, cwd=project, **fields)

    return make
