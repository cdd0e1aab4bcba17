"""Keep the tests away from the real user's state, config and Claude Code settings.

CI runs these tests where every hookmux plugin is installed: ``HOOKMUX_PLUGINS``
(the core's load filter) keeps the others out of every event, in-process and in
the subprocesses. ``OTEL_*`` variables of the machine are removed: each test says
where telemetry goes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_hookmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("HOOKMUX_", "CLAUDE_", "OTEL_", "TRACEPARENT")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOOKMUX_HOME", str(tmp_path / "hookmux-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))  # Claude Code's ~/.claude/settings.json
    monkeypatch.setenv("HOOKMUX_PLUGINS", "otel")
