"""Codex CLI 0.171.0 events in, Codex answers out.

Codex sends Claude Code's event names and keys for the most part (the shell tool
arrives as ``Bash`` with ``tool_input.command``), so the canonical event is the
payload with three translations:

* an ``apply_patch`` call (``tool_input.command`` = the patch text) becomes a
  ``Write`` (the patch's first file is added) or an ``Edit`` (updated), with
  ``file_path`` absolute, the added ``content`` or the update's ``old_string`` (the
  file now) and ``new_string`` (the file after the patch), the patch text in
  ``patch`` and every file in ``changes`` (which ``paths`` matchers also test). A
  patch that only deletes stays ``apply_patch`` with ``changes``;
* a shell call's ``tool_response`` (the output text, no exit code) becomes
  Claude Code's ``{stdout, stderr, interrupted, isImage}``;
* ``hookmux_agent`` is ``"codex"``; what was translated is kept in
  ``hookmux_original``.

Answers: Codex reads Claude Code's output shape, but honours only part of it
(:data:`HONOURED`, observed with the real CLI); the rest is not emitted and a note
says why.
"""

from __future__ import annotations

from hookmux.agents.adapting import HSO, AdapterError, dotted, flatten, unflatten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from hookmux.agents.adapting import Path
    from hookmux.protocol.render import Rendered

AGENT = "codex"
#: Codex's events -> canonical events (the same names).
EVENTS: dict[str, str] = {
    name: name
    for name in (
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PermissionRequest",
        "PostToolUse",
        "PreCompact",
        "PostCompact",
        "SubagentStart",
        "SubagentStop",
        "Stop",
        "SessionEnd",
        "Interrupt",
        "PreModelRequest",
        "PostModelRequest",
    )
}

_CONTEXT: Path = (HSO, "additionalContext")
_BLOCK: tuple[Path, ...] = (("decision",), ("reason",))
_HALT: tuple[Path, ...] = (("continue",), ("stopReason",))
#: canonical event -> the output fields Codex 0.171.0 honours (each seen with the real CLI)
HONOURED: dict[str, frozenset[Path]] = {
    "SessionStart": frozenset({_CONTEXT, *_HALT}),
    "UserPromptSubmit": frozenset({_CONTEXT, *_BLOCK}),
    "PreToolUse": frozenset({(HSO, "permissionDecision"), (HSO, "permissionDecisionReason"), _CONTEXT}),
    "PermissionRequest": frozenset({(HSO, "decision", "behavior"), (HSO, "decision", "message")}),
    "PostToolUse": frozenset({_CONTEXT, *_BLOCK, *_HALT}),
    "Stop": frozenset({*_BLOCK, *_HALT}),
    "SubagentStart": frozenset({_CONTEXT}),
    "SubagentStop": frozenset(_BLOCK),
}
_WHY: dict[Path, str] = {
    ("systemMessage",): (
        "Codex shows systemMessage in its app-server UI only, never to the model nor in codex exec"
    ),
    ("terminalSequence",): "terminal sequences are a Claude Code feature",
    (HSO, "updatedInput"): "Codex 0.171.0 does not apply updatedInput (the hook run fails, the input stays)",
}
#: Codex's default hook timeout (seconds), and the events with a shorter one.
DEFAULT_TIMEOUT = 600.0
SHORT_TIMEOUTS = {"SessionEnd": 1.0, "Interrupt": 1.0}
#: Codex clamps these events' ``timeout`` to this many seconds.
MAX_TIMEOUTS = {"SessionEnd": 3, "Interrupt": 3}


def default_timeout(event: str) -> float:
    return SHORT_TIMEOUTS.get(event, DEFAULT_TIMEOUT)


def to_canonical(payload: Mapping[str, Any]) -> dict[str, Any]:
    name = payload.get("hook_event_name")
    if name not in EVENTS:
        raise AdapterError(f"unknown Codex hook event {name!r} (hookmux knows {len(EVENTS)})")
    out = dict(payload)
    out["hookmux_agent"] = AGENT
    tool = out.get("tool_name")
    if tool == "apply_patch":
        _patch(out, applied=name == "PostToolUse")
    elif tool == "Bash" and isinstance(out.get("tool_response"), str):
        text = out["tool_response"]
        out["hookmux_original"] = {"tool_response": text}
        out["tool_response"] = {"stdout": text, "stderr": "", "interrupted": False, "isImage": False}
    return out


def _patch(out: dict[str, Any], *, applied: bool) -> None:
    from hookmux.agents.codex.patch import PatchError, describe

    tool_input = out.get("tool_input")
    text = tool_input.get("command") if isinstance(tool_input, dict) else None
    if not isinstance(text, str):
        return
    cwd = out.get("cwd") if isinstance(out.get("cwd"), str) else ""
    try:
        changes = describe(text, str(cwd), applied=applied)
    except PatchError:
        return  # not a patch Codex will apply either: handlers of apply_patch still see it
    listed = [{k: v for k, v in c.items() if k != "old_content"} for c in changes]
    new_input: dict[str, Any] = {"patch": text, "changes": listed}
    primary = next((c for c in changes if c["action"] != "delete"), None)
    name = "apply_patch"
    if primary is not None:
        new_input["file_path"] = primary["file_path"]
        if primary["action"] == "add":
            name = "Write"
            new_input["content"] = primary["content"]
        else:
            name = "Edit"
            if isinstance(primary.get("old_content"), str) and isinstance(primary["content"], str):
                new_input["old_string"] = primary["old_content"]
                new_input["new_string"] = primary["content"]
            elif isinstance(primary["content"], str):
                new_input["content"] = primary["content"]
    out["hookmux_original"] = {"tool_name": "apply_patch", "tool_input": tool_input}
    out["tool_name"] = name
    out["tool_input"] = new_input
    response = out.get("tool_response")
    if isinstance(response, str) and primary is not None:
        out["hookmux_original"]["tool_response"] = response
        out["tool_response"] = {"filePath": primary["file_path"], "output": response}


def _why_not(event: str, path: Path, value: Any, honoured: frozenset[Path]) -> str | None:
    """Why Codex would not honour ``path`` = ``value`` on ``event``; None when it does."""
    if path == (HSO, "permissionDecision") and value != "deny":
        return f"Codex 0.171.0 honours only deny ({value} fails the hook run and its normal policy applies)"
    if path in honoured:
        return None
    return _WHY.get(path) or f"Codex 0.171.0 does not honour it on {event}"


def render(rendered: Rendered | None, raw: Mapping[str, Any]) -> tuple[Rendered | None, list[str]]:
    if rendered is None or rendered.payload is None:
        return rendered, []

    event = str(raw.get("hook_event_name"))
    honoured = HONOURED.get(event, frozenset())
    kept: list[tuple[Path, Any]] = []
    notes: list[str] = []
    dropped: set[Path] = set()
    for path, value in flatten(rendered.payload):
        why = _why_not(event, path, value, honoured)
        if why is None:
            kept.append((path, value))
        else:
            dropped.add(path)
            notes.append(f"codex: {dotted(path)} not emitted: {why}")
    if not notes:
        return rendered, notes  # all honoured: Claude Code's output is Codex's
    if (HSO, "permissionDecision") in dropped:
        kept = [(p, v) for p, v in kept if p != (HSO, "permissionDecisionReason")]
    payload = unflatten(kept, event)
    if payload is None and rendered.exit_code == 0 and rendered.plain is None and not rendered.stderr:
        return None, notes  # nothing the agent honours was answered: the event is silent
    from hookmux.protocol.render import Rendered  # an answer exists: attrs is loaded already

    return Rendered(payload, rendered.exit_code, rendered.stderr, rendered.plain), notes
