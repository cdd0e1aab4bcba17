"""The SQLite store under ``$HOOKMUX_HOME``: records, dedupe keys, limits, the job queue.

WAL mode and a busy timeout let every hookmux process of every session use it
at once. Records reach it from the spool (:mod:`hookmux.state.records`) through
:func:`ingest`, which is idempotent and safe to run concurrently.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hookmux.state.paths import ensure_private_dir
from hookmux.state.records import JOBS, RECORDS, SPOOL_DIR, open_locked, spool_file

DB_NAME = "hookmux.db"
BUSY_TIMEOUT_S = 5.0
FAILURE_STATUSES = ("error", "timeout", "invalid")

SCHEMA = """
create table if not exists events(
    id text primary key, ts real not null, correlation_id text, trace_id text, session_id text,
    event text not null, tool_name text, tool_use_id text, payload_size integer, duration_ms real,
    handlers integer, outcome text, payload text, payload_encoding text,
    output text, exit_code integer, notes text, parent_span_id text, agent text);
create index if not exists events_ts on events(ts);
create index if not exists events_correlation on events(correlation_id);
create table if not exists executions(
    id text primary key, ts real not null, correlation_id text, session_id text, event text not null,
    tool_use_id text, plugin text not null, handler text not null, status text not null,
    duration_ms real, error text, payload_size integer, dedupe_hits integer default 0,
    background integer default 0, event_id text, seq integer, answer text);
create index if not exists executions_event on executions(event_id);
create index if not exists executions_ts on executions(ts);
create index if not exists executions_handler on executions(plugin, handler);
create table if not exists dedupe(plugin text, key text, expires real, primary key(plugin, key));
create table if not exists ratelimit(plugin text, key text, window_start real, count integer,
    primary key(plugin, key));
create table if not exists debounce(plugin text, key text, last_call real, last_run real,
    primary key(plugin, key));
create table if not exists jobs(
    id integer primary key, plugin text not null, handler text not null, hook text not null,
    coalesce_key text not null, payload text not null, not_before real not null, created real not null,
    state text not null default 'pending', started real, trailing_key text, attempts integer default 0);
create unique index if not exists jobs_pending on jobs(plugin, handler, coalesce_key) where state = 'pending';
create table if not exists meta(key text primary key, value);
"""


def db_path(home: str) -> str:
    return os.path.join(home, DB_NAME)


def connect(home: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), schema ensured."""
    ensure_private_dir(home)
    path = db_path(home)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("pragma journal_mode = wal")
    conn.execute("pragma synchronous = normal")
    if conn.execute("select 1 from sqlite_master where name = 'meta'").fetchone() is None:
        # executescript commits any open transaction first, so the script carries its own.
        conn.executescript(f"begin immediate;{SCHEMA}commit;")
    elif not _current(conn):
        _migrate(conn)
    return conn


def _current(conn: sqlite3.Connection) -> bool:
    """Has the store every column added since the first schema?"""
    columns = {
        table: {row[1] for row in conn.execute(f"pragma table_info({table})")}
        for table in {table for table, _, _ in _ADDED_COLUMNS}
    }
    return all(column in columns[table] for table, column, _ in _ADDED_COLUMNS)


def _migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a store written by an older hookmux lacks (nothing is rewritten)."""
    with transaction(conn):
        for table, column, kind in _ADDED_COLUMNS:
            present = {row[1] for row in conn.execute(f"pragma table_info({table})")}
            if column not in present:
                conn.execute(f"alter table {table} add column {column} {kind}")
    conn.executescript(f"begin immediate;{SCHEMA}commit;")  # tables and indexes added since


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error)."""
    conn.execute("begin immediate")
    try:
        yield conn
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


@contextmanager
def opened(home: str) -> Iterator[sqlite3.Connection]:
    conn = connect(home)
    try:
        yield conn
    finally:
        conn.close()


# -- spool ingestion -------------------------------------------------------------------

_EVENT_COLUMNS = (
    "id",
    "ts",
    "correlation_id",
    "trace_id",
    "session_id",
    "event",
    "tool_name",
    "tool_use_id",
    "payload_size",
    "duration_ms",
    "handlers",
    "outcome",
    "payload",
    "payload_encoding",
    "output",
    "exit_code",
    "notes",
    "parent_span_id",
    "agent",
)
_EXEC_COLUMNS = (
    "id",
    "ts",
    "correlation_id",
    "session_id",
    "event",
    "tool_use_id",
    "plugin",
    "handler",
    "status",
    "duration_ms",
    "error",
    "payload_size",
    "dedupe_hits",
    "background",
    "event_id",
    "seq",
    "answer",
)
#: Columns added after the first release of the schema: (table, column, type).
_ADDED_COLUMNS = (
    ("events", "output", "text"),
    ("events", "exit_code", "integer"),
    ("events", "notes", "text"),
    ("executions", "event_id", "text"),
    ("executions", "seq", "integer"),
    ("executions", "answer", "text"),
    ("events", "parent_span_id", "text"),
    ("events", "agent", "text"),
)


def _claim(home: str, name: str) -> list[str]:
    """Move the live spool aside (under its lock) and list every batch waiting for ingestion."""
    directory = os.path.join(home, SPOOL_DIR)
    live = spool_file(home, name)
    try:
        fd = open_locked(live, os.O_RDONLY)
    except FileNotFoundError:
        fd = -1
    if fd >= 0:
        try:
            if os.fstat(fd).st_size:
                os.replace(live, f"{live}.{time.time_ns()}.{os.getpid()}.ingest")
        finally:
            os.close(fd)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(
        os.path.join(directory, n) for n in names if n.startswith(name + ".") and n.endswith(".ingest")
    )


def _lines(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash mid-write; the rest is intact
        if isinstance(record, dict):
            yield len(line) + 1, record


def ingest(home: str, conn: sqlite3.Connection | None = None) -> int:
    """Move spooled records and jobs into the store; returns the records added."""
    added = 0
    own = conn is None
    conn = conn or connect(home)
    try:
        for batch in _claim(home, RECORDS):
            size = 0
            with transaction(conn):
                for length, record in _lines(batch):
                    size += length
                    kind = record.get("kind")
                    columns = _EVENT_COLUMNS if kind == "event" else _EXEC_COLUMNS if kind == "exec" else None
                    if columns is None:
                        continue
                    table = "events" if kind == "event" else "executions"
                    cur = conn.execute(
                        f"insert or ignore into {table} ({', '.join(columns)}) "  # noqa: S608 - fixed names
                        f"values ({', '.join('?' * len(columns))})",
                        [record.get(c) for c in columns],
                    )
                    added += cur.rowcount
                conn.execute(
                    "insert into meta(key, value) values('bytes_written', ?) "
                    "on conflict(key) do update set value = value + excluded.value",
                    (size,),
                )
            _unlink(batch)
        for batch in _claim(home, JOBS):
            with transaction(conn):
                for _, job in _lines(batch):
                    enqueue(conn, job)
            _unlink(batch)
    finally:
        if own:
            conn.close()
    return added


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# -- the job queue -----------------------------------------------------------------------


def enqueue(conn: sqlite3.Connection, job: Mapping[str, Any]) -> None:
    """Queue a background run; a pending run with the same key takes the newer payload."""
    conn.execute(
        "insert into jobs(plugin, handler, hook, coalesce_key, payload, not_before, created, trailing_key) "
        "values(?, ?, ?, ?, ?, ?, ?, ?) "
        "on conflict(plugin, handler, coalesce_key) where state = 'pending' do update set "
        "payload = excluded.payload, not_before = max(jobs.not_before, excluded.not_before), "
        "trailing_key = excluded.trailing_key",
        (
            job["plugin"],
            job["handler"],
            job["hook"],
            str(job.get("key") or ""),
            json.dumps(job["payload"]),
            float(job.get("not_before") or time.time()),
            time.time(),
            job.get("trailing_key"),
        ),
    )


def claim_job(conn: sqlite3.Connection, stale_after: float = 600.0) -> sqlite3.Row | None:
    """The next due job, marked running; None when nothing is due."""
    now = time.time()
    with transaction(conn):
        conn.execute(
            "update jobs set state = 'pending', started = null where state = 'running' and started < ? "
            "and not exists (select 1 from jobs j2 where j2.state = 'pending' and j2.plugin = jobs.plugin "
            "and j2.handler = jobs.handler and j2.coalesce_key = jobs.coalesce_key)",
            (now - stale_after,),
        )
        row: sqlite3.Row | None = conn.execute(
            "select * from jobs where state = 'pending' and not_before <= ? order by not_before, id limit 1",
            (now,),
        ).fetchone()
        if row is None:
            return None
        conn.execute(
            "update jobs set state = 'running', started = ?, attempts = attempts + 1 where id = ?",
            (now, row["id"]),
        )
        return row


def next_due(conn: sqlite3.Connection) -> float | None:
    row = conn.execute("select min(not_before) from jobs where state = 'pending'").fetchone()
    return None if row[0] is None else float(row[0])


def finish_job(conn: sqlite3.Connection, job_id: int) -> None:
    conn.execute("delete from jobs where id = ?", (job_id,))


# -- primitives for plugins ---------------------------------------------------------------


def dedupe(conn: sqlite3.Connection, plugin: str, key: str, ttl: float) -> bool:
    """True the first time ``key`` is seen within ``ttl`` seconds (for this plugin)."""
    now = time.time()
    with transaction(conn):
        conn.execute("delete from dedupe where plugin = ? and key = ? and expires <= ?", (plugin, key, now))
        cur = conn.execute("insert or ignore into dedupe values(?, ?, ?)", (plugin, key, now + ttl))
        return cur.rowcount == 1


def rate_limit(conn: sqlite3.Connection, plugin: str, key: str, max_calls: int, per_seconds: float) -> bool:
    """Fixed-window limit: True while fewer than ``max_calls`` happened in the window."""
    now = time.time()
    with transaction(conn):
        row = conn.execute(
            "select window_start, count from ratelimit where plugin = ? and key = ?", (plugin, key)
        ).fetchone()
        if row is None or now - row["window_start"] >= per_seconds:
            conn.execute("insert or replace into ratelimit values(?, ?, ?, 1)", (plugin, key, now))
            return True
        if row["count"] < max_calls:
            conn.execute("update ratelimit set count = count + 1 where plugin = ? and key = ?", (plugin, key))
            return True
        return False


def debounce(conn: sqlite3.Connection, plugin: str, key: str, seconds: float) -> bool:
    """Leading edge: True when the last call was at least ``seconds`` ago (or never).
    Every call moves the quiet period's start."""
    now = time.time()
    with transaction(conn):
        row = conn.execute(
            "select last_call from debounce where plugin = ? and key = ?", (plugin, key)
        ).fetchone()
        leading = row is None or now - row["last_call"] >= seconds
        conn.execute(
            "insert into debounce values(?, ?, ?, ?) on conflict(plugin, key) do update set "
            "last_call = excluded.last_call, last_run = coalesce(excluded.last_run, debounce.last_run)",
            (plugin, key, now, now if leading else None),
        )
        return leading


def mark_run(conn: sqlite3.Connection, plugin: str, key: str) -> None:
    conn.execute("update debounce set last_run = ? where plugin = ? and key = ?", (time.time(), plugin, key))
