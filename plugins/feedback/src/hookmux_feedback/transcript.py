"""Reading the session transcript (JSONL), as ``log-feedback.sh`` does with jq.

Claude Code 2.1.330 writes one JSON object per line: ``{"type": "user" | "assistant"
| "attachment" | ..., "message": {"role", "content"}}``. Lines can be huge (tool
results, prompt snapshots), so only the tail of the file is read.

The other agents' transcripts are read as Claude Code's (:func:`claude_shaped`):

* Codex CLI 0.171.0 (``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl``): ``{"type":
  "response_item", "payload": <a Responses API item>}`` lines (messages, ``function_call``
  such as ``exec_command``, ``custom_tool_call`` ``apply_patch``, their outputs) among
  bookkeeping lines;
* Gemini CLI 0.61.0 (``~/.gemini/tmp/<project>/chats/session-*.jsonl``): a header line,
  then ``{"type": "user" | "gemini", "content", "toolCalls"}`` messages (a message is
  written again, by id, once its tool calls are known) mixed with ``{"$set": ...}`` lines.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

#: Never read more than this from the end of a transcript.
TAIL_BYTES = 8 * 1024 * 1024
#: Reads of these files are left out of the quick context (the plugin's own logs).
_OWN_LOGS = re.compile(r"(debug\.log|session-wins|session-losses)")
CONTEXT_ITEMS = 25
CONTEXT_CHARS = 1000


def transcript_roots() -> list[str]:
    """Where Claude Code keeps transcripts: ``$CLAUDE_CONFIG_DIR/projects``, ``~/.claude/projects``."""
    roots = []
    config_dir = os.environ.get("CLAUDE_CONFIG_DIR")
    if config_dir:
        roots.append(os.path.join(os.path.expanduser(config_dir), "projects"))
    roots.append(os.path.join(os.path.expanduser("~"), ".claude", "projects"))
    return [os.path.realpath(r) for r in roots]


def agent_transcript_roots() -> list[tuple[str, str]]:
    """(agent, directory) where Codex CLI and Gemini CLI keep theirs."""
    home = os.path.expanduser("~")
    roots = [
        ("codex", os.path.join(os.environ.get("CODEX_HOME") or os.path.join(home, ".codex"), "sessions"))
    ]
    roots.append(("gemini", os.path.join(os.environ.get("GEMINI_CLI_HOME") or home, ".gemini", "tmp")))
    return [(agent, os.path.realpath(os.path.expanduser(root))) for agent, root in roots]


def checked_transcript(path: str | None) -> str | None:
    """``path`` resolved, if it is a ``.jsonl`` file under a Claude Code projects directory
    (or Codex CLI's sessions, or Gemini CLI's chats)."""
    if not path or not path.endswith(".jsonl"):
        return None
    resolved = os.path.realpath(path)
    roots = [*transcript_roots(), *(root for _, root in agent_transcript_roots())]
    for root in roots:
        if resolved.startswith(root.rstrip(os.sep) + os.sep) and os.path.isfile(resolved):
            return resolved
    return None


def backup_folder(transcript: str) -> str:
    """The folder a transcript's backup goes in: Claude Code's project folder name, or for
    the other agents ``<agent>-`` and the path below their root (``codex-2026-12-07``)."""
    for agent, root in agent_transcript_roots():
        if transcript.startswith(root.rstrip(os.sep) + os.sep):
            relative = os.path.relpath(os.path.dirname(transcript), root)
            return f"{agent}-{relative.replace(os.sep, '-')}"
    return os.path.basename(os.path.dirname(transcript))


def tail_lines(path: str, count: int, max_bytes: int = TAIL_BYTES) -> list[str]:
    """The last ``count`` complete lines of ``path`` (at most ``max_bytes`` read)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = max(0, size - max_bytes)
            fh.seek(start)
            data = fh.read()
    except OSError:
        return []
    lines = data.split(b"\n")
    if start > 0:
        lines = lines[1:]  # the first line is cut
    text = [line.decode("utf-8", "replace") for line in lines if line.strip()]
    return text[-count:] if count > 0 else []


def entries(lines: list[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects among ``lines`` as Claude Code's entries; malformed lines are
    skipped, as jq skips them."""
    seen: dict[str, int] = {}
    found: list[dict[str, Any]] = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        for entry in claude_shaped(value):
            key = entry.pop("_id", None)
            if key is not None and key in seen:
                found[seen[key]] = entry  # Gemini CLI rewrites a message once its tool calls are known
                continue
            if key is not None:
                seen[key] = len(found)
            found.append(entry)
    yield from found


#: Tool names of the other agents' transcripts, as Claude Code names them.
_TOOLS = {"exec_command": "Bash", "shell": "Bash", "shell_command": "Bash", "run_shell_command": "Bash",
          "write_file": "Write", "replace": "Edit", "read_file": "Read"}  # fmt: skip
_PATCH_FILE = re.compile(r"^\*\*\* (Add|Update) File: (.+)$", re.MULTILINE)


def _tool_use(name: str, tool_input: Any) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "name": _TOOLS.get(name, name),
        "input": tool_input if isinstance(tool_input, dict) else {},
    }


def _texts(parts: Any, kind: str) -> str:
    if isinstance(parts, str):
        return parts
    return "".join(
        str(p.get("text", "")) for p in parts or [] if isinstance(p, dict) and p.get("type") in (kind, None)
    )


def claude_shaped(value: dict[str, Any]) -> list[dict[str, Any]]:
    """A transcript line as Claude Code's entries (a Claude Code line as it is)."""
    payload = value.get("payload")
    if value.get("type") == "response_item" and isinstance(payload, dict):
        return _codex(payload)
    if "$set" in value:
        messages = value["$set"].get("messages") if isinstance(value["$set"], dict) else None
        return [e for m in messages or [] if isinstance(m, dict) for e in _gemini(m)]
    if value.get("type") in ("gemini", "user") and "message" not in value and "content" in value:
        return _gemini(value)
    return [value]


def _codex(item: dict[str, Any]) -> list[dict[str, Any]]:
    kind = item.get("type")
    if kind == "message" and item.get("role") == "user":
        text = _texts(item.get("content"), "input_text")
        if text.startswith("<environment_context>"):
            return []
        return [{"type": "user", "message": {"role": "user", "content": text}}]
    if kind == "message" and item.get("role") == "assistant":
        text = _texts(item.get("content"), "output_text")
        return [
            {
                "type": "assistant",
                "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
            }
        ]
    if kind == "function_call":
        try:
            arguments = json.loads(item.get("arguments") or "{}")
        except ValueError:
            arguments = {}
        if isinstance(arguments, dict) and "cmd" in arguments:
            arguments = {"command": arguments["cmd"]}
        return [{"type": "assistant", "message": {"content": [_tool_use(str(item.get("name")), arguments)]}}]
    if kind == "custom_tool_call" and item.get("name") == "apply_patch":
        blocks = [
            _tool_use("Write" if action == "Add" else "Edit", {"file_path": path.strip()})
            for action, path in _PATCH_FILE.findall(str(item.get("input") or ""))
        ]
        return [{"type": "assistant", "message": {"content": blocks}}] if blocks else []
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        return [{"type": "user", "message": {"content": [{"type": "tool_result", "content": output}]}}]
    return []


def _gemini(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if message.get("type") == "user":
        parts = content if isinstance(content, list) else []
        if any(isinstance(p, dict) and "functionResponse" in p for p in parts):
            entry: dict[str, Any] = {"type": "user", "message": {"content": [{"type": "tool_result"}]}}
        else:
            text = _texts(content, "text")
            if text.startswith("<session_context>"):
                return []
            entry = {"type": "user", "message": {"role": "user", "content": text}}
    else:
        blocks: list[dict[str, Any]] = []
        text = _texts(content, "text")
        if text:
            blocks.append({"type": "text", "text": text})
        for call in message.get("toolCalls") or []:
            if isinstance(call, dict):
                blocks.append(_tool_use(str(call.get("name")), call.get("args")))
        entry = {"type": "assistant", "message": {"role": "assistant", "content": blocks}}
    if isinstance(message.get("id"), str):
        entry["_id"] = message["id"]
    return [entry]


def _content(entry: dict[str, Any]) -> Any:
    message = entry.get("message")
    return message.get("content") if isinstance(message, dict) else None


def context_summary(path: str) -> str:
    """The files Claude touched lately: ``✏️ name`` (Edit/Write), ``📖 name`` (Read).

    The last 25 of the transcript's last 1000 lines, joined with ``, `` and cut
    at 1000 characters (``...`` marks a cut). Empty when there is none.
    """
    items: list[str] = []
    for entry in entries(tail_lines(path, 1000)):
        content = _content(entry)
        if entry.get("type") != "assistant" or not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, dict) or block.get("type") != "tool_use":
                continue
            tool_input = block.get("input")
            file_path = tool_input.get("file_path") if isinstance(tool_input, dict) else None
            if not isinstance(file_path, str):
                continue
            name = file_path.split("/")[-1]
            if block.get("name") in ("Edit", "Write"):
                items.append(f"✏️ {name}")
            elif block.get("name") == "Read" and not _OWN_LOGS.search(file_path):
                items.append(f"📖 {name}")
    text = ", ".join(items[-CONTEXT_ITEMS:])
    if not text:
        return ""
    cut = text[:CONTEXT_CHARS].strip()
    return cut + "..." if len(cut) == CONTEXT_CHARS else cut


def recent_conversation(path: str) -> str:
    """The original's summary when no AI is called: the last 50 ``USER:`` /
    ``ASSISTANT:`` lines of the transcript's last 150 lines, newlines flattened."""
    lines: list[str] = []
    for entry in entries(tail_lines(path, 150)):
        content = _content(entry)
        if entry.get("type") == "user" and isinstance(content, str):
            lines.append("USER: " + content.replace("\n", " "))
        elif entry.get("type") == "assistant" and isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "text":
                    lines.append("ASSISTANT: " + str(block.get("text", "")).replace("\n", " "))
    return "Recent conversation:\n\n" + "\n".join(lines[-50:])


def _is_prompt(entry: dict[str, Any]) -> bool:
    """A user turn typed by the user (not a tool result fed back to Claude)."""
    if entry.get("type") != "user":
        return False
    content = _content(entry)
    if isinstance(content, str):
        return True
    return isinstance(content, list) and not any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    )


def tools_of_last_turn(path: str) -> list[str]:
    """The tools Claude called since the user's last prompt, in first-use order."""
    tools: list[str] = []
    for entry in entries(tail_lines(path, 1000)):
        if _is_prompt(entry):
            tools = []
            continue
        content = _content(entry)
        if entry.get("type") != "assistant" or not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                name = block.get("name")
                if isinstance(name, str) and name not in tools:
                    tools.append(name)
    return tools
