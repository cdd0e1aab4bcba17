"""Reading Claude Code's session transcript (JSONL), as ``log-feedback.sh`` does with jq.

Claude Code 2.1.330 writes one JSON object per line: ``{"type": "user" | "assistant"
| "attachment" | ..., "message": {"role", "content"}}``. Lines can be huge (tool
results, prompt snapshots), so only the tail of the file is read.
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


def checked_transcript(path: str | None) -> str | None:
    """``path`` resolved, if it is a ``.jsonl`` file under a Claude Code projects directory."""
    if not path or not path.endswith(".jsonl"):
        return None
    resolved = os.path.realpath(path)
    for root in transcript_roots():
        if resolved.startswith(root.rstrip(os.sep) + os.sep) and os.path.isfile(resolved):
            return resolved
    return None


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
    """The JSON objects among ``lines``; malformed lines are skipped, as jq skips them."""
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value


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
