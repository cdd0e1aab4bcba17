"""Keep the tests away from the real user's state, config and Claude Code files.

Every test gets a private ``$HOOKMUX_HOME``, ``$XDG_CONFIG_HOME`` and ``$HOME``
(where ``~/.claude/projects`` holds the transcripts), and only this plugin runs
(``HOOKMUX_PLUGINS=feedback``), whatever else is installed next to it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feedback_support import PLUGIN, TRANSCRIPT
from hookmux_feedback.config import Config, Paths, resolve_paths

from hookmux.testing import make_event


@pytest.fixture(autouse=True)
def private_hookmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("HOOKMUX_", "CLAUDE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOOKMUX_PLUGINS", PLUGIN)
    (tmp_path / "home").mkdir()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "myproj"
    path.mkdir()
    return path


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """The plugin's files with the default config, as the hooks resolve them."""
    return resolve_paths(Config(), str(tmp_path / "hookmux-home" / "plugins" / PLUGIN))


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    """The real transcript, where Claude Code keeps it: ~/.claude/projects/<slug>/<id>.jsonl."""
    target = tmp_path / "home" / ".claude" / "projects" / "-tmp-myproj" / TRANSCRIPT.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(TRANSCRIPT, target)
    return target


@pytest.fixture
def event(project: Path, transcript: Path) -> Callable[..., dict[str, Any]]:
    """``event("UserPromptSubmit", prompt=...)``: a payload of one session in ``project``."""
    session = transcript.stem

    def make(name: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("session_id", session)
        fields.setdefault("transcript_path", str(transcript))
        return make_event(name, cwd=project, **fields)

    return make
