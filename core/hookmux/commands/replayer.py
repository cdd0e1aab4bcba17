"""Route recorded hook events through the installed plugins, in process, and describe
what happened: shared by ``hookmux replay`` and ``hookmux demo``."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

import attrs

from hookmux.entry.args import BadInput
from hookmux.entry.route import decode_event, matching_handlers
from hookmux.protocol.summary import summarise
from hookmux.routing.dispatch import dispatch


@attrs.frozen
class Replayed:
    """One event routed: who matched, what each handler did, the merged answer."""

    line: int
    payload: Mapping[str, Any]
    #: ``plugin.function`` of each handler whose matchers accepted the event
    matched: tuple[str, ...]
    #: per handler: plugin, function, status, duration_ms, error
    outcomes: tuple[dict[str, Any], ...]
    #: the JSON object ``hookmux run`` would print (None: nothing)
    output: dict[str, Any] | None
    #: the plain stdout line (WorktreeCreate), if any
    plain: str | None
    exit_code: int
    stderr: str | None
    messages: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "event": self.payload.get("hook_event_name"),
            "summary": summarise(self.payload),
            "matched": list(self.matched),
            "outcomes": list(self.outcomes),
            "output": self.output,
            "plain": self.plain,
            "exit_code": self.exit_code,
            "stderr": self.stderr,
            "messages": list(self.messages),
        }


def parse_line(text: str) -> dict[str, Any]:
    """One NDJSON line: a hook payload, or ``{"payload": {...}, ...}`` as captured."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"not JSON: {exc}") from None
    if isinstance(value, dict) and "hook_event_name" not in value and isinstance(value.get("payload"), dict):
        value = value["payload"]
    if not isinstance(value, dict):
        raise BadInput(f"a JSON {type(value).__name__}, expected an object")
    return decode_event(json.dumps(value).encode("utf-8"))


def read_events(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | BadInput]]:
    """(line number, payload or the reason the line is unusable); blank lines skipped."""
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            yield number, parse_line(text)
        except BadInput as exc:
            yield number, exc


def replay_event(
    line: int,
    payload: Mapping[str, Any],
    manifest: Mapping[str, Any],
    *,
    home: str,
    only: Collection[str] | None = None,
    resolver: Callable[[str], Any] | None = None,
) -> Replayed:
    """Route ``payload`` as ``hookmux run`` would (``only``: these plugins alone)."""
    handlers = matching_handlers(payload, manifest)
    if only is not None:
        handlers = [h for h in handlers if h["plugin"] in only]
    matched = tuple(f"{h['plugin']}.{h['function']}" for h in handlers)
    if not handlers:
        return Replayed(line, payload, (), (), None, None, 0, None, ())
    result = dispatch(payload, handlers, manifest, home=home, resolver=resolver)
    outcomes = tuple(
        {
            "plugin": o.plugin,
            "function": o.function,
            "status": o.status,
            "duration_ms": round(o.duration_ms, 1),
            "error": o.error,
        }
        for o in result.outcomes
    )
    rendered = result.rendered
    return Replayed(
        line,
        payload,
        matched,
        outcomes,
        None if rendered is None else rendered.payload,
        None if rendered is None else rendered.plain,
        0 if rendered is None else rendered.exit_code,
        None if rendered is None else rendered.stderr,
        tuple(result.messages),
    )
