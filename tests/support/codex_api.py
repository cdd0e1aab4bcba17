"""A loopback stand-in for the OpenAI Responses API, enough to drive ``codex exec`` 0.171.0.

Stdlib only; binds 127.0.0.1. Every request is appended to an NDJSON log (method, path,
parsed body). Derived from the stand-in written up with the Codex CLI notes.

The reply is decided from the request alone (stateless). The *last* user message is the
script; its markers plan the tool calls of the turn, made one per request until each has
its output, then the model answers with text echoing the last tool output:

* ``[[cmd:COMMAND]]``: one shell call (``exec_command``);
* ``[[repeat:N:COMMAND]]``: N shell calls, ``{n}`` in COMMAND counting 1..N;
* ``[[patch64:BASE64]]``: one ``apply_patch`` call with the decoded patch text.

A last user message without a marker (a Stop hook's continuation) gets a text answer.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MARKER = re.compile(r"\[\[(cmd|repeat|patch64):(.*?)\]\]", re.S)


def _text(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    out = [str(p.get("text", "")) for p in content or [] if isinstance(p, dict)]
    if "output" in item:
        value = item["output"]
        out.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(out)


def plan(prompt: str) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    for kind, value in _MARKER.findall(prompt):
        if kind == "cmd":
            calls.append(("shell", value))
        elif kind == "repeat":
            count, _, command = value.partition(":")
            calls.extend(("shell", command.replace("{n}", str(n))) for n in range(1, int(count) + 1))
        else:
            calls.append(("patch", base64.b64decode(value).decode()))
    return calls


def _usage() -> dict[str, Any]:
    return {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 10,
            "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 110}  # fmt: skip


def _events(rid: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": "response.created", "response": {"id": rid}},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": {"id": rid, "usage": _usage()}},
    ]


def decide(body: dict[str, Any], seq: int) -> tuple[str, list[dict[str, Any]]]:
    items = [i for i in body.get("input") or [] if isinstance(i, dict)]
    users = [
        n for n, i in enumerate(items) if i.get("role") == "user" and i.get("type", "message") == "message"
    ]
    last_user = users[-1] if users else -1
    prompt = _text(items[last_user]) if users else ""
    outputs = [
        i
        for i in items[last_user + 1 :]
        if i.get("type") in ("function_call_output", "custom_tool_call_output")
    ]
    calls = plan(prompt)
    rid = f"resp_{int(time.time() * 1000)}_{seq}"
    if len(outputs) < len(calls):
        kind, value = calls[len(outputs)]
        if kind == "shell":
            args = json.dumps({"cmd": value, "yield_time_ms": 10000})
            item = {"type": "function_call", "id": f"fc_{rid}", "call_id": f"call_{rid}", "name": "exec_command",
                    "arguments": args, "status": "completed"}  # fmt: skip
            return "shell", _events(rid, item)
        item = {"type": "custom_tool_call", "id": f"ctc_{rid}", "call_id": f"call_{rid}", "name": "apply_patch",
                "input": value, "status": "completed"}  # fmt: skip
        return "patch", _events(rid, item)
    seen = _text(outputs[-1])[:300] if outputs else "no tool"
    text = f"FINAL: {seen}"
    message = {"type": "message", "role": "assistant", "id": f"msg_{rid}", "status": "completed",
               "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
    return "final", _events(rid, message)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = ""
    lock = threading.Lock()
    seq = 0

    def log_message(self, *args: Any) -> None:
        pass

    def _log(self, record: dict[str, Any]) -> None:
        with self.lock:
            type(self).seq += 1
            record["seq"] = type(self).seq
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")

    def _send(self, code: int, ctype: str, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._log({"method": "GET", "path": self.path})
        self._send(200, "application/json", b'{"models": [], "data": []}')

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if not self.path.rstrip("/").endswith("/responses"):
            self._log({"method": "POST", "path": self.path, "body": body, "reply": "404"})
            self._send(404, "application/json", b'{"error": "not found"}')
            return
        kind, events = decide(body, type(self).seq)
        self._log({"method": "POST", "path": self.path, "body": body, "reply": kind})
        data = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
        self._send(200, "text/event-stream", data)


def serve(log_path: str, port: int = 0) -> ThreadingHTTPServer:
    """A started server (in a daemon thread) on 127.0.0.1; ``server_address[1]`` is its port."""
    handler = type("Handler", (_Handler,), {"log_path": log_path})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
