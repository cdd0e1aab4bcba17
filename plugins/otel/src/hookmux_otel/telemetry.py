"""From the core's records to OpenTelemetry spans, log records and metric points.

The core writes one record per routed hook event and one per handler run
(:mod:`hookmux.state.records`; the store ingests them). Each event record becomes
a span, each handler run a child span laid out in the order the handlers ran;
the spans of one tool call (its PreToolUse, then its PostToolUse or failure, its
permission events) share a trace derived from hookmux's correlation id, with the
PreToolUse span as the parent of the others, unless the caller passed a W3C
``TRACEPARENT``, under whose span every event then hangs. Denies, blocks and
handler failures also become log records, with their (already redacted) reasons.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from hookmux.state.redact import redact, redact_text

#: The attribute Claude Code's own telemetry names the session with.
SESSION_ID = "session.id"
#: A handler's status in the core's records -> its outcome in telemetry.
OUTCOMES = {"open": "breaker-open", "disabled": "breaker-disabled"}
FAILED = ("error", "timeout", "invalid", "skipped")
#: Decisions reported as refusals (a log record each).
REFUSALS = ("deny", "block", "decline", "cancel", "halt")
#: Events that belong to a tool call begun by a PreToolUse.
TOOL_CALL_EVENTS = (
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "PermissionDenied",
)
_DECISION_PATTERNS = (
    ("permissionDecision", re.compile(r'"permissionDecision":\s*"(\w+)"')),
    ("behavior", re.compile(r'"behavior":\s*"(\w+)"')),
    ("decision", re.compile(r'"decision":\s*"(block)"')),
    ("action", re.compile(r'"action":\s*"(\w+)"')),
)
_REASON_KEYS = ("permissionDecisionReason", "reason", "message", "stopReason")


@attrs.frozen
class Span:
    """One span, independent of the SDK (the exporter turns it into a ``ReadableSpan``)."""

    name: str
    trace_id: int
    span_id: int
    parent_id: int | None
    start_ns: int
    end_ns: int
    attributes: Mapping[str, Any]
    error: str | None = None
    links: tuple[tuple[int, int], ...] = ()
    remote_parent: bool = False


@attrs.frozen
class Log:
    timestamp_ns: int
    severity: str  # "WARN" or "ERROR"
    body: str
    attributes: Mapping[str, Any]
    trace_id: int
    span_id: int


@attrs.frozen
class HandlerRun:
    """A point of the handler duration histogram."""

    seconds: float
    attributes: Mapping[str, str]


@attrs.frozen
class Batch:
    spans: tuple[Span, ...] = ()
    logs: tuple[Log, ...] = ()
    handler_runs: tuple[HandlerRun, ...] = ()
    #: one per event: its decision's attributes (the decision counter)
    decisions: tuple[Mapping[str, str], ...] = ()


def _id(hex_text: str | None, bits: int) -> int:
    """An id from the first hex digits of ``hex_text`` (never 0, which means "none")."""
    try:
        value = int((hex_text or "")[: bits // 4], 16)
    except ValueError:
        value = 0
    return value or 1


def derived_trace_id(correlation: str) -> int:
    """The trace of one tool call: the same in every process, from the correlation id."""
    from hashlib import blake2b

    return int.from_bytes(blake2b(correlation.encode(), digest_size=16).digest(), "big") or 1


def trace_of(record: Mapping[str, Any], corr: str) -> int:
    """An event's trace: its caller's (``TRACEPARENT``), else its tool call's."""
    return _id(record["trace_id"], 128) if record.get("trace_id") else derived_trace_id(corr)


def _output(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # cut to the record's limit: searched as text


def decision(record: Mapping[str, Any]) -> tuple[str, str | None]:
    """(decision, reason) of an event from its recorded output: ``allow``, ``deny``, ``ask``,
    ``defer``, ``block``, ``accept``/``decline``/``cancel``, ``halt``, or ``none``."""
    output = _output(record.get("output"))
    if record.get("exit_code") == 2:
        stderr = output.get("stderr") if isinstance(output, dict) else None
        return "block", stderr if isinstance(stderr, str) else None
    if isinstance(output, dict):
        specific = output.get("hookSpecificOutput")
        specific = specific if isinstance(specific, dict) else {}
        nested = specific.get("decision")
        found: str | None = None
        if isinstance(specific.get("permissionDecision"), str):
            found = specific["permissionDecision"]
        elif isinstance(nested, dict) and isinstance(nested.get("behavior"), str):
            found = nested["behavior"]
        elif output.get("decision") == "block":
            found = "block"
        elif isinstance(specific.get("action"), str):
            found = specific["action"]
        elif output.get("continue") is False:
            found = "halt"
        reason = None
        for source in (specific, nested if isinstance(nested, dict) else {}, output):
            for key in _REASON_KEYS:
                if isinstance(source.get(key), str) and source[key]:
                    reason = source[key]
                    break
            if reason:
                break
        return found or "none", reason
    if isinstance(output, str):
        for _key, pattern in _DECISION_PATTERNS:
            match = pattern.search(output)
            if match:
                return match.group(1), None
    return "none", None


def _payload(record: Mapping[str, Any]) -> Any:
    text, encoding = record.get("payload"), record.get("payload_encoding")
    if not isinstance(text, str):
        return None
    try:
        if encoding == "json+zlib+base64":
            text = zlib.decompress(base64.b64decode(text)).decode("utf-8")
        return json.loads(text)
    except (ValueError, zlib.error):
        return None  # cut to max_bytes: not JSON any more


def _field(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _attribute_value(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def build(
    events: Sequence[Mapping[str, Any]],
    executions: Mapping[str, Sequence[Mapping[str, Any]]],
    pre_spans: Mapping[str, tuple[int, int]],
    payload_fields: Iterable[str] = (),
) -> Batch:
    """Telemetry for ``events`` (event records, oldest first) and their handler runs
    (``executions``: event id -> its execution records in the order they ran).

    :param pre_spans: correlation id -> (trace id, span id) of the PreToolUse span of
        that tool call, for the later events of the call (found in the store, or in this
        batch).
    """
    spans: list[Span] = []
    logs: list[Log] = []
    runs: list[HandlerRun] = []
    decisions: list[Mapping[str, str]] = []
    known = dict(pre_spans)
    # A tool call's PreToolUse may be stored after its later events: records are written
    # once each answer is out, by whichever thread or process answered.
    for record in events:
        if record["event"] == "PreToolUse" and record.get("tool_use_id"):
            corr = str(record.get("correlation_id") or record["id"])
            known[corr] = (trace_of(record, corr), _id(record["id"], 64))
    fields = tuple(payload_fields)
    for record in events:
        name = str(record["event"])
        corr = str(record.get("correlation_id") or record["id"])
        span_id = _id(record["id"], 64)
        end = int(float(record["ts"]) * 1e9)
        start = end - int(float(record.get("duration_ms") or 0) * 1e6)
        links: tuple[tuple[int, int], ...] = ()
        parent: int | None = None
        remote = False
        pre = known.get(corr) if name in TOOL_CALL_EVENTS and name != "PreToolUse" else None
        trace = trace_of(record, corr)
        if record.get("trace_id"):
            if record.get("parent_span_id"):
                parent, remote = _id(record["parent_span_id"], 64), True
            if pre is not None:
                links = (pre,)
        elif record.get("tool_use_id") and pre is not None and pre[0] == trace:
            parent = pre[1]
        verdict, reason = decision(record)
        tool = record.get("tool_name")
        attributes: dict[str, Any] = {
            "hookmux.event": name,
            "hookmux.outcome": str(record.get("outcome") or "silent"),
            "hookmux.decision": verdict,
            "hookmux.correlation_id": corr,
            "hookmux.handlers": int(record.get("handlers") or 0),
        }
        if record.get("session_id"):
            attributes[SESSION_ID] = str(record["session_id"])
        if tool:
            attributes["tool_name"] = str(tool)
        if record.get("tool_use_id"):
            attributes["hookmux.tool_use_id"] = str(record["tool_use_id"])
        if fields and (payload := _payload(record)) is not None:
            redacted = redact(payload)  # stored redacted already; the rules may have grown since
            for dotted in fields:
                value = _field(redacted, dotted)
                if value is not None:
                    attributes[f"hookmux.payload.{dotted}"] = _attribute_value(value)
        runs_of_event = executions.get(record["id"], ())
        failures = [x for x in runs_of_event if x.get("status") in FAILED]
        spans.append(
            Span(
                f"hookmux {name}",
                trace,
                span_id,
                parent,
                start,
                end,
                attributes,
                f"{len(failures)} handler(s) failed" if failures else None,
                links,
                remote,
            )
        )
        decided: dict[str, str] = {"hookmux.event": name, "hookmux.decision": verdict}
        if tool:
            decided["tool_name"] = str(tool)
        decisions.append(decided)
        if verdict in REFUSALS:
            body = f"{name}{' ' + str(tool) if tool else ''}: {verdict}" + (f": {reason}" if reason else "")
            log_attributes = {**attributes, "event.name": "hookmux.decision"}
            if reason:
                log_attributes["hookmux.reason"] = redact_text(reason)
            logs.append(Log(end, "WARN", redact_text(body), log_attributes, trace, span_id))
        cursor = start
        for run in runs_of_event:
            status = str(run.get("status") or "")
            outcome = OUTCOMES.get(status, status)
            duration_ns = int(float(run.get("duration_ms") or 0) * 1e6)
            handler_attributes: dict[str, Any] = {
                "hookmux.plugin": str(run["plugin"]),
                "hookmux.handler": str(run["handler"]),
                "hookmux.event": name,
                "hookmux.outcome": outcome,
                "hookmux.correlation_id": corr,
            }
            if record.get("session_id"):
                handler_attributes[SESSION_ID] = str(record["session_id"])
            if run.get("background"):
                handler_attributes["hookmux.background"] = True
            error = redact_text(str(run["error"])) if run.get("error") else None
            child_id = _id(run["id"], 64)
            spans.append(
                Span(
                    f"{run['plugin']}.{run['handler']}",
                    trace,
                    child_id,
                    span_id,
                    cursor,
                    cursor + duration_ns,
                    handler_attributes,
                    (error or outcome) if status in FAILED else None,
                )
            )
            if status in ("ok", "silent", "error", "timeout", "invalid"):  # the handler ran
                runs.append(
                    HandlerRun(
                        duration_ns / 1e9,
                        {k: v for k, v in handler_attributes.items() if k not in ("hookmux.correlation_id",
                                                                                  SESSION_ID)},
                    )
                )  # fmt: skip
            if status in FAILED:
                logs.append(
                    Log(
                        cursor + duration_ns,
                        "ERROR",
                        f"{run['plugin']}.{run['handler']} {outcome} on {name}"
                        + (f": {error}" if error else ""),
                        {**handler_attributes, "event.name": "hookmux.handler_failure",
                         **({"hookmux.error": error} if error else {})},
                        trace,
                        child_id,
                    )
                )  # fmt: skip
            cursor += duration_ns
    return Batch(tuple(spans), tuple(logs), tuple(runs), tuple(decisions))
