"""A loopback stand-in for the Gemini API (v1beta), enough to drive Gemini CLI 0.61.0 ``-p``.

Stdlib only; binds 127.0.0.1. Every request is appended to an NDJSON log (method, path,
parsed body). Derived from the stand-in written up with the Gemini CLI notes.

Stateless: the last user message that is not a function response is the script; its
markers plan the turn's tool calls, made one per request until each has its response,
then the model answers with text echoing the last response and any ``<hook_context>``:

* ``[[cmd:COMMAND]]``: one ``run_shell_command``;
* ``[[repeat:N:COMMAND]]``: N of them, ``{n}`` in COMMAND counting 1..N (Gemini CLI stops
  a loop of identical calls);
* ``[[write64:PATH:BASE64]]``: one ``write_file`` of the decoded content.

Side calls asking for JSON get a value fitting their schema.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MARKER = re.compile(r"\[\[(cmd|repeat|write64):(.*?)\]\]", re.S)


def _parts_text(content: dict[str, Any]) -> str:
    return "\n".join(str(p.get("text", "")) for p in content.get("parts", []) if isinstance(p, dict))


def _is_response(content: dict[str, Any]) -> bool:
    return any(isinstance(p, dict) and "functionResponse" in p for p in content.get("parts", []))


def plan(prompt: str) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    for kind, value in _MARKER.findall(prompt):
        if kind == "cmd":
            calls.append(("run_shell_command", {"command": value, "description": "scripted"}))
        elif kind == "repeat":
            count, _, command = value.partition(":")
            calls.extend(
                ("run_shell_command", {"command": command.replace("{n}", str(n)), "description": "scripted"})
                for n in range(1, int(count) + 1)
            )
        else:
            path, _, data = value.partition(":")
            calls.append(("write_file", {"file_path": path, "content": base64.b64decode(data).decode()}))
    return calls


def reply(body: dict[str, Any]) -> tuple[str, Any]:
    contents = body.get("contents") or []
    last_user = max((n for n, c in enumerate(contents) if c.get("role", "user") == "user" and not _is_response(c)),
                    default=-1)  # fmt: skip
    prompt = _parts_text(contents[last_user]) if last_user >= 0 else ""
    responses = [p["functionResponse"] for c in contents[last_user + 1 :] for p in c.get("parts", [])
                 if isinstance(p, dict) and "functionResponse" in p]  # fmt: skip
    calls = plan(prompt)
    if len(responses) < len(calls):
        return ("call", calls[len(responses)])
    seen = json.dumps(responses[-1].get("response"), ensure_ascii=False)[:300] if responses else "no tool"
    contexts = re.findall(r"<hook_context>(.*?)</hook_context>", json.dumps(contents), re.S)
    return ("text", f"FINAL: {seen} CONTEXTS: {' | '.join(contexts)}")


def _schema_value(schema: Any, key: str = "") -> Any:
    if not isinstance(schema, dict):
        return "x"
    kind = schema.get("type")
    kind = (kind[0] if isinstance(kind, list) else kind or "").lower()
    if "enum" in schema:
        return "user" if key == "next_speaker" and "user" in schema["enum"] else schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {k: _schema_value(v, k) for k, v in (schema.get("properties") or {}).items()}
    return (
        [] if kind == "array" else 1 if kind in ("integer", "number") else False if kind == "boolean" else "x"
    )


def _candidate(answer: tuple[str, Any]) -> dict[str, Any]:
    if answer[0] == "call":
        parts = [{"functionCall": {"name": answer[1][0], "args": answer[1][1]}}]
    else:
        parts = [{"text": answer[1]}]
    return {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = ""
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def _log(self, record: dict[str, Any]) -> None:
        with self.lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _send(self, code: int, ctype: str, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._log({"method": "GET", "path": self.path})
        self._send(200, "application/json", json.dumps({"models": []}).encode())

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        found = re.match(r"^/v1[a-z0-9]*/models/([^:]+):([A-Za-z]+)", self.path)
        method = found.group(2) if found else ""
        usage = {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110}
        if method == "streamGenerateContent":
            answer = reply(body)
            self._log({"method": "POST", "path": self.path, "api": method, "body": body, "reply": answer[0]})
            chunk = {"candidates": [_candidate(answer)], "usageMetadata": usage}
            self._send(200, "text/event-stream", f"data: {json.dumps(chunk)}\r\n\r\n".encode())
        elif method == "generateContent":
            config = body.get("generationConfig") or {}
            schema = config.get("responseJsonSchema") or config.get("responseSchema")
            answer = ("text", json.dumps(_schema_value(schema or {}))) if schema else reply(body)
            self._log({"method": "POST", "path": self.path, "api": method, "body": body, "reply": answer[0]})
            self._send(
                200,
                "application/json",
                json.dumps({"candidates": [_candidate(answer)], "usageMetadata": usage}).encode(),
            )
        elif method == "countTokens":
            self._log({"method": "POST", "path": self.path, "api": method})
            self._send(200, "application/json", b'{"totalTokens": 100}')
        else:
            self._log({"method": "POST", "path": self.path, "reply": "404"})
            self._send(404, "application/json", b'{"error": {"code": 404, "status": "NOT_FOUND"}}')


def serve(log_path: str, port: int = 0) -> ThreadingHTTPServer:
    """A started server (in a daemon thread) on 127.0.0.1; ``server_address[1]`` is its port."""
    handler = type("Handler", (_Handler,), {"log_path": log_path})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
