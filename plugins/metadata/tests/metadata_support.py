"""Helpers for the metadata tests: a SpecWeave project holding the real increments 0044 and 0045."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
#: CI installs every plugin of the repository next to these: only ours may run.
PLUGINS = "specstatus,metadata"
REAL_ROOT = "/home/user/proj"  # the project of the recorded Claude Code session
INC = "0045-living-docs-external-sync"
SPEC = (
    "---\nincrement: {id}\nstatus: {status}\ncreated: 2025-11-19T00:00:00.000Z\n---\n- [x] **AC-US1-01**: a\n"
)


def real(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def make_project(root: Path) -> Path:
    """Increments 0044 and 0045 with their real metadata.json; 0045 active in metadata and spec."""
    for increment, name, status in (
        ("0044-integration-testing-status-hooks", "0044-metadata.json", "completed"),
        (INC, "0045-metadata.json", "active"),
    ):
        directory = root / ".specweave" / "increments" / increment
        directory.mkdir(parents=True)
        metadata = real(name).replace('"status": "completed"', f'"status": "{status}"')
        (directory / "metadata.json").write_text(metadata)
        (directory / "spec.md").write_text(SPEC.format(id=increment, status=status))
    return root


def metadata_file(root: Path, increment: str = INC) -> Path:
    return root / ".specweave" / "increments" / increment / "metadata.json"


def real_events(root: Path) -> list[dict[str, Any]]:
    """The recorded Claude Code 2.1.330 events that touch .specweave, moved into ``root``."""
    text = (DATA / "cc-2.1.330-specweave-events.ndjson").read_text().replace(REAL_ROOT, str(root))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def recorded_write(root: Path) -> dict[str, Any]:
    """The recorded PreToolUse of ``Write metadata.json {"status": "completed"}``."""
    return next(
        e for e in real_events(root) if e["hook_event_name"] == "PreToolUse" and e["tool_name"] == "Write"
    )


def pre(root: Path, tool: str, tool_input: dict[str, Any], increment: str = INC) -> dict[str, Any]:
    """A PreToolUse of ``tool`` on an increment's metadata.json, shaped like the recorded one."""
    event = recorded_write(root)
    event.update(tool_name=tool, tool_input={"file_path": str(metadata_file(root, increment)), **tool_input})
    return event


def post(root: Path, tool: str, tool_input: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    event = pre(root, tool, tool_input)
    event.update(hook_event_name="PostToolUse", tool_response=response)
    return event


def with_status(text: str, status: str) -> str:
    data = json.loads(text)
    data["status"] = status
    return json.dumps(data, indent=2)
