"""Fixtures for the end-to-end tests: the real Claude Code CLI and a throw-away workspace."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The harness lives in <repo>/tests/support: make ``tests.support`` importable however
# pytest was started (rootdir-relative imports put only <repo>/tests on sys.path).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.claude_cli import require_claude


@pytest.fixture(scope="session")
def claude() -> Path:
    """The pinned Claude Code executable, installed into the cache on first use."""
    return require_claude()


@dataclass
class Workspace:
    """A throw-away project directory and HOME for one Claude Code run."""

    root: Path
    project_dir: Path
    home_dir: Path

    def hook_script(self, name: str, source: str) -> Path:
        path = self.root / "hooks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        return path

    def write_settings(self, settings: dict[str, Any]) -> None:
        claude_dir = self.project_dir / ".claude"
        claude_dir.mkdir(parents=True, exist_ok=True)
        (claude_dir / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path.resolve()
    project_dir = root / "project"
    home_dir = root / "home"
    project_dir.mkdir()
    home_dir.mkdir()
    return Workspace(root=root, project_dir=project_dir, home_dir=home_dir)
