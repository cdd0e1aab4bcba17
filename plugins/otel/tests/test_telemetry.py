"""A replayed Claude Code session, exported to a loopback OTLP/HTTP receiver that decodes
the protobuf requests: spans, metrics and logs with the right names, attributes, parent
links and counts."""

from __future__ import annotations

import collections
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import hookmux_otel
import policy_plugin
import pytest
from hookmux_otel.exporter import Exporter, read_state
from otel_testing import Receiver

from hookmux.testing import run_event

DATA = Path(__file__).parent / "data"
PLUGINS = {"policy": policy_plugin, "otel": hookmux_otel}


def session() -> list[dict[str, Any]]:
    lines = (DATA / "cc-2.1.330-events.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOOKMUX_PLUGINS", "otel,policy")
    return tmp_path / "hookmux-home"


def replay(home: Path, payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        run_event(payload, PLUGINS, home=home)


def store_counts(home: Path, runs_where: str = "1") -> tuple[int, int]:
    from hookmux.state import store

    store.ingest(str(home))
    with sqlite3.connect(home / "hookmux.db") as conn:
        events = conn.execute("select count(*) from events").fetchone()[0]
        runs = conn.execute(f"select count(*) from executions where {runs_where}").fetchone()[0]
    return int(events), int(runs)


def export(home: Path, env: dict[str, str]) -> dict[str, Any]:
    return Exporter(str(home), {**os.environ, **env}).export_once(wait=True)


def test_a_replayed_session_arrives_as_spans_with_parents_and_attributes(home: Path) -> None:
    payloads = session()
    replay(home, payloads)
    with Receiver() as receiver:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20team-token,x-team=hooks",
            "OTEL_RESOURCE_ATTRIBUTES": "department=platform,team.id=hooks",
        }
        outcome = export(home, env)
        assert outcome["state"] == "ok", outcome
        spans = receiver.spans()
        headers = next(h for p, _, h in receiver.requests if p == "/v1/traces")

    events, runs = store_counts(home)
    assert events == len(payloads)  # the observer takes every event: each one is routed
    assert len(spans) == events + runs == outcome["spans"]
    event_spans = [s for s in spans if s["name"].startswith("hookmux ")]
    assert [s["name"] for s in event_spans] == [f"hookmux {p['hook_event_name']}" for p in payloads]
    assert headers["authorization"] == "Bearer team-token" and headers["x-team"] == "hooks"
    resource = spans[0]["resource"]
    assert resource["service.name"] == "hookmux" and resource["department"] == "platform"
    assert resource["team.id"] == "hooks" and spans[0]["scope"] == "hookmux"

    by_id = {s["span_id"]: s for s in spans}
    for span, payload in zip(event_spans, payloads, strict=True):
        attrs = span["attributes"]
        assert attrs["session.id"] == payload["session_id"]  # Claude Code's attribute name
        assert attrs["hookmux.event"] == payload["hook_event_name"]
        assert attrs.get("tool_name") == payload.get("tool_name")
        assert attrs.get("hookmux.tool_use_id") == payload.get("tool_use_id")
        assert len(attrs["hookmux.correlation_id"]) == 24
        assert span["start"] <= span["end"]
    # every handler run is a child of its event's span, in the same trace, inside it in time
    children = [s for s in spans if not s["name"].startswith("hookmux ")]
    assert len(children) == runs
    for child in children:
        parent = by_id[child["parent_id"]]
        assert parent["name"] == f"hookmux {child['attributes']['hookmux.event']}"
        assert child["trace_id"] == parent["trace_id"]
        assert parent["start"] <= child["start"] <= child["end"]
    outcomes = collections.Counter(
        (
            c["attributes"]["hookmux.plugin"],
            c["attributes"]["hookmux.handler"],
            c["attributes"]["hookmux.outcome"],
        )
        for c in children
    )
    assert outcomes[("policy", "refuse_exit", "ok")] == 1
    assert outcomes[("policy", "crash_on_read", "error")] == 1
    assert outcomes[("policy", "overrun_on_failure", "timeout")] == 2
    assert outcomes[("policy", "observe_pre_tool_use", "silent")] == 7

    # one trace per tool call: the Post (or failure, or permission event) hangs under its Pre
    pre = {}
    for span, payload in zip(event_spans, payloads, strict=True):
        name = payload["hook_event_name"]
        key = (payload["session_id"], payload.get("tool_use_id"))
        if name == "PreToolUse":
            pre[key] = span
            assert span["parent_id"] == ""
        elif name in ("PostToolUse", "PostToolUseFailure") and key in pre:
            assert span["trace_id"] == pre[key]["trace_id"]
            assert span["parent_id"] == pre[key]["span_id"]
    assert len({s["trace_id"] for s in event_spans}) == len(
        {(p["session_id"], p["tool_use_id"]) if p.get("tool_use_id") else i for i, p in enumerate(payloads)}
    )

    decisions = {
        (s["attributes"]["hookmux.event"], s["attributes"].get("tool_name")): s["attributes"][
            "hookmux.decision"
        ]
        for s in event_spans
        if s["attributes"]["hookmux.decision"] != "none"
    }
    assert decisions == {
        ("PreToolUse", "Bash"): "deny",
        ("Stop", None): "block",
        ("PermissionRequest", "Write"): "deny",
    }
    failed = [s for s in event_spans if s["status"] == 2]  # STATUS_CODE_ERROR
    assert {s["attributes"]["hookmux.event"] for s in failed} == {"PostToolUse", "PostToolUseFailure"}


def test_denies_blocks_and_failures_are_logged_with_redacted_reasons(home: Path) -> None:
    replay(home, session())
    with Receiver() as receiver:
        assert export(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})["state"] == "ok"
        logs, spans = receiver.logs(), receiver.spans()
    assert policy_plugin.SECRET not in json.dumps(logs) + json.dumps(spans)
    by_kind = collections.defaultdict(list)
    for log in logs:
        by_kind[log["event_name"]].append(log)
    refusals = {(log["attributes"]["hookmux.event"], log["attributes"]["hookmux.decision"]) for log in
                by_kind["hookmux.decision"]}  # fmt: skip
    assert refusals == {("PreToolUse", "deny"), ("Stop", "block"), ("PermissionRequest", "deny")}
    deny = next(
        log for log in by_kind["hookmux.decision"] if log["attributes"]["hookmux.event"] == "PreToolUse"
    )
    assert deny["severity"] == "WARN" and deny["body"].startswith("PreToolUse Bash: deny: no exit codes here")
    assert "no exit codes here" in deny["attributes"]["hookmux.reason"]
    failures = collections.Counter(
        log["attributes"]["hookmux.outcome"] for log in by_kind["hookmux.handler_failure"]
    )
    assert failures == {"error": 1, "timeout": 2}
    crash = next(
        log for log in by_kind["hookmux.handler_failure"] if log["attributes"]["hookmux.outcome"] == "error"
    )
    assert crash["severity"] == "ERROR" and "reader broke on" in crash["attributes"]["hookmux.error"]
    # each log record points at its span
    span_ids = {(s["trace_id"], s["span_id"]) for s in spans}
    assert all((log["trace_id"], log["span_id"]) in span_ids for log in logs)


def test_handler_durations_and_decisions_are_metrics(home: Path) -> None:
    payloads = session()
    replay(home, payloads)
    with Receiver() as receiver:
        assert export(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})["state"] == "ok"
        durations = list(receiver.metric_points("hookmux.handler.duration"))
        decisions = list(receiver.metric_points("hookmux.decisions"))
        metric_units = {
            m.name: m.unit
            for message in receiver.messages("/v1/metrics")
            for rm in message.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
        }
    assert metric_units == {"hookmux.handler.duration": "s", "hookmux.decisions": "{event}"}
    _, ran = store_counts(home, "status != 'queued'")  # the background handler was only queued
    assert sum(p.count for _, p in durations) == ran
    timeouts = [(a, p) for a, p in durations if a["hookmux.outcome"] == "timeout"]
    assert sum(p.count for _, p in timeouts) == 2 and all(p.sum >= 0.2 * p.count for _, p in timeouts)
    counted = collections.Counter()
    for attributes, point in decisions:
        counted[attributes["hookmux.decision"]] += point.as_int
    assert counted == {"none": len(payloads) - 4, "deny": 2, "block": 2}  # two sessions: two Stops


def test_the_cursor_sends_each_event_once(home: Path) -> None:
    payloads = session()
    replay(home, payloads[:10])
    with Receiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
        first = export(home, env)
        again = export(home, env)
        replay(home, payloads[10:])
        rest = export(home, env)
        names = [s["name"] for s in receiver.spans() if s["name"].startswith("hookmux ")]
    assert (first["events"], again["events"], rest["events"]) == (10, 0, len(payloads) - 10)
    assert names == [f"hookmux {p['hook_event_name']}" for p in payloads]
    state = read_state(str(home))
    assert state["exported_spans"] == first["spans"] + rest["spans"] and state["dropped_spans"] == 0


@pytest.mark.parametrize("batch_size", ["1", "256"])
def test_a_later_event_stored_before_its_pre_tool_use_still_hangs_under_it(
    home: Path, batch_size: str
) -> None:
    """Records are stored once each answer is out, by whichever thread or process answered:
    a fast tool call's PostToolUse can reach the store first, in the same export request
    as its PreToolUse or in an earlier one."""
    payloads = session()
    pre = next(p for p in payloads if p["hook_event_name"] == "PreToolUse" and p.get("tool_use_id"))
    post = next(
        p
        for p in payloads
        if p["hook_event_name"] in ("PostToolUse", "PostToolUseFailure")
        and p.get("tool_use_id") == pre["tool_use_id"]
    )
    replay(home, [post, pre])
    with Receiver() as receiver:
        outcome = export(
            home, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "HOOKMUX__OTEL__BATCH_SIZE": batch_size}
        )
        spans = receiver.spans()
    assert outcome["state"] == "ok", outcome
    events = {s["attributes"]["hookmux.event"]: s for s in spans if s["name"].startswith("hookmux ")}
    pre_span, post_span = events["PreToolUse"], events[post["hook_event_name"]]
    assert pre_span["parent_id"] == ""
    assert post_span["trace_id"] == pre_span["trace_id"]
    assert post_span["parent_id"] == pre_span["span_id"]


def test_a_callers_traceparent_is_honoured(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trace, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    monkeypatch.setenv("TRACEPARENT", f"00-{trace}-{parent}-01")
    pre, post = [p for p in session() if p.get("tool_use_id") == "toolu_6"]
    replay(home, [pre, post])
    with Receiver() as receiver:
        assert export(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})["state"] == "ok"
        spans = [s for s in receiver.spans() if s["name"].startswith("hookmux ")]
    assert [s["name"] for s in spans] == ["hookmux PreToolUse", "hookmux PostToolUseFailure"]
    assert {s["trace_id"] for s in spans} == {trace}
    assert {s["parent_id"] for s in spans} == {parent}
    assert spans[1]["links"] == [(trace, spans[0]["span_id"])]  # the call's two halves stay linked


def test_payload_fields_are_attributes_only_when_configured_and_redacted(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOKMUX_STORE_RAW", "true")
    event = next(
        p for p in session() if p.get("tool_use_id") == "toolu_6" and p["hook_event_name"] == "PreToolUse"
    )
    event = {**event, "tool_input": {"command": f"exit 3 # {policy_plugin.SECRET}", "description": "d"}}
    replay(home, [event])
    with Receiver() as receiver:
        url = receiver.url
        assert export(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": url})["state"] == "ok"
        plain = receiver.spans()[0]["attributes"]
    assert not [k for k in plain if k.startswith("hookmux.payload.")]  # nothing by default
    replay(home, [event])
    monkeypatch.setenv("HOOKMUX__OTEL__PAYLOAD_FIELDS", '["tool_input.command", "tool_input.description"]')
    with Receiver() as receiver:
        assert export(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})["state"] == "ok"
        attrs = receiver.spans()[0]["attributes"]
    assert attrs["hookmux.payload.tool_input.description"] == "d"
    command = attrs["hookmux.payload.tool_input.command"]
    assert command.startswith("exit 3 # ") and policy_plugin.SECRET not in command
