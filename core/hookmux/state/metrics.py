"""Aggregates over the store for ``hookmux metrics`` and ``hookmux status``."""

from __future__ import annotations

import math
import os
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from hookmux.state import background, breakers, store
from hookmux.state.records import JOBS, RECORDS, spool_file

PERCENTILES = (50, 95, 99)
#: Statuses of runs that actually executed the handler (latency counts only these).
_RAN = ("ok", "silent", "error", "timeout", "invalid")


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return round(sorted_values[rank - 1], 3)


def _latency(values: list[float]) -> dict[str, float | None]:
    values.sort()
    return {f"p{p}_ms": percentile(values, p) for p in PERCENTILES}


def handler_metrics(conn: sqlite3.Connection, since: float) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    rows = conn.execute(
        "select plugin, handler, event, status, duration_ms, dedupe_hits from executions where ts >= ?",
        (since,),
    )
    for row in rows:
        key = (row["plugin"], row["handler"], row["event"])
        group = groups.setdefault(
            key, {"count": 0, "failures": 0, "dedupe_hits": 0, "durations": [], "statuses": {}}
        )
        group["count"] += 1
        group["failures"] += row["status"] in store.FAILURE_STATUSES
        group["dedupe_hits"] += row["dedupe_hits"] or 0
        group["statuses"][row["status"]] = group["statuses"].get(row["status"], 0) + 1
        if row["duration_ms"] is not None and row["status"] in _RAN:
            group["durations"].append(float(row["duration_ms"]))
    out = []
    for (plugin, handler, event), group in sorted(groups.items()):
        out.append(
            {
                "plugin": plugin,
                "handler": handler,
                "event": event,
                "count": group["count"],
                "failures": group["failures"],
                "failure_rate": round(group["failures"] / group["count"], 4),
                "dedupe_hits": group["dedupe_hits"],
                "statuses": group["statuses"],
                **_latency(group["durations"]),
            }
        )
    return out


def event_metrics(conn: sqlite3.Connection, since: float) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for row in conn.execute("select event, outcome, duration_ms from events where ts >= ?", (since,)):
        group = groups.setdefault(row["event"], {"count": 0, "outcomes": {}, "durations": []})
        group["count"] += 1
        group["outcomes"][row["outcome"]] = group["outcomes"].get(row["outcome"], 0) + 1
        if row["duration_ms"] is not None:
            group["durations"].append(float(row["duration_ms"]))
    return [
        {"event": event, "count": g["count"], "outcomes": g["outcomes"], **_latency(g["durations"])}
        for event, g in sorted(groups.items())
    ]


def collect(home: str, hours: float) -> dict[str, Any]:
    since = time.time() - hours * 3600
    with store.opened(home) as conn:
        store.ingest(home, conn)
        return {
            "hours": hours,
            "handlers": handler_metrics(conn, since),
            "events": event_metrics(conn, since),
        }


def _labels(**values: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in values.items()) + "}"


_COUNTERS = (
    ("hookmux_handler_runs_total", "count", "Handler executions."),
    (
        "hookmux_handler_failures_total",
        "failures",
        "Handler runs that raised, timed out or answered wrongly.",
    ),
    ("hookmux_handler_dedupe_hits_total", "dedupe_hits", "Repeats suppressed by dedupe."),
)


def prometheus(report: dict[str, Any]) -> str:
    """The report in the Prometheus text exposition format."""
    lines: list[str] = []
    handlers = report["handlers"]
    for metric, key, help_text in _COUNTERS:
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
        for h in handlers:
            lines.append(
                f"{metric}{_labels(plugin=h['plugin'], handler=h['handler'], event=h['event'])} {h[key]}"
            )
    # Prometheus' base unit is the second; the _ms name stays one release (deprecated, 0.3).
    for metric, scale, help_text in (
        ("hookmux_handler_duration_seconds", 1000, "Handler latency."),
        ("hookmux_handler_duration_ms", 1, "Deprecated: hookmux_handler_duration_seconds in ms."),
    ):
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} summary"]
        for h in handlers:
            for p in PERCENTILES:
                if h[f"p{p}_ms"] is not None:
                    quantile = _labels(
                        plugin=h["plugin"], handler=h["handler"], event=h["event"], quantile=str(p / 100)
                    )
                    lines.append(f"{metric}{quantile} {round(h[f'p{p}_ms'] / scale, 6)}")
    lines += [
        "# HELP hookmux_events_total Events routed to at least one handler.",
        "# TYPE hookmux_events_total counter",
    ]
    lines += [f"hookmux_events_total{_labels(event=e['event'])} {e['count']}" for e in report["events"]]
    return "\n".join(lines) + "\n"


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def status(home: str, max_workers: int, plugins: Mapping[str, Any]) -> dict[str, Any]:
    """Health of the store, spool, breakers and background work; ``plugins`` is what
    each plugin reported (:func:`hookmux.routing.pluginstatus.plugin_status`)."""
    with store.opened(home) as conn:
        store.ingest(home, conn)
        errors = [
            dict(row)
            for row in conn.execute(
                "select ts, plugin, handler, event, status, error from executions "
                "where status in ('error', 'timeout', 'invalid', 'skipped') order by ts desc limit 10"
            )
        ]
        meta = {row["key"]: row["value"] for row in conn.execute("select key, value from meta")}
        jobs = {
            row["state"]: row["n"]
            for row in conn.execute("select state, count(*) n from jobs group by state")
        }
        counts = conn.execute(
            "select (select count(*) from events) e, (select count(*) from executions) x"
        ).fetchone()
    db = store.db_path(home)
    open_breakers = []
    for name, state in breakers.states(home):
        if state.state != breakers.CLOSED:
            plugin, _, handler = name.partition("--")
            open_breakers.append(
                {
                    "plugin": plugin,
                    "handler": handler,
                    "state": state.state,
                    "consecutive_failures": state.failures,
                    "opened_at": state.opened_at,
                }
            )
    return {
        "home": home,
        "store": {
            "path": db,
            "bytes": _size(db) + _size(db + "-wal"),
            "events": counts["e"],
            "executions": counts["x"],
            "bytes_written": int(meta.get("bytes_written", 0) or 0),
        },
        "spool_bytes": _size(spool_file(home, RECORDS)) + _size(spool_file(home, JOBS)),
        "last_errors": errors,
        "breakers": open_breakers,
        "background": {
            "workers": background.live_workers(home, max_workers),
            "max_workers": max_workers,
            "queued": jobs.get("pending", 0),
            "running": jobs.get("running", 0),
        },
        "plugins": dict(plugins),
    }


def cleanup(home: str, retention_days: float) -> dict[str, int]:
    cutoff = time.time() - retention_days * 86400
    with store.opened(home) as conn:
        store.ingest(home, conn)
        with store.transaction(conn):
            events = conn.execute("delete from events where ts < ?", (cutoff,)).rowcount
            executions = conn.execute("delete from executions where ts < ?", (cutoff,)).rowcount
            dedupe = conn.execute("delete from dedupe where expires <= ?", (time.time(),)).rowcount
        before = _size(store.db_path(home)) + _size(store.db_path(home) + "-wal")
        conn.execute("vacuum")
        conn.execute("pragma wal_checkpoint(truncate)")
        after = _size(store.db_path(home)) + _size(store.db_path(home) + "-wal")
    return {
        "events_deleted": events,
        "executions_deleted": executions,
        "dedupe_keys_expired": dedupe,
        "bytes_before": before,
        "bytes_after": after,
    }
