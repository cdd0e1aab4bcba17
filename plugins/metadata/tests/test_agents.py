"""The metadata guard on edits from Codex CLI (apply_patch) and Gemini CLI, through the real
``hookmux run --agent``: the file after the change is what is checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from metadata_support import INC, PLUGINS

from hookmux.testing import CliRun, HookmuxCLI


def codex_patch(project: Path, patch: str) -> dict[str, Any]:
    return {"hook_event_name": "PreToolUse", "session_id": "c-1", "turn_id": "t", "cwd": str(project),
            "model": "gpt-5.5", "permission_mode": "bypassPermissions", "tool_name": "apply_patch",
            "tool_input": {"command": patch}, "tool_use_id": "call_1"}  # fmt: skip


def update(path: str, old: str, new: str) -> str:
    return f"*** Update File: {path}\n@@\n-{old}\n+{new}\n"


METADATA = f".specweave/increments/{INC}/metadata.json"


def run(cli: HookmuxCLI, payload: dict[str, Any], agent: str) -> CliRun:
    return cli.run(payload, f"--agent={agent}", env={"HOOKMUX_PLUGINS": PLUGINS})


def test_a_codex_patch_is_checked_on_every_file_it_touches(project: Path, hookmux_cli: HookmuxCLI) -> None:
    # metadata.json is the second file of the patch: its content after the patch decides
    bad = "*** Begin Patch\n*** Add File: notes.md\n+x\n" + update(
        METADATA, '  "status": "active",', '  "status": "done",'
    )
    result = run(hookmux_cli, codex_patch(project, bad + "*** End Patch\n"), "codex")
    out = result.output["hookSpecificOutput"]  # type: ignore[index]
    assert out["permissionDecision"] == "deny"
    assert "- Invalid status: done" in out["permissionDecisionReason"]
    good = (
        "*** Begin Patch\n"
        + update(METADATA, '  "status": "active",', '  "status": "paused",')
        + "*** End Patch\n"
    )
    assert run(hookmux_cli, codex_patch(project, good), "codex").stdout == b""
    assert json.loads((project / METADATA).read_text())["status"] == "active"  # a hook never writes it


def test_a_gemini_write_is_refused_in_gemini_clis_shape(project: Path, hookmux_cli: HookmuxCLI) -> None:
    content = (project / METADATA).read_text().replace('"status": "active"', '"status": "done"')
    tool_input = {"file_path": METADATA, "content": content}
    payload = {"hook_event_name": "BeforeTool", "session_id": "g-1", "cwd": str(project),
               "tool_name": "write_file", "tool_input": tool_input}  # fmt: skip
    output = run(hookmux_cli, payload, "gemini").output
    assert output is not None and output["decision"] == "deny"
    assert output["reason"].startswith("SpecWeave: this Write would leave")
