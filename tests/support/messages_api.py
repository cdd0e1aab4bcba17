"""Loopback stand-in for the Anthropic Messages API, to run real Claude Code offline.

The server listens on 127.0.0.1 (ephemeral port) in a background thread and answers
``POST /v1/messages`` with a scripted streaming (SSE) reply. Each entry of the script
is one assistant turn of the main agent loop; the entry is chosen by counting the
assistant turns already present in the request, so retries and side requests never
advance the script.

Requests that carry Claude Code's big tool list are *main* requests; everything else
(session-title generation, quota probes, ...) is a *side* request and gets a short
text reply. Any other endpoint gets a harmless JSON answer so the CLI never stalls.

Stdlib only.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import threading
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, final
from urllib.parse import urlsplit

__all__ = ["MessagesAPI", "RecordedRequest", "ScriptEntry", "Text", "ToolUse"]

#: A request is a main-loop request if its tool list has one of these tools or at
#: least _MAIN_LOOP_MIN_TOOLS tools (2.1.330 sends 12 tools; side requests send none).
_MAIN_LOOP_TOOLS: Final = frozenset({"Bash", "Read", "Write", "Edit", "Glob", "Grep"})
_MAIN_LOOP_MIN_TOOLS: Final = 5
_DONE_TEXT: Final = "Done."
_SIDE_TEXT: Final = "OK"


@dataclass(frozen=True)
class ToolUse:
    """A ``tool_use`` block the scripted model emits; ``id`` defaults to toolu_<n>."""

    name: str
    input: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class Text:
    """A ``text`` block the scripted model emits."""

    text: str


Block = ToolUse | Text
ScriptEntry = list[ToolUse | Text] | ToolUse | Text


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the stand-in received (any endpoint)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    kind: str = "other"  # "main", "side", "count_tokens" or "other"


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
    main_requests: list[dict[str, Any]] = field(default_factory=list)
    side_requests: list[dict[str, Any]] = field(default_factory=list)
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    errors: list[str] = field(default_factory=list)


@final
class MessagesAPI:
    """Scripted streaming Messages API on ``http://127.0.0.1:<port>``.

    Use it as a context manager; ``url`` is set once the server has started.
    """

    def __init__(self, script: Sequence[ScriptEntry]) -> None:
        counter = itertools.count(1)
        steps: list[tuple[Block, ...]] = []
        for entry in script:
            blocks: list[Block] = list(entry) if isinstance(entry, list) else [entry]
            steps.append(
                tuple(
                    dataclasses.replace(b, id=f"toolu_{next(counter)}")
                    if isinstance(b, ToolUse) and b.id is None
                    else b
                    for b in blocks
                )
            )
        self.script: tuple[tuple[Block, ...], ...] = tuple(steps)
        self._state = _State()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------------- lifecycle

    def start(self) -> MessagesAPI:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        self._server = server
        port = server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> MessagesAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ recorded traffic

    @property
    def main_requests(self) -> list[dict[str, Any]]:
        """JSON bodies of main-loop requests (with the big tool list), in order."""
        with self._state.lock:
            return list(self._state.main_requests)

    @property
    def side_requests(self) -> list[dict[str, Any]]:
        """JSON bodies of the other ``/v1/messages`` requests (titles, ...)."""
        with self._state.lock:
            return list(self._state.side_requests)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every HTTP request received, any endpoint, in arrival order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def errors(self) -> list[str]:
        """Exceptions raised while answering a request (should stay empty)."""
        with self._state.lock:
            return list(self._state.errors)

    def tool_results(self) -> list[dict[str, Any]]:
        """Every ``tool_result`` the model was sent (last main request), in order.

        Each item is ``{"tool_use_id": str, "content": str, "is_error": bool}`` with the
        content flattened to text.
        """
        mains = self.main_requests
        if not mains:
            return []
        results: list[dict[str, Any]] = []
        for message in mains[-1].get("messages", []):
            content = message.get("content")
            if message.get("role") != "user" or not isinstance(content, list):
                continue
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    results.append(
                        {
                            "tool_use_id": block.get("tool_use_id"),
                            "content": _flatten_text(block.get("content")),
                            "is_error": bool(block.get("is_error", False)),
                        }
                    )
        return results

    def text_sent_to_model(self) -> str:
        """All text of the last main request: system prompt plus all message text.

        This includes ``<system-reminder>`` blocks and the ``role: "system"`` messages
        where Claude Code 2.1.330 puts hook ``additionalContext``.
        """
        mains = self.main_requests
        if not mains:
            return ""
        body = mains[-1]
        parts = [_flatten_text(body.get("system"))]
        parts.extend(_flatten_text(m.get("content")) for m in body.get("messages", []))
        return "\n".join(p for p in parts if p)

    def describe(self) -> str:
        """Summary of the recorded traffic, for assertion messages."""
        reqs = self.requests
        endpoints = sorted({f"{r.method} {urlsplit(r.path).path}" for r in reqs})
        summary = (
            f"{len(reqs)} HTTP requests ({len(self.main_requests)} main, "
            f"{len(self.side_requests)} side); "
            f"endpoints: {', '.join(endpoints) or 'none'}"
        )
        errors = self.errors
        if errors:
            summary += f"\nstand-in errors:\n{chr(10).join(errors)}"
        return summary

    # --------------------------------------------------------------------- replies

    def _record(self, record: RecordedRequest) -> None:
        with self._state.lock:
            self._state.requests.append(record)
            if isinstance(record.body, dict):
                if record.kind == "main":
                    self._state.main_requests.append(record.body)
                elif record.kind == "side":
                    self._state.side_requests.append(record.body)

    def _record_error(self, error: str) -> None:
        with self._state.lock:
            self._state.errors.append(error)

    def _next_message_id(self) -> str:
        with self._state.lock:
            return f"msg_{next(self._state.message_ids):04d}"

    def _reply_blocks(self, body: dict[str, Any], kind: str) -> tuple[tuple[Block, ...], str]:
        if kind != "main":
            return (Text(_SIDE_TEXT),), "end_turn"
        step = _assistant_turns(body.get("messages", []))
        blocks = self.script[step] if step < len(self.script) else ()
        if not blocks:
            blocks = (Text(_DONE_TEXT),)
        stop = "tool_use" if any(isinstance(b, ToolUse) for b in blocks) else "end_turn"
        return blocks, stop


# ---------------------------------------------------------------------- helpers


def _is_main(body: dict[str, Any]) -> bool:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return False
    names = {t.get("name") for t in tools if isinstance(t, dict)}
    return bool(names & _MAIN_LOOP_TOOLS) or len(names) >= _MAIN_LOOP_MIN_TOOLS


def _assistant_turns(messages: Any) -> int:
    """Number of assistant turns in ``messages``.

    Claude Code 2.1.330 sends each block of a multi-block reply (parallel tool calls)
    as its own consecutive assistant message and interleaves ``role: "system"``
    messages, so a turn is a run of assistant messages with no user message between.
    """
    turns = 0
    previous = None
    if isinstance(messages, list):
        for message in messages:
            role = message.get("role") if isinstance(message, dict) else None
            if role == "system":
                continue
            if role == "assistant" and previous != "assistant":
                turns += 1
            previous = role
    return turns


def _flatten_text(value: Any) -> str:
    """Concatenate the text in a string, a content-block list or a single block."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(t for t in (_flatten_text(v) for v in value) if t)
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "text" or (kind is None and "text" in value):
            return str(value.get("text", ""))
        if kind == "tool_result":
            return _flatten_text(value.get("content"))
        if kind == "tool_use":
            return json.dumps(value.get("input", {}), sort_keys=True)
        return ""
    return str(value)


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, ToolUse):
        return {
            "type": "tool_use",
            "id": block.id,
            "name": block.name,
            "input": block.input,
        }
    return {"type": "text", "text": block.text}


def _usage(body: dict[str, Any]) -> dict[str, int]:
    approx = max(1, len(json.dumps(body.get("messages", []))) // 4)
    return {
        "input_tokens": approx,
        "output_tokens": 1,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _sse_stream(
    message_id: str,
    model: str,
    blocks: Sequence[Block],
    stop: str,
    usage: dict[str, int],
) -> bytes:
    out = [
        _sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": usage,
                },
            },
        )
    ]
    output_tokens = 0
    for index, block in enumerate(blocks):
        if isinstance(block, ToolUse):
            start: dict[str, Any] = {
                "type": "tool_use",
                "id": block.id,
                "name": block.name,
                "input": {},
            }
            payload = json.dumps(block.input)
            delta: dict[str, Any] = {
                "type": "input_json_delta",
                "partial_json": payload,
            }
        else:
            start = {"type": "text", "text": ""}
            payload = block.text
            delta = {"type": "text_delta", "text": payload}
        output_tokens += max(1, len(payload) // 4)
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        out.append(
            _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        )
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
    )
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return b"".join(out)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: MessagesAPI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the traffic is in ``MessagesAPI.requests``."""

    # -- plumbing

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            raw = b"".join(chunks)
        else:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        return raw

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("request-id", "req_loopback")
        if content_type.startswith("text/event-stream"):
            self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self.wfile.flush()

    def _send_json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _record(self, body: Any, kind: str) -> None:
        self.server.api._record(
            RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                kind=kind,
            )
        )

    # -- verbs

    def do_POST(self) -> None:
        try:
            self._post()
        except Exception as exc:
            self.server.api._record_error(f"POST {self.path}: {exc!r}")
            self.close_connection = True
            raise

    def _post(self) -> None:
        raw = self._read_body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = urlsplit(self.path).path.rstrip("/")
        if path.endswith("/v1/messages/count_tokens"):
            self._record(body, "count_tokens")
            approx = len(raw) // 4 if raw else 1
            self._send_json(200, {"input_tokens": max(1, approx)})
            return
        if not path.endswith("/v1/messages") or not isinstance(body, dict):
            self._record(body, "other")
            self._send_json(200, {})
            return
        kind = "main" if _is_main(body) else "side"
        self._record(body, kind)
        api = self.server.api
        blocks, stop = api._reply_blocks(body, kind)
        message_id = api._next_message_id()
        model = str(body.get("model") or "claude-loopback")
        usage = _usage(body)
        if body.get("stream"):
            self._send(
                200,
                _sse_stream(message_id, model, blocks, stop, usage),
                "text/event-stream; charset=utf-8",
            )
            return
        usage["output_tokens"] = 1
        self._send_json(
            200,
            {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [_block_json(b) for b in blocks],
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            },
        )

    def _do_other(self) -> None:
        if self.command in ("PUT", "PATCH", "DELETE"):
            self._read_body()
        self._record(None, "other")
        path = urlsplit(self.path).path.rstrip("/")
        if path.endswith("/v1/models"):
            self._send_json(200, {"data": [], "has_more": False, "first_id": None, "last_id": None})
            return
        self._send_json(200, {})

    do_GET = _do_other
    do_HEAD = _do_other
    do_PUT = _do_other
    do_PATCH = _do_other
    do_DELETE = _do_other
    do_OPTIONS = _do_other
