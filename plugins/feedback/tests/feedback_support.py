"""Test data and helpers shared by the feedback plugin's tests (a plain module: the
tests directory is not a package, so it never shadows the repository's ``tests``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
#: Claudarity's config/feedback-patterns.template.json (husky2466-codo/Claudarity @ ab953ac7)
TEMPLATE = DATA / "feedback-patterns.template.json"
#: a two-turn session written by the real Claude Code 2.1.330 (prompts "make notes.py print
#: final", then "nice work, now run it"; Write, Read, Edit, then Bash)
TRANSCRIPT = DATA / "fbe223b5-dff1-4358-a4ef-41c9e2786bce.jsonl"
PLUGIN = "feedback"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it is truthy (background workers finish on their own time)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def workers_done(home: Path) -> bool:
    """No hookmux background worker holds a slot under ``home`` any more."""
    from hookmux.state.background import live_workers

    return live_workers(str(home), 4) == 0
