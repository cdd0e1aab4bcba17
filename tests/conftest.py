"""Shared fixtures for hookmux's own tests.

The tox environments install ``tests/plugins/testplugins`` (plugins alpha, beta,
faulty, guarded) next to the core; they react only to ``hmtest`` commands and
prompts, so every other event is one that no plugin matches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


def real_payloads() -> list[dict[str, Any]]:
    """Hook inputs captured from a real Claude Code 2.1.330 session."""
    lines = (DATA / "cc-2.1.330-events.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's hookmux state or config."""
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOOKMUX_SERVE", "0")  # no warm daemon outliving the test
    for var in ("CLAUDE_PROJECT_DIR", "HOOKMUX_DISABLED"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    (path / ".claude").mkdir(parents=True)
    return path
