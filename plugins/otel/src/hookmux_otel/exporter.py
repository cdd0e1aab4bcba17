"""Export what the core recorded, off every hook's clock.

The core records each routed event in its spool, which the store ingests
(:mod:`hookmux.state.store`); nothing here runs while a hook waits. Under
``hookmux serve`` a process started by ``hookmux_serve_start`` (:func:`main`) exports every
``export_interval`` seconds; without the daemon, a background worker at
SessionEnd (or ``hookmux otel export``) does. Whoever exports holds a lock and
moves a cursor (the store's row id of the last event sent), so every process
agrees on what went out. A collector that refuses or hangs costs a bounded
request (``timeout``) in the exporting process; the events wait in the store, and
beyond ``max_backlog`` the oldest are dropped and counted in ``hookmux status``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hookmux import __version__ as hookmux_version
from hookmux.state.paths import atomic_write
from hookmux_otel import telemetry
from hookmux_otel.config import Config, Destination, configured

STATE = "state.json"
LOCK = "export.lock"
#: With no cursor yet, events recorded this long before the first export are sent
#: (those of the ``hookmux run`` that started the daemon), older ones are history.
FIRST_EXPORT_WINDOW = 300.0
#: Longest pause between attempts while the collector keeps failing.
MAX_BACKOFF = 60.0
COUNTERS = (
    "exported_spans",
    "exported_logs",
    "exported_metric_points",
    "dropped_spans",
    "dropped_logs",
    "dropped_metric_points",
    "failed_exports",
)
#: Seconds: handlers take from a fraction of a millisecond to their timeout.
_DURATION_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip


def state_dir(home: str) -> str:
    """The plugin's private directory (the one ``ctx.state_dir`` names in a handler)."""
    path = os.path.join(home, "plugins", "otel")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def read_state(home: str) -> dict[str, Any]:
    try:
        with open(os.path.join(home, "plugins", "otel", STATE), encoding="utf-8") as fh:
            state = json.load(fh)
    except (OSError, ValueError):
        state = {}
    return state if isinstance(state, dict) else {}


def _write_state(home: str, state: Mapping[str, Any]) -> None:
    atomic_write(os.path.join(state_dir(home), STATE), json.dumps(state, indent=1, sort_keys=True).encode())


@contextlib.contextmanager
def export_lock(home: str, wait: bool) -> Iterator[bool]:
    """Held by the one process exporting now: True when this one got it."""
    fd = os.open(os.path.join(state_dir(home), LOCK), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


class _LastError(logging.Handler):
    """Keeps the SDK exporters' last complaint (they log it rather than return it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.message = record.getMessage()


_last_error = _LastError()
_install_lock = threading.Lock()


def _capture_sdk_errors() -> None:
    with _install_lock:
        sdk_logger = logging.getLogger("opentelemetry")
        if _last_error not in sdk_logger.handlers:
            sdk_logger.addHandler(_last_error)
            sdk_logger.propagate = False  # said once in `hookmux status`, not on every retry


class _Sinks:
    """The SDK exporters and the meter for one destination."""

    def __init__(self, destination: Destination, timeout: float) -> None:
        from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
        from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
        from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        self.destination = destination
        self.timeout = timeout
        self.resource = Resource(dict(destination.resource))
        self.scope = InstrumentationScope("hookmux", hookmux_version)
        endpoints = destination.endpoints
        headers = dict(destination.headers)
        span_cls, log_cls, metric_cls = _exporter_classes(destination.protocol)
        self.spans = span_cls(endpoint=endpoints["traces"], headers=headers, timeout=timeout) if (
            "traces" in endpoints) else None  # fmt: skip
        self.logs = log_cls(endpoint=endpoints["logs"], headers=headers, timeout=timeout) if (
            "logs" in endpoints) else None  # fmt: skip
        self.metrics = None
        self.reader = None
        if "metrics" in endpoints:
            delta = destination.temporality != "cumulative"
            temporality = AggregationTemporality.DELTA if delta else AggregationTemporality.CUMULATIVE
            preferred: dict[type, AggregationTemporality] = {Counter: temporality, Histogram: temporality}
            self.metrics = metric_cls(
                endpoint=endpoints["metrics"],
                headers=headers,
                timeout=timeout,
                preferred_temporality=preferred,
            )
            self.reader = InMemoryMetricReader(preferred_temporality=preferred)
            provider = MeterProvider(
                metric_readers=[self.reader],
                resource=self.resource,
                shutdown_on_exit=False,
                views=[
                    View(
                        instrument_name="hookmux.handler.duration",
                        aggregation=ExplicitBucketHistogramAggregation(_DURATION_BUCKETS),
                    )
                ],
            )
            meter = provider.get_meter("hookmux", hookmux_version)
            self.duration = meter.create_histogram(
                "hookmux.handler.duration", unit="s", description="How long each hookmux handler ran."
            )
            self.decisions = meter.create_counter(
                "hookmux.decisions", unit="{event}", description="Hook events hookmux answered, by decision."
            )

    def shutdown(self) -> None:
        for exporter in (self.spans, self.logs, self.metrics):
            if exporter is not None:
                with contextlib.suppress(Exception):
                    exporter.shutdown()


def _exporter_classes(protocol: str) -> tuple[Any, Any, Any]:
    if protocol == "grpc":
        try:
            from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (  # type: ignore[import-not-found]
                OTLPLogExporter,
            )
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (  # type: ignore[import-not-found]
                OTLPMetricExporter,
            )
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # type: ignore[import-not-found]
                OTLPSpanExporter,
            )
        except ImportError as exc:
            raise RuntimeError(
                "protocol grpc needs the grpc extra: pip install 'hookmux-otel[grpc]'"
            ) from exc
        return OTLPSpanExporter, OTLPLogExporter, OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HTTPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HTTPMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HTTPSpanExporter

    return HTTPSpanExporter, HTTPLogExporter, HTTPMetricExporter


def _sdk_spans(sinks: _Sinks, spans: Sequence[telemetry.Span]) -> list[Any]:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

    sampled = TraceFlags(TraceFlags.SAMPLED)
    out = []
    for span in spans:
        parent = (
            SpanContext(span.trace_id, span.parent_id, span.remote_parent, sampled)
            if span.parent_id is not None
            else None
        )
        out.append(
            ReadableSpan(
                span.name,
                context=SpanContext(span.trace_id, span.span_id, False, sampled),
                parent=parent,
                resource=sinks.resource,
                attributes=dict(span.attributes),
                links=[Link(SpanContext(t, s, False, sampled)) for t, s in span.links],
                kind=SpanKind.INTERNAL,
                status=Status(StatusCode.ERROR, span.error) if span.error else Status(StatusCode.UNSET),
                start_time=span.start_ns,
                end_time=span.end_ns,
                instrumentation_scope=sinks.scope,
            )
        )
    return out


def _sdk_logs(sinks: _Sinks, logs: Sequence[telemetry.Log]) -> list[Any]:
    from opentelemetry._logs import LogRecord, SeverityNumber
    from opentelemetry.sdk._logs import ReadableLogRecord
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

    severities = {"WARN": SeverityNumber.WARN, "ERROR": SeverityNumber.ERROR}
    return [
        ReadableLogRecord(
            LogRecord(
                timestamp=log.timestamp_ns,
                observed_timestamp=time.time_ns(),
                context=set_span_in_context(
                    NonRecordingSpan(
                        SpanContext(log.trace_id, log.span_id, False, TraceFlags(TraceFlags.SAMPLED))
                    )
                ),
                severity_text=log.severity,
                severity_number=severities[log.severity],
                body=log.body,
                attributes=dict(log.attributes),
                event_name=str(log.attributes.get("event.name") or ""),
            ),
            sinks.resource,
            sinks.scope,
        )
        for log in logs
    ]


def _succeeded(result: Any) -> bool:
    return getattr(result, "name", "") == "SUCCESS"


class Exporter:
    """Sends the store's new records to the configured collector (one per process)."""

    def __init__(self, home: str, environ: Mapping[str, str]) -> None:
        self.home = home
        self.environ = environ
        self._sinks: _Sinks | None = None
        self._sinks_key: Any = None
        self.stopping = threading.Event()
        self.failures = 0

    # -- configuration ------------------------------------------------------------------

    def config(self) -> tuple[Config, Destination | None]:
        return configured(self.environ)

    def _sinks_for(self, config: Config, destination: Destination) -> _Sinks:
        key = (destination, config.timeout)
        if self._sinks is None or self._sinks_key != key:
            if self._sinks is not None:
                self._sinks.shutdown()
            self._sinks, self._sinks_key = _Sinks(destination, config.timeout), key
        return self._sinks

    # -- one export ---------------------------------------------------------------------

    def export_once(self, wait: bool = False, budget: float | None = None) -> dict[str, Any]:
        """Send what is waiting, in batches, until done, the collector fails or ``budget``
        seconds have passed (no batch is started after that).

        :returns: what happened: ``{"state": "off"|"busy"|"ok"|"failed", ...}``.
        """
        config, destination = self.config()
        if destination is None:
            return {"state": "off"}
        _capture_sdk_errors()
        with export_lock(self.home, wait) as held:
            if not held:
                return {"state": "busy"}
            ends = time.monotonic() + budget if budget is not None else math.inf
            return self._export_locked(config, destination, ends)

    def _export_locked(self, config: Config, destination: Destination, ends: float) -> dict[str, Any]:
        from hookmux.state.store import ingest, opened

        state = read_state(self.home)
        for key in COUNTERS:
            state[key] = int(state.get(key) or 0)
        sent = {"spans": 0, "logs": 0, "events": 0}
        result: dict[str, Any] = {"state": "ok"}
        try:
            sinks = self._sinks_for(config, destination)
            with opened(self.home) as conn:
                ingest(self.home, conn)
                cursor = self._cursor(conn, state)
                cursor = self._bound_backlog(conn, state, cursor, config.max_backlog)
                while time.monotonic() < ends and not self.stopping.is_set():
                    rows = [
                        dict(r)
                        for r in conn.execute(
                            "select rowid as row_id, * from events where rowid > ? order by rowid limit ?",
                            (cursor, config.batch_size),
                        )
                    ]
                    if not rows:
                        break
                    batch = self._batch(conn, rows, config)
                    error = self._send(sinks, batch, state)
                    if error is not None:
                        result = {"state": "failed", "error": error}
                        break
                    cursor = int(rows[-1]["row_id"])
                    state["cursor"] = cursor
                    sent["spans"] += len(batch.spans)
                    sent["logs"] += len(batch.logs)
                    sent["events"] += len(rows)
                    _write_state(self.home, state)
                    if len(rows) < config.batch_size:
                        break
        except Exception as exc:  # noqa: BLE001 - a broken store or SDK is reported, not raised
            result = {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
        now = time.time()
        if result["state"] == "failed":
            state["failed_exports"] += 1
            state["last_error"] = str(result["error"])[:500]
            state["last_error_at"] = now
        elif sent["events"]:
            state["last_export_at"] = now
        state["endpoint"] = next(iter(destination.endpoints.values()))
        _write_state(self.home, state)
        return {**result, **sent}

    def _cursor(self, conn: Any, state: dict[str, Any]) -> int:
        top = conn.execute("select coalesce(max(rowid), 0) from events").fetchone()[0]
        cursor = state.get("cursor")
        if not isinstance(cursor, int):
            since = time.time() - FIRST_EXPORT_WINDOW
            first = conn.execute("select min(rowid) from events where ts >= ?", (since,)).fetchone()[0]
            cursor = (first - 1) if first is not None else top
        return int(min(cursor, top))  # the store was emptied: new rows come after its top

    def _bound_backlog(self, conn: Any, state: dict[str, Any], cursor: int, limit: int) -> int:
        """Skip (and count) the oldest waiting events beyond ``limit``."""
        waiting = conn.execute("select count(*) from events where rowid > ?", (cursor,)).fetchone()[0]
        if waiting <= limit:
            return cursor
        new_cursor = conn.execute(
            "select rowid from events where rowid > ? order by rowid limit 1 offset ?",
            (cursor, waiting - limit - 1),
        ).fetchone()[0]
        spans = conn.execute(
            "select (select count(*) from events where rowid > ? and rowid <= ?) + "
            "(select count(*) from executions where event_id in "
            "(select id from events where rowid > ? and rowid <= ?))",
            (cursor, new_cursor, cursor, new_cursor),
        ).fetchone()[0]
        state["dropped_spans"] += int(spans)
        state["cursor"] = new_cursor
        return int(new_cursor)

    def _batch(self, conn: Any, rows: list[dict[str, Any]], config: Config) -> telemetry.Batch:
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        executions: dict[str, list[dict[str, Any]]] = {}
        for x in conn.execute(
            f"select * from executions where event_id in ({marks}) order by event_id, seq",  # noqa: S608
            ids,
        ):
            executions.setdefault(x["event_id"], []).append(dict(x))
        later = {
            r["correlation_id"]
            for r in rows
            if r["event"] in telemetry.TOOL_CALL_EVENTS and r["event"] != "PreToolUse" and r["correlation_id"]
        }
        pre_spans: dict[str, tuple[int, int]] = {}
        for corr in later:
            # Before or after this batch: records are stored once each answer is out, so
            # a fast tool call's PreToolUse can come after its PostToolUse (a parent sent
            # in a later request is still the parent).
            pre = conn.execute(
                "select id, trace_id, correlation_id from events where correlation_id = ? "
                "and event = 'PreToolUse' order by rowid desc limit 1",
                (corr,),
            ).fetchone()
            if pre is not None:
                pre_spans[corr] = (telemetry.trace_of(dict(pre), corr), telemetry._id(pre["id"], 64))
        return telemetry.build(rows, executions, pre_spans, config.payload_fields)

    def _send(self, sinks: _Sinks, batch: telemetry.Batch, state: dict[str, Any]) -> str | None:
        """Export one batch: the error that stopped it (it will be sent again), or None."""
        _last_error.message = None
        if sinks.spans is not None and batch.spans:
            if not _succeeded(sinks.spans.export(_sdk_spans(sinks, batch.spans))):
                return _last_error.message or "the collector did not take the spans"
            state["exported_spans"] += len(batch.spans)
        # The spans are out: what follows is sent once, and counted as dropped if refused.
        if sinks.logs is not None and batch.logs:
            if _succeeded(sinks.logs.export(_sdk_logs(sinks, batch.logs))):
                state["exported_logs"] += len(batch.logs)
            else:
                state["dropped_logs"] += len(batch.logs)
                state["last_error"] = _last_error.message or "the collector did not take the logs"
                state["last_error_at"] = time.time()
        if sinks.metrics is not None and sinks.reader is not None:
            for run in batch.handler_runs:
                sinks.duration.record(run.seconds, dict(run.attributes))
            for decided in batch.decisions:
                sinks.decisions.add(1, dict(decided))
            data = sinks.reader.get_metrics_data()
            points = sum(
                len(m.data.data_points)
                for rm in (data.resource_metrics if data else ())
                for sm in rm.scope_metrics
                for m in sm.metrics
            )
            if points:
                if _succeeded(sinks.metrics.export(data, timeout_millis=sinks.timeout * 1000)):
                    state["exported_metric_points"] += points
                else:
                    state["dropped_metric_points"] += points
                    state["last_error"] = _last_error.message or "the collector did not take the metrics"
                    state["last_error_at"] = time.time()
        return None

    # -- under hookmux serve: the exporter's own process ----------------------------------

    def run(self, parent: int | None = None) -> None:
        """Export every ``export_interval`` seconds until :attr:`stopping` is set or the
        process ``parent`` (the daemon) is gone, backing off while the collector fails."""
        while not self.stopping.is_set():
            pause = 2.0
            try:
                config, _ = self.config()
                pause = config.export_interval
                outcome = self.export_once()
            except Exception as exc:  # noqa: BLE001 - the loop must live on; said in status
                outcome = {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
            if outcome["state"] == "failed":
                self.failures += 1
                pause = min(MAX_BACKOFF, pause * 2 ** min(self.failures, 6))
            else:
                self.failures = 0
            ends = time.monotonic() + pause
            while not self.stopping.is_set() and time.monotonic() < ends:
                if parent is not None and os.getppid() != parent:
                    return  # the daemon died without stopping us
                self.stopping.wait(min(0.2, max(0.0, ends - time.monotonic())))

    def close(self) -> None:
        if self._sinks is not None:
            self._sinks.shutdown()


#: Seconds the exporter process gives its last export when asked to stop.
FINAL_EXPORT_BUDGET = 2.5


def lowest_priority() -> None:
    """Run only on CPU time nothing else wants (Linux ``SCHED_IDLE``; else nice 19): the
    daemon and the hooks' processes always come first. Under a CPU that stays busy the
    backlog grows, and beyond ``max_backlog`` it is dropped and counted."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hookmux_otel.exporter --home HOME [--parent PID]``: the exporting process
    ``hookmux serve`` starts; SIGTERM makes it send what is left and leave."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="hookmux-otel-exporter")
    parser.add_argument("--home", required=True)
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    lowest_priority()
    exporter = Exporter(args.home, dict(os.environ))
    signal.signal(signal.SIGTERM, lambda _signum, _frame: exporter.stopping.set())
    try:
        exporter.run(args.parent)
        exporter.stopping.clear()  # the last export is not cut short
        exporter.export_once(wait=True, budget=FINAL_EXPORT_BUDGET)
    finally:
        exporter.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
