"""Gemini CLI 0.61.0 events in, Gemini CLI answers out.

Events map onto the canonical ones (:data:`EVENTS`): BeforeTool/AfterTool ->
PreToolUse/PostToolUse (PostToolUseFailure when the tool reported an error),
BeforeAgent -> UserPromptSubmit, AfterAgent -> Stop (``prompt_response`` ->
``last_assistant_message``), PreCompress -> PreCompact, and SessionStart,
SessionEnd, Notification as they are. BeforeModel, AfterModel and
BeforeToolSelection are events of their own.

Tools are translated both ways (:data:`TOOLS`): ``run_shell_command`` -> Bash,
``write_file`` -> Write, ``replace`` -> Edit, ``read_file`` -> Read, ... with their
inputs renamed to Claude Code's keys and file paths made absolute; a handler's
``updated_input`` goes back to Gemini in the tool's own shape. ``hookmux_agent`` is
``"gemini"``; the names and input as Gemini sent them are kept in ``hookmux_original``.
A tool call gets a ``tool_use_id`` (:func:`call_id`), so its BeforeTool and AfterTool
correlate as Claude Code's PreToolUse and PostToolUse do.

Answers are rewritten into Gemini's shape (``decision: deny`` for a deny or a
block, ``hookSpecificOutput.tool_input`` for a rewrite); fields Gemini does not
honour on an event are not emitted, and a note says so.
"""

from __future__ import annotations

from hookmux.agents.adapting import HSO, AdapterError, absolute, dotted, flatten, unflatten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from hookmux.agents.adapting import Path
    from hookmux.protocol.render import Rendered

AGENT = "gemini"
#: Gemini CLI's events -> canonical events.
EVENTS: dict[str, str] = {
    "BeforeTool": "PreToolUse",
    "AfterTool": "PostToolUse",
    "BeforeAgent": "UserPromptSubmit",
    "AfterAgent": "Stop",
    "SessionStart": "SessionStart",
    "SessionEnd": "SessionEnd",
    "PreCompress": "PreCompact",
    "Notification": "Notification",
    "BeforeModel": "BeforeModel",
    "AfterModel": "AfterModel",
    "BeforeToolSelection": "BeforeToolSelection",
}
#: Canonical events -> Gemini's (PostToolUseFailure is an AfterTool too).
NATIVE: dict[str, str] = {**{v: k for k, v in EVENTS.items()}, "PostToolUseFailure": "AfterTool"}
#: Gemini's tools -> Claude Code's.
TOOLS: dict[str, str] = {
    "run_shell_command": "Bash",
    "write_file": "Write",
    "replace": "Edit",
    "read_file": "Read",
    "glob": "Glob",
    "grep_search": "Grep",
    "web_fetch": "WebFetch",
    "google_web_search": "WebSearch",
}
NATIVE_TOOLS: dict[str, str] = {v: k for k, v in TOOLS.items()}
#: Gemini input keys -> Claude Code's, per tool (others keep their names).
_KEYS: dict[str, dict[str, str]] = {
    "run_shell_command": {"is_background": "run_in_background"},
    "replace": {"allow_multiple": "replace_all"},
    "glob": {"dir_path": "path"},
    "grep_search": {"dir_path": "path", "include": "glob"},
}
_NOTIFICATION_TYPES = {"ToolPermission": "permission_prompt"}

_CONTEXT: Path = (HSO, "additionalContext")
_COMMON: dict[Path, Path] = {p: p for p in (("systemMessage",), ("continue",), ("stopReason",))}
_BLOCK: dict[Path, Path] = {("decision",): ("decision",), ("reason",): ("reason",)}
#: canonical event -> {canonical output field: Gemini output field} for what Gemini honours
OUTPUT: dict[str, dict[Path, Path]] = {
    "PreToolUse": {
        **_COMMON,
        (HSO, "permissionDecision"): ("decision",),
        (HSO, "permissionDecisionReason"): ("reason",),
        (HSO, "updatedInput"): (HSO, "tool_input"),
    },
    "PostToolUse": {**_COMMON, **_BLOCK, _CONTEXT: _CONTEXT},
    "PostToolUseFailure": {**_COMMON, _CONTEXT: _CONTEXT},
    "UserPromptSubmit": {**_COMMON, **_BLOCK, _CONTEXT: _CONTEXT},
    "Stop": {**_COMMON, **_BLOCK},
    "SessionStart": {("systemMessage",): ("systemMessage",), _CONTEXT: _CONTEXT},
    "PreCompact": {("systemMessage",): ("systemMessage",)},
    "BeforeModel": {
        **_COMMON,
        **_BLOCK,
        (HSO, "llm_request"): (HSO, "llm_request"),
        (HSO, "llm_response"): (HSO, "llm_response"),
    },
    "AfterModel": {**_COMMON, (HSO, "llm_response"): (HSO, "llm_response")},
    "BeforeToolSelection": {
        ("systemMessage",): ("systemMessage",),
        (HSO, "toolConfig", "mode"): (HSO, "toolConfig", "mode"),
        (HSO, "toolConfig", "allowedFunctionNames"): (HSO, "toolConfig", "allowedFunctionNames"),
    },
}
#: canonical event -> the output fields Gemini CLI honours (for the support matrix)
HONOURED: dict[str, frozenset[Path]] = {event: frozenset(fields) for event, fields in OUTPUT.items()}
_WHY: dict[Path, str] = {
    ("terminalSequence",): "terminal sequences are a Claude Code feature",
    _CONTEXT: "Gemini CLI takes context from SessionStart, BeforeAgent and AfterTool only",
}
#: Gemini's default hook timeout: 60000 ms.
DEFAULT_TIMEOUT = 60.0


def default_timeout(event: str) -> float:  # noqa: ARG001 - the same for every event
    return DEFAULT_TIMEOUT


def to_canonical(payload: Mapping[str, Any]) -> dict[str, Any]:
    native = payload.get("hook_event_name")
    if native not in EVENTS:
        raise AdapterError(f"unknown Gemini CLI hook event {native!r} (hookmux knows {len(EVENTS)})")
    out = dict(payload)
    original: dict[str, Any] = {"hook_event_name": native}
    out["hook_event_name"] = EVENTS[native]
    out["hookmux_agent"] = AGENT
    out["hookmux_original"] = original
    cwd = str(out.get("cwd") or "")
    tool = out.get("tool_name")
    if isinstance(tool, str):
        original["tool_name"] = tool
        out["tool_name"] = TOOLS.get(tool, tool)
        tool_input = out.get("tool_input")
        if isinstance(tool_input, dict):
            original["tool_input"] = tool_input
            out["tool_input"] = tool_input_in(tool, tool_input, cwd)
        if native == "AfterTool":
            _tool_response(out, tool, original)
        if not out.get("tool_use_id"):
            out["tool_use_id"] = call_id(out.get("session_id"), tool, tool_input)
    if native == "AfterAgent":
        out.setdefault("last_assistant_message", out.get("prompt_response") or "")
    elif native == "Notification":
        kind = out.get("notification_type")
        if isinstance(kind, str) and kind in _NOTIFICATION_TYPES:
            original["notification_type"] = kind
            out["notification_type"] = _NOTIFICATION_TYPES[kind]
        details = out.get("details")
        if isinstance(details, dict) and isinstance(details.get("title"), str):
            out.setdefault("title", details["title"])
    return out


def call_id(session: Any, tool: str, tool_input: Any) -> str:
    """Gemini CLI gives a call no id: the same one for its BeforeTool and AfterTool, derived
    from what both carry (two identical calls in one session share it)."""
    try:
        from _blake2 import blake2b  # hashlib would load OpenSSL for the same hash
    except ImportError:  # pragma: no cover - CPython always has it
        from hashlib import blake2b
    key = f"{session}\0{tool}\0{tool_input!r}".encode()
    return "gemini_" + blake2b(key, digest_size=8).hexdigest()


def tool_input_in(tool: str, tool_input: Mapping[str, Any], cwd: str) -> dict[str, Any]:
    """Gemini's input of ``tool`` with Claude Code's keys and absolute file paths."""
    keys = _KEYS.get(tool, {})
    out = {keys.get(k, k): v for k, v in tool_input.items()}
    if "file_path" in out:
        out["file_path"] = absolute(out["file_path"], cwd)
    if tool == "read_file":
        start, end = out.pop("start_line", None), out.pop("end_line", None)
        if isinstance(start, int):
            out["offset"] = start
            if isinstance(end, int) and end >= start:
                out["limit"] = end - start + 1
    return out


def tool_input_out(tool: str, tool_input: Mapping[str, Any]) -> dict[str, Any]:
    """A canonical (Claude Code-shaped) input given back in Gemini's shape for ``tool``."""
    keys = {v: k for k, v in _KEYS.get(tool, {}).items()}
    out = {keys.get(k, k): v for k, v in tool_input.items()}
    if tool == "read_file":
        offset, limit = out.pop("offset", None), out.pop("limit", None)
        if isinstance(offset, int):
            out["start_line"] = offset
            if isinstance(limit, int) and limit > 0:
                out["end_line"] = offset + limit - 1
    return out


def _tool_response(out: dict[str, Any], tool: str, original: dict[str, Any]) -> None:
    """Gemini's ``{llmContent, returnDisplay, error?}`` as Claude Code's tool output."""
    response = out.get("tool_response")
    if not isinstance(response, dict):
        return
    original["tool_response"] = response
    error = response.get("error")
    if error:
        out["hook_event_name"] = "PostToolUseFailure"
        out["error"] = error if isinstance(error, str) else str(error.get("message", error))
    content, display = response.get("llmContent"), response.get("returnDisplay")
    text = content if isinstance(content, str) else ""
    if tool == "run_shell_command":
        output, trailer = shell_result(text)
        stdout = display if isinstance(display, str) and display else output
        out["tool_response"] = {"stdout": stdout, "stderr": "", "interrupted": False, "isImage": False}
        code = trailer.get("Exit Code", "")
        if code.lstrip("-").isdigit() and int(code) != 0 and out["hook_event_name"] == "PostToolUse":
            # as Claude Code reports a command that exited non-zero
            out["hook_event_name"] = "PostToolUseFailure"
            out["error"] = f"Exit code {code}\n{stdout}".rstrip("\n")
    elif tool in ("write_file", "replace") and isinstance(display, dict):
        converted = {
            "filePath": display.get("filePath") or out["tool_input"].get("file_path"),
            "originalFile": display.get("originalContent"),
            "content": display.get("newContent"),
        }
        if tool == "write_file":
            converted["type"] = "create" if display.get("isNewFile") else "update"
        else:
            converted["oldString"] = out["tool_input"].get("old_string")
            converted["newString"] = out["tool_input"].get("new_string")
        out["tool_response"] = converted
    elif tool == "read_file":
        path = out["tool_input"].get("file_path")
        out["tool_response"] = {"type": "text", "file": {"filePath": path, "content": text}}


_SHELL_TRAILER = ("Error", "Exit Code", "Signal", "Background PIDs", "Process Group PGID")


def shell_result(llm_content: str) -> tuple[str, dict[str, str]]:
    """The shell tool's ``llmContent`` (``Output: ...`` then ``Exit Code: N``, ``Process Group
    PGID: N``, ... lines, wrapped in ``<untrusted_context>``): (the output, the trailer)."""
    text = llm_content.strip()
    if text.startswith("<untrusted_context>") and text.endswith("</untrusted_context>"):
        text = text[len("<untrusted_context>") : -len("</untrusted_context>")].strip("\n")
    lines = text.split("\n")
    trailer: dict[str, str] = {}
    while lines:
        key, sep, value = lines[-1].partition(": ")
        if not sep or key not in _SHELL_TRAILER:
            break
        trailer[key] = value
        lines.pop()
    output = "\n".join(lines)
    return output.removeprefix("Output: ").removesuffix("(empty)") if output.startswith(
        "Output: "
    ) else output, trailer


def _value_out(path: Path, value: Any, raw: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The value Gemini reads for a canonical output field, or (None, why not)."""
    if path == (HSO, "permissionDecision"):
        if value in ("deny", "ask"):
            return value, None
        return None, f"Gemini CLI runs the tool unless a hook denies or asks ({value} not emitted)"
    if path == ("decision",):
        return ("deny" if value == "block" else value), None
    if path == (HSO, "updatedInput") and isinstance(value, dict):
        original = raw.get("hookmux_original")
        tool = original.get("tool_name") if isinstance(original, dict) else None
        native = tool if isinstance(tool, str) else NATIVE_TOOLS.get(str(raw.get("tool_name")), "")
        return tool_input_out(native, value), None
    return value, None


def render(rendered: Rendered | None, raw: Mapping[str, Any]) -> tuple[Rendered | None, list[str]]:
    if rendered is None or rendered.payload is None:
        return rendered, []

    event = str(raw.get("hook_event_name"))
    fields = OUTPUT.get(event, {})
    kept: list[tuple[Path, Any]] = []
    notes: list[str] = []
    decision_kept = True
    for path, value in flatten(rendered.payload):
        target = fields.get(path)
        why, emitted = None, value
        if target is None:
            why = _WHY.get(path) or f"Gemini CLI does not honour it on {NATIVE.get(event, event)}"
        else:
            emitted, why = _value_out(path, value, raw)
        if why is not None or target is None:
            notes.append(f"gemini: {dotted(path)} not emitted: {why}")
            decision_kept = decision_kept and path != (HSO, "permissionDecision")
            continue
        kept.append((target, emitted))
    if not decision_kept:  # the reason went with a decision that was not emitted
        kept = [(p, v) for p, v in kept if p != ("reason",)]
    original = raw.get("hookmux_original")
    native = original.get("hook_event_name") if isinstance(original, dict) else None
    payload = unflatten(kept, native if isinstance(native, str) else NATIVE.get(event, event))
    if payload is None and rendered.exit_code == 0 and rendered.plain is None and not rendered.stderr:
        return None, notes  # nothing the agent honours was answered: the event is silent
    from hookmux.protocol.render import Rendered  # an answer exists: attrs is loaded already

    return Rendered(payload, rendered.exit_code, rendered.stderr, rendered.plain), notes
