"""Where feedback is kept: Claudarity's JSONL logs, markdown memories and SQLite tables.

Layout under ``data_dir`` (see :mod:`hookmux_feedback.config`)::

    logs/session-wins.jsonl        {"ts", "project", "matched", "cache_file"} per win
    logs/session-losses.jsonl      the same per loss
    logs/cross-project-patterns.jsonl, logs/code-preferences.json   learned (Stop)
    logs/debug.log (+ logs/archive/debug-*.log.gz)   rotated at 512000 bytes
    logs/last-session-id
    claudarity.db                  feedback_entries, feedback_fts, ... (WAL)
    cache/win-YYYY-MM-DD-HH-MM-SS.md, cache/loss-....md
    sessions/<session_id>          one empty marker per session seen

Concurrent sessions: every write to the JSONL logs and the derived files happens
under one inter-process lock (``.feedback.lock``); derived files are replaced
atomically (temp file + ``os.replace``); SQLite runs in WAL mode with a 5 s busy
timeout. Texts are redacted (:func:`hookmux.state.redact.redact_text`) before storing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from hookmux.state.paths import atomic_write
from hookmux.state.redact import redact_text
from hookmux_feedback.config import Paths
from hookmux_feedback.sessions import ensure_dir

LOCK_TIMEOUT = 5.0  # under the 10 s handler timeout: a busy lock costs one hit, never the hook
BUSY_TIMEOUT_MS = 5000

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    session_id TEXT,
    project TEXT NOT NULL,
    pattern TEXT NOT NULL,
    type TEXT NOT NULL CHECK(type IN ('win', 'loss')),
    user_message TEXT,
    context_summary TEXT,
    ai_summary TEXT,
    transcript_path TEXT,
    cache_file TEXT,
    created_at INTEGER DEFAULT (strftime('%s', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_ts ON feedback_entries(ts);
CREATE INDEX IF NOT EXISTS idx_project ON feedback_entries(project);
CREATE INDEX IF NOT EXISTS idx_type ON feedback_entries(type);
CREATE INDEX IF NOT EXISTS idx_pattern ON feedback_entries(pattern);
CREATE INDEX IF NOT EXISTS idx_project_type_ts ON feedback_entries(project, type, ts DESC);

CREATE TABLE IF NOT EXISTS cross_project_patterns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK(type IN ('win', 'loss')),
    win_count INTEGER DEFAULT 0,
    loss_count INTEGER DEFAULT 0,
    win_rate REAL DEFAULT 0.0,
    confidence REAL DEFAULT 0.0,
    global_scope INTEGER DEFAULT 0,
    first_seen TEXT,
    last_seen TEXT,
    projects TEXT,
    updated_at INTEGER DEFAULT (strftime('%s', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_pattern_global ON cross_project_patterns(global_scope, confidence DESC);

CREATE TABLE IF NOT EXISTS code_preferences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL,
    item TEXT NOT NULL,
    preference TEXT NOT NULL CHECK(preference IN ('preferred', 'avoided')),
    win_count INTEGER DEFAULT 0,
    loss_count INTEGER DEFAULT 0,
    win_rate REAL DEFAULT 0.0,
    confidence REAL DEFAULT 0.0,
    total_occurrences INTEGER DEFAULT 0,
    last_seen TEXT,
    UNIQUE(category, item)
);

CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL UNIQUE,
    project TEXT,
    started_at TEXT,
    ended_at TEXT,
    win_count INTEGER DEFAULT 0,
    loss_count INTEGER DEFAULT 0,
    terminal_log_path TEXT,
    total_activity_events INTEGER DEFAULT 0,
    last_activity_ts TEXT
);

-- hookmux-feedback: what each assistant answer named (Stop), and which of it
-- the following feedback judged
CREATE TABLE IF NOT EXISTS response_patterns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    project TEXT,
    message_sha TEXT NOT NULL,
    items TEXT NOT NULL,
    UNIQUE(session_id, message_sha)
);
CREATE INDEX IF NOT EXISTS idx_response_session ON response_patterns(session_id, id DESC);
CREATE TABLE IF NOT EXISTS feedback_items (
    feedback_id INTEGER NOT NULL REFERENCES feedback_entries(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (feedback_id, category, item)
);

CREATE TABLE IF NOT EXISTS schema_metadata (key TEXT PRIMARY KEY, value TEXT);
INSERT OR IGNORE INTO schema_metadata (key, value) VALUES
    ('version', '1.0.0'), ('created_at', datetime('now')), ('writer', 'hookmux-feedback');
"""

FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS feedback_fts USING fts5(
    feedback_id UNINDEXED, user_message, context_summary, ai_summary,
    tokenize='porter unicode61'
);
"""

_SCHEMA_READY: set[str] = set()


def utc_iso(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def locked(paths: Paths, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """The plugin's inter-process lock over everything in ``data_dir``."""
    from filelock import FileLock

    ensure_dir(paths.data_dir)
    # Polled every 5 ms, not filelock's 50: a Stop's learning run holds it for tens of
    # ms, and a prompt's hit waiting behind it should not wait 50 ms more.
    with FileLock(paths.lock).acquire(timeout, poll_interval=0.005):
        yield


def connect(paths: Paths) -> sqlite3.Connection:
    """A connection to ``claudarity.db`` in WAL mode, the schema created once."""
    ensure_dir(paths.data_dir)
    if not os.path.exists(paths.db):  # private from the start: SQLite gives -wal/-shm its mode
        os.close(os.open(paths.db, os.O_WRONLY | os.O_CREAT, 0o600))
    conn = sqlite3.connect(paths.db, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if paths.db not in _SCHEMA_READY:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        with contextlib.suppress(sqlite3.OperationalError):  # an SQLite built without FTS5
            conn.executescript(FTS_SCHEMA)
        _SCHEMA_READY.add(paths.db)
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@contextlib.contextmanager
def database(paths: Paths) -> Iterator[sqlite3.Connection]:
    conn = connect(paths)
    try:
        yield conn
    finally:
        conn.close()


def has_fts(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'feedback_fts'").fetchone()
    return row is not None


def append_lines(path: str, lines: Sequence[str]) -> None:
    """Append whole lines in one write (call with the lock held)."""
    ensure_dir(os.path.dirname(path))
    data = "".join(line.rstrip("\n") + "\n" for line in lines).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def debug(paths: Paths, message: str) -> None:
    """A line in ``logs/debug.log``, dated as ``$(date)`` dates it (call with the lock held)."""
    stamp = time.strftime("%a %b %d %H:%M:%S %Z %Y")
    append_lines(paths.debug_log, [f"{stamp}: {redact_text(message)}"])


def read_jsonl(path: str) -> list[dict[str, Any]]:
    """The objects of a JSONL log; malformed lines are skipped."""
    out: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    out.append(value)
    except OSError:
        pass
    return out


def write_json(path: str, value: Any, *, lines: bool = False) -> None:
    ensure_dir(os.path.dirname(path))
    if lines:
        text = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in value)
    else:
        text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"))


# -- sessions -----------------------------------------------------------------------------


def note_session(paths: Paths, session_id: str, project: str, now: dt.datetime) -> None:
    with database(paths) as conn:
        conn.execute(
            "INSERT OR IGNORE INTO sessions (session_id, project, started_at) VALUES (?, ?, ?)",
            (session_id, project, utc_iso(now)),
        )


# -- recording feedback -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Hit:
    """One detected piece of feedback, ready to store."""

    kind: str  # "win" or "loss"
    pattern: str
    session_id: str
    project: str
    user_message: str
    context_summary: str
    ai_summary: str
    transcript_path: str = ""
    #: ``<cwd>/.claude/template-metadata.json`` when inside the project and present
    template_metadata: str | None = None


@attrs.frozen(kw_only=True)
class Recorded:
    id: int
    kind: str
    pattern: str
    ts: str
    cache_file: str
    items: Mapping[str, Sequence[str]] = attrs.field(factory=dict)


def memory_markdown(hit: Hit, local_ts: str) -> str:
    """The original's ``win-*.md`` / ``loss-*.md`` layout."""
    title = "Win" if hit.kind == "win" else "Loss"
    return (
        f"# {title}: {hit.pattern}\n\n"
        f"**Time:** {local_ts}\n"
        f"**Project:** {hit.project}\n"
        f"**Pattern:** {hit.pattern}\n\n"
        f"## AI Summary\n{hit.ai_summary}\n\n"
        f"## Quick Context\n{hit.context_summary}\n\n"
        f"## User Message\n{hit.user_message}\n"
    )


def _create_exclusive(directory: str, stem: str, data: bytes) -> str:
    """``<stem>.md`` in ``directory``, or ``<stem>-2.md``... if taken (same second)."""
    ensure_dir(directory)
    for n in range(1, 1000):
        name = f"{stem}.md" if n == 1 else f"{stem}-{n}.md"
        path = os.path.join(directory, name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path
    raise OSError(f"no free memory file name for {stem} in {directory}")


def latest_response_items(conn: sqlite3.Connection, session_id: str) -> dict[str, list[str]]:
    row = conn.execute(
        "SELECT items FROM response_patterns WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
    ).fetchone()
    if row is None:
        return {}
    try:
        items = json.loads(row["items"])
    except ValueError:
        return {}
    return (
        {k: [str(i) for i in v] for k, v in items.items() if isinstance(v, list)}
        if isinstance(items, dict)
        else {}
    )


def record(paths: Paths, hits: Sequence[Hit], now: dt.datetime | None = None) -> list[Recorded]:
    """Store each hit everywhere the original did: memory file, SQLite (+FTS), JSONL."""
    now = now or dt.datetime.now(dt.UTC)
    ts_iso = utc_iso(now)
    local_ts = now.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    stem_ts = now.astimezone(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")
    out: list[Recorded] = []
    with locked(paths), database(paths) as conn:
        fts = has_fts(conn)
        for found in hits:
            hit = attrs.evolve(
                found,
                user_message=redact_text(found.user_message),
                context_summary=redact_text(found.context_summary),
                ai_summary=redact_text(found.ai_summary),
            )
            cache_file = _create_exclusive(
                paths.cache_dir, f"{hit.kind}-{stem_ts}", memory_markdown(hit, local_ts).encode("utf-8")
            )
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO feedback_entries (ts, session_id, project, pattern, type, user_message,"
                    " context_summary, ai_summary, transcript_path, cache_file)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ts_iso,
                        hit.session_id or None,
                        hit.project,
                        hit.pattern,
                        hit.kind,
                        hit.user_message,
                        hit.context_summary,
                        hit.ai_summary,
                        hit.transcript_path or None,
                        cache_file,
                    ),
                )
                entry_id = int(cur.lastrowid or 0)
                if fts:
                    conn.execute(
                        "INSERT INTO feedback_fts (feedback_id, user_message, context_summary, ai_summary)"
                        " VALUES (?, ?, ?, ?)",
                        (entry_id, hit.user_message, hit.context_summary, hit.ai_summary),
                    )
                items = latest_response_items(conn, hit.session_id) if hit.session_id else {}
                conn.executemany(
                    "INSERT OR IGNORE INTO feedback_items (feedback_id, category, item) VALUES (?, ?, ?)",
                    [(entry_id, category, item) for category, values in items.items() for item in values],
                )
                if hit.session_id:
                    column = "win_count" if hit.kind == "win" else "loss_count"
                    conn.execute(
                        "INSERT OR IGNORE INTO sessions (session_id, project, started_at) VALUES (?, ?, ?)",
                        (hit.session_id, hit.project, ts_iso),
                    )
                    conn.execute(
                        f"UPDATE sessions SET {column} = {column} + 1, last_activity_ts = ?"  # noqa: S608
                        " WHERE session_id = ?",
                        (ts_iso, hit.session_id),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log = paths.wins if hit.kind == "win" else paths.losses
            line = {"ts": ts_iso, "project": hit.project, "matched": hit.pattern, "cache_file": cache_file}
            append_lines(log, [json.dumps(line, ensure_ascii=False)])
            _template_outcome(paths, hit, ts_iso)
            debug(paths, f"{hit.kind} logged: pattern={hit.pattern!r} project={hit.project!r} id={entry_id}")
            out.append(Recorded(id=entry_id, kind=hit.kind, pattern=hit.pattern, ts=ts_iso,
                                cache_file=cache_file, items=items))  # fmt: skip
    return out


def _template_outcome(paths: Paths, hit: Hit, ts_iso: str) -> None:
    if not hit.template_metadata:
        return
    try:
        with open(hit.template_metadata, encoding="utf-8") as fh:
            meta = json.load(fh)
    except (OSError, ValueError):
        return
    template_id = meta.get("template_id") if isinstance(meta, dict) else None
    if isinstance(template_id, str) and template_id:
        line = {"timestamp": ts_iso, "project": hit.project, "template_id": template_id, "outcome": hit.kind}
        append_lines(paths.template_outcomes, [json.dumps(line, ensure_ascii=False)])


# -- learning (Stop) ----------------------------------------------------------------------


def remember_response(
    paths: Paths, session_id: str, project: str, message: str, items: Mapping[str, Sequence[str]],
    now: dt.datetime,
) -> bool:  # fmt: skip
    """Keep what the assistant's answer named, once per (session, answer)."""
    sha = hashlib.sha256(message.encode("utf-8")).hexdigest()
    with database(paths) as conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO response_patterns (session_id, ts, project, message_sha, items)"
            " VALUES (?, ?, ?, ?, ?)",
            (session_id, utc_iso(now), project, sha, json.dumps({k: list(v) for k, v in items.items()})),
        )
        return cur.rowcount > 0


def refresh_learned(paths: Paths, now: dt.datetime) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Recompute the cross-project patterns and the code preferences, files and tables."""
    from hookmux_feedback.learn import aggregate_patterns, preferences

    ts = utc_iso(now)
    with locked(paths), database(paths) as conn:
        patterns = aggregate_patterns(read_jsonl(paths.wins), read_jsonl(paths.losses))
        write_json(paths.patterns_out, patterns, lines=True)
        rows = conn.execute(
            "SELECT fi.category, fi.item, fe.type, fe.ts FROM feedback_items fi"
            " JOIN feedback_entries fe ON fe.id = fi.feedback_id"
        ).fetchall()
        prefs = preferences(((r[0], r[1], r[2]) for r in rows), ts)
        last_seen: dict[tuple[str, str], str] = {}
        for r in rows:
            last_seen[(r[0], r[1])] = max(last_seen.get((r[0], r[1]), ""), r[3])
        write_json(paths.preferences, prefs)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM cross_project_patterns")
            conn.executemany(
                "INSERT INTO cross_project_patterns (pattern, type, win_count, loss_count, win_rate,"
                " confidence, global_scope, first_seen, last_seen, projects)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (p["pattern"], p["type"], p["win_count"], p["loss_count"], p["win_rate"], p["confidence"],
                     int(p["global_scope"]), p["first_seen"], p["last_seen"], json.dumps(p["projects"]))
                    for p in patterns
                ],
            )  # fmt: skip
            conn.execute("DELETE FROM code_preferences")
            from hookmux_feedback.learn import CATEGORIES

            for category, (key, good, bad) in CATEGORIES.items():
                scores = prefs["confidence_scores"].get(key, {})
                for which, label in ((good, "preferred"), (bad, "avoided")):
                    for item in prefs[key][which]:
                        s = scores[item]
                        conn.execute(
                            "INSERT INTO code_preferences (category, item, preference, win_count, loss_count,"
                            " win_rate, confidence, total_occurrences, last_seen)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (category, item, label, s["win_count"], s["loss_count"], s["win_rate"],
                             s["confidence"], s["total_occurrences"], last_seen.get((category, item))),
                        )  # fmt: skip
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        debug(paths, f"learned: {len(patterns)} pattern(s), {len(rows)} judged item(s)")
    return patterns, prefs


# -- reading --------------------------------------------------------------------------------


def entries(
    paths: Paths, *, kind: str | None = None, since: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """``feedback_entries`` rows, newest first."""
    if not os.path.exists(paths.db):
        return []
    where, args = [], []
    if kind:
        where.append("type = ?")
        args.append(kind)
    if since:
        where.append("ts >= ?")
        args.append(since)
    sql = "SELECT id, ts, session_id, project, pattern, type, user_message, context_summary, ai_summary,"
    sql += " transcript_path, cache_file, created_at FROM feedback_entries"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY ts DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with database(paths) as conn:
        return [dict(row) for row in conn.execute(sql, args)]
