"""Helpers for the specstatus tests: SpecWeave projects from the real example files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
#: CI installs every plugin of the repository next to these: only ours may run.
PLUGINS = "specstatus,metadata"
REAL_ROOT = "/home/user/proj"  # the project of the recorded Claude Code session
INCREMENT = "0045-living-docs-external-sync"


def make_project(root: Path, increments: dict[str, dict[str, str]]) -> Path:
    """A SpecWeave project: ``{increment id: {file name: text}}``."""
    (root / ".specweave").mkdir(parents=True, exist_ok=True)
    for increment, files in increments.items():
        directory = root / ".specweave" / "increments" / increment
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    return root


def real(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def active_0045() -> dict[str, str]:
    """Real increment 0045 (spec, tasks, metadata), reopened: spec.md status active."""
    spec = real("0045-spec.md").replace("\nstatus: completed\n", "\nstatus: active\n")
    return {"spec.md": spec, "tasks.md": real("0045-tasks.md"), "metadata.json": real("0045-metadata.json")}


def real_events(root: Path) -> list[dict[str, Any]]:
    """The recorded Claude Code 2.1.330 events that touch .specweave, moved into ``root``."""
    text = (DATA / "cc-2.1.330-specweave-events.ndjson").read_text().replace(REAL_ROOT, str(root))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def edit_event(root: Path, path: str, *, cwd: Path | None = None, tool: str = "Edit") -> dict[str, Any]:
    """The recorded PostToolUse of an Edit, for ``path`` (absolute or relative to ``cwd``)."""
    event = next(
        e for e in real_events(root) if e["hook_event_name"] == "PostToolUse" and e["tool_name"] == "Edit"
    )
    event["cwd"] = str(cwd or root)
    event["tool_name"] = tool
    event["tool_input"] = {**event["tool_input"], "file_path": path}
    return event


def tasks_file(root: Path, increment: str = INCREMENT) -> Path:
    return root / ".specweave" / "increments" / increment / "tasks.md"


def spec_file(root: Path, increment: str = INCREMENT) -> Path:
    return root / ".specweave" / "increments" / increment / "spec.md"


def cache_file(root: Path) -> Path:
    return root / ".specweave" / "state" / "status-line.json"
