"""Post-processing: find captures, correlate tool calls, bundle, clean, report health.

None of this runs on a hook's path except in background workers (bundling at
session end, cleaning at session start) and the commands.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

from hookmux.state.paths import atomic_write
from hookmux.state.records import open_locked
from hookmux_capture.config import Config, capture_dir, fallback_dir
from hookmux_capture.writer import (
    CAPTURE_SUFFIX,
    FORMAT,
    HEALTH,
    RING,
    capture_name,
    capture_path,
    meta_path,
    scan,
)

BUNDLE_FORMAT = "hookmux-capture-bundle/1"
BUNDLES = "bundles"
RETIRED = "retired.json"
#: Marks a capture moved aside for bundling (``<stem>.bundling-<stamp>.ndjson``).
ASIDE = ".bundling-"
#: Events that end a tool call, and the status they give it.
POST_STATUS = {"PostToolUse": "ok", "PostToolUseFailure": "failed", "PermissionDenied": "denied"}
MISSING_POST = "missing-post"
ORPHAN_POST = "orphan-post"


class CaptureNotFound(LookupError):
    """No capture matches what the user named."""


# -- reading ----------------------------------------------------------------------------


def capture_files(directory: str) -> list[str]:
    """Capture files (live and set aside for bundling) in ``directory``, by name."""
    try:
        names = os.listdir(directory)
    except OSError:  # missing, or not a directory (health says which)
        return []
    return sorted(os.path.join(directory, n) for n in names if n.endswith(CAPTURE_SUFFIX))


def is_aside(path: str) -> bool:
    return ASIDE in os.path.basename(path)


@contextmanager
def shared_lock(path: str, lock: bool = True) -> Iterator[int | None]:
    """Hold ``flock(LOCK_SH)`` on ``path`` (writers hold LOCK_EX while they append).

    ``lock=False`` when this process already holds the lock through another
    descriptor: flock would wait for ourselves.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield None
        return
    try:
        if lock:
            fcntl.flock(fd, fcntl.LOCK_SH)
        yield fd
    finally:
        os.close(fd)


def read_meta(path: str, lock: bool = True) -> dict[str, Any]:
    """The capture's metadata, consistent with its file (rebuilt by a scan when the sidecar
    is missing or stale; nothing is written)."""
    with shared_lock(path, lock) as fd:
        if fd is None:
            raise FileNotFoundError(path)
        st = os.fstat(fd)
        meta: dict[str, Any] | None = None
        try:
            with open(meta_path(path), "rb") as fh:
                value = json.loads(fh.read())
            if isinstance(value, dict) and value.get("format") == FORMAT:
                meta = value
        except (OSError, ValueError):
            meta = None
        if meta is None or meta.get("ino") != st.st_ino or meta.get("bytes") != st.st_size:
            count, top, first, last = scan(path)
            meta = {
                **(meta or {}),
                "format": FORMAT,
                "path": path,
                "events": count,
                "seq": top,
                "bytes": st.st_size,
                "ino": st.st_ino,
                "rebuilt": True,
            }
            meta.setdefault("created", (first or {}).get("ts", st.st_mtime))
            meta["updated"] = (last or {}).get("ts", meta.get("updated", st.st_mtime))
            if first is not None:
                meta.setdefault("session_id", first.get("session_id"))
                meta.setdefault("run_id", first.get("run_id"))
    meta["path"] = path
    return meta


def read_lines(path: str, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """(lines as objects, number of unreadable lines) of a capture, the first ``limit`` bytes."""
    with open(path, "rb") as fh:
        data = fh.read() if limit is None else fh.read(limit)
    lines: list[dict[str, Any]] = []
    invalid = 0
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            invalid += 1
            continue
        if isinstance(value, dict):
            lines.append(value)
        else:
            invalid += 1
    return lines, invalid


def list_captures(
    home: str, config: Config, now: float | None = None, older_than: float | None = None
) -> list[dict[str, Any]]:
    """Every capture with its metadata and state: live, stale, bundled (kept) or pending
    (set aside for bundling)."""
    now = time.time() if now is None else now
    out = []
    for path in capture_files(capture_dir(home, config)):
        try:
            # A capture set aside never changes again (writers check the inode at the
            # path), and its bundler may hold the lock for a while: read it unlocked.
            meta = read_meta(path, lock=not is_aside(path))
        except (OSError, ValueError):
            continue
        if is_aside(path):
            state = "pending-bundle"
        elif now - float(meta.get("updated") or 0) > (
            stale_seconds(meta, config) if older_than is None else older_than * 3600
        ):
            state = "stale"
        elif meta.get("bundled"):
            state = "bundled"
        else:
            state = "live"
        meta["state"] = state
        out.append(meta)
    return out


def stale_seconds(meta: Mapping[str, Any], config: Config) -> float:
    cleanup = meta.get("cleanup")
    hours = cleanup.get("stale_hours") if isinstance(cleanup, dict) else None
    return float(hours if isinstance(hours, (int, float)) else config.stale_hours) * 3600


def resolve(home: str, config: Config, session: str) -> str:
    """The live capture for a session id, its file name stem, a unique prefix, or a path."""
    if os.sep in session and os.path.isfile(session):
        return os.path.abspath(session)
    directory = capture_dir(home, config)
    live = [p for p in capture_files(directory) if not is_aside(p)]
    stem = capture_name(session)
    for path in live:
        if os.path.basename(path) in (stem + CAPTURE_SUFFIX, session):
            return path
    found = [p for p in live if os.path.basename(p).startswith(session)]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(os.path.basename(p)[: -len(CAPTURE_SUFFIX)] for p in found)
        raise CaptureNotFound(f"{session!r} matches several captures: {names}")
    raise CaptureNotFound(f"no capture for session {session!r} in {directory}")


# -- correlation ---------------------------------------------------------------------------


def _call_key(line: Mapping[str, Any]) -> tuple[str, ...]:
    tool_use_id = line.get("tool_use_id")
    if isinstance(tool_use_id, str) and tool_use_id:
        return ("id", tool_use_id)
    return ("name", str(line.get("session_id")), str(line.get("tool_name")))


def _elapsed_ms(pre: Mapping[str, Any], post: Mapping[str, Any]) -> float | None:
    """Milliseconds between two lines: monotonic clock (system-wide on Linux), else wall."""
    a, b = pre.get("mono_ns"), post.get("mono_ns")
    if isinstance(a, int) and isinstance(b, int) and b >= a:
        return round((b - a) / 1e6, 3)
    ta, tb = pre.get("ts"), post.get("ts")
    if isinstance(ta, (int, float)) and isinstance(tb, (int, float)):
        return round((tb - ta) * 1000, 3)
    return None


def correlate(lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tool calls, in order: each PreToolUse paired with the PostToolUse, PostToolUseFailure
    or PermissionDenied of the same ``tool_use_id`` (FIFO per id; per session and tool name
    when a line has no id, as the correlation spike does).

    Status: ``ok``, ``failed``, ``denied``, ``missing-post`` (no end seen) or
    ``orphan-post`` (an end with no PreToolUse). ``observed_ms`` is the time between
    the two hook events; ``duration_ms`` what Claude Code reports for the tool.
    """
    pending: dict[tuple[str, ...], deque[dict[str, Any]]] = {}
    calls: list[dict[str, Any]] = []
    call: dict[str, Any]
    for line in sorted(lines, key=_seq):
        event = line.get("event")
        if event == "PreToolUse":
            call = {
                "tool_use_id": line.get("tool_use_id"),
                "tool_name": line.get("tool_name"),
                "status": MISSING_POST,
                "hook_ref": {"pre": line.get("seq")},
                "_pre": line,
            }
            pending.setdefault(_call_key(line), deque()).append(call)
            calls.append(call)
        elif event in POST_STATUS:
            queue = pending.get(_call_key(line))
            if queue:
                call = queue.popleft()
                call["status"] = POST_STATUS[str(event)]
                call["observed_ms"] = _elapsed_ms(call.pop("_pre"), line)
            else:
                call = {
                    "tool_use_id": line.get("tool_use_id"),
                    "tool_name": line.get("tool_name"),
                    "status": ORPHAN_POST,
                    "hook_ref": {},
                }
                calls.append(call)
            call["post_event"] = event
            call["hook_ref"]["post"] = line.get("seq")
            payload = line.get("payload")
            if isinstance(payload, dict):
                if isinstance(payload.get("duration_ms"), (int, float)):
                    call["duration_ms"] = payload["duration_ms"]
                if event == "PostToolUseFailure":
                    call["error"] = _first_line(payload.get("error"))
                elif event == "PermissionDenied":
                    call["error"] = _first_line(payload.get("reason"))
        elif event == "PermissionRequest":
            queue = pending.get(_call_key(line)) or _newest_for_tool(pending, line)
            if queue:
                queue[-1]["permission_requested"] = True
    for call in calls:
        call.pop("_pre", None)
    return calls


def _newest_for_tool(
    pending: Mapping[tuple[str, ...], deque[dict[str, Any]]], line: Mapping[str, Any]
) -> deque[dict[str, Any]] | None:
    """PermissionRequest carries no tool_use_id in 2.1.330: the newest open call of its tool."""
    wanted = line.get("tool_name")
    for queue in reversed(list(pending.values())):
        if queue and queue[-1].get("tool_name") == wanted:
            found: deque[dict[str, Any]] = queue
            return found
    return None


def _seq(line: Mapping[str, Any]) -> int:
    seq = line.get("seq")
    return seq if isinstance(seq, int) else 0


def _first_line(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    head = value.strip().splitlines()[0] if value.strip() else ""
    return head if len(head) <= 300 else head[:299] + "…"


# -- the bundle ------------------------------------------------------------------------------


def _percentile(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return round(ordered[int(rank) - 1], 3)


def _stats(values: Sequence[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50_ms": _percentile(values, 50),
        "p95_ms": _percentile(values, 95),
        "max_ms": round(max(values), 3) if values else None,
        "total_ms": round(sum(values), 3),
    }


def _sequence_report(lines: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    seqs = sorted(s for s in (line.get("seq") for line in lines) if isinstance(s, int))
    gaps: list[list[int]] = []
    duplicates = sorted(s for s, n in Counter(seqs).items() if n > 1)
    for a, b in pairwise(seqs):
        if b > a + 1:
            gaps.append([a + 1, b - 1])
    if seqs and seqs[0] > 1:
        gaps.insert(0, [1, seqs[0] - 1])
    return {
        "first": seqs[0] if seqs else None,
        "last": seqs[-1] if seqs else None,
        "gaps": gaps,
        "duplicates": duplicates,
    }


def summarise(meta: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], invalid: int) -> dict[str, Any]:
    """The bundle: counts per event and tool, tool calls correlated, durations, failures,
    correlation and sequence problems."""
    calls = correlate(lines)
    events = Counter(str(line.get("event")) for line in lines)
    tools = Counter(str(line["tool_name"]) for line in lines if line.get("event") == "PreToolUse")
    for call in calls:
        if call["status"] == ORPHAN_POST:
            tools[str(call["tool_name"])] += 1
    statuses = Counter(call["status"] for call in calls)
    durations: dict[str, dict[str, Any]] = {}
    for tool in sorted(tools):
        mine = [c for c in calls if str(c["tool_name"]) == tool]
        durations[tool] = {
            "duration_ms": _stats([float(c["duration_ms"]) for c in mine if "duration_ms" in c]),
            "observed_ms": _stats(
                [float(c["observed_ms"]) for c in mine if c.get("observed_ms") is not None]
            ),
        }
    failures: list[dict[str, Any]] = [
        {
            "seq": (c["hook_ref"] or {}).get("post"),
            "event": c.get("post_event"),
            "tool_name": c["tool_name"],
            "tool_use_id": c["tool_use_id"],
            "error": c.get("error"),
        }
        for c in calls
        if c["status"] in ("failed", "denied")
    ]
    for line in lines:
        if line.get("event") == "StopFailure":
            payload = line.get("payload")
            error = payload.get("error") if isinstance(payload, dict) else None
            failures.append({"seq": line.get("seq"), "event": "StopFailure", "error": error})
    stamps = [float(line["ts"]) for line in lines if isinstance(line.get("ts"), (int, float))]
    return {
        "format": BUNDLE_FORMAT,
        "bundled_at": time.time(),
        "session_id": meta.get("session_id"),
        "run_id": meta.get("run_id"),
        "capture": {
            k: meta.get(k)
            for k in ("path", "created", "updated", "events", "bytes", "cleanup", "project_dir")
        },
        "span": {
            "first_ts": min(stamps) if stamps else None,
            "last_ts": max(stamps) if stamps else None,
            "seconds": round(max(stamps) - min(stamps), 3) if stamps else None,
        },
        "counts": {
            "lines": len(lines),
            "invalid_lines": invalid,
            "recovered_lines": sum(1 for line in lines if line.get("recovered")),
            "events": dict(sorted(events.items())),
            "tools": dict(sorted(tools.items())),
        },
        "sequence": _sequence_report(lines),
        "correlation": {
            "tool_calls": len(calls),
            **{k: statuses.get(k, 0) for k in ("ok", "failed", "denied", MISSING_POST, ORPHAN_POST)},
        },
        "correlation_problems": [c for c in calls if c["status"] in (MISSING_POST, ORPHAN_POST)],
        "durations": durations,
        "failures": failures,
        "tool_calls": calls,
    }


def bundle_path(home: str, config: Config, meta: Mapping[str, Any]) -> str:
    stem = capture_name(meta.get("session_id"))
    run = str(meta.get("run_id") or "run")
    return os.path.join(capture_dir(home, config), BUNDLES, f"{stem}-{capture_name(run)}.json")


def read_bundle(path: str) -> dict[str, Any] | None:
    """A bundle file's contents, or None when it is not a readable bundle."""
    value = _read_json(path)
    return value if value.get("format") == BUNDLE_FORMAT else None


def bundles(home: str, config: Config) -> list[tuple[dict[str, Any], str]]:
    """Every bundle in the capture directory, oldest first: (bundle, path)."""
    directory = os.path.join(capture_dir(home, config), BUNDLES)
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(directory, name)
        bundle = read_bundle(path)
        if bundle is not None:
            found.append((bundle, path))
    return sorted(found, key=lambda item: float(item[0].get("bundled_at") or 0))


def find_bundles(home: str, config: Config, session: str) -> list[tuple[dict[str, Any], str]]:
    """The bundles of a session named as :func:`resolve` takes it (id, file name stem, unique
    prefix), oldest first; several when the session was bundled more than once."""
    every = bundles(home, config)
    exact = [
        b
        for b in every
        if b[0].get("session_id") == session or capture_name(b[0].get("session_id")) == session
    ]
    if exact:
        return exact
    sessions = {
        str(b[0].get("session_id")) for b in every if capture_name(b[0].get("session_id")).startswith(session)
    }
    if len(sessions) > 1:
        raise CaptureNotFound(f"{session!r} matches several bundled sessions: {', '.join(sorted(sessions))}")
    return [b for b in every if str(b[0].get("session_id")) in sessions]


def bundled_sessions(home: str, config: Config) -> list[dict[str, Any]]:
    """Sessions whose capture was bundled and deleted, as :func:`list_captures` entries
    (state ``bundled``, ``bundle``: the newest bundle's path)."""
    live = {capture_name(m.get("session_id")) for m in list_captures(home, config)}
    newest: dict[str, tuple[dict[str, Any], str]] = {}
    for bundle, path in bundles(home, config):
        newest[capture_name(bundle.get("session_id"))] = (bundle, path)
    out = []
    for stem, (bundle, path) in sorted(newest.items()):
        if stem in live:
            continue
        capture = bundle.get("capture")
        capture = capture if isinstance(capture, dict) else {}
        counts = bundle.get("counts")
        counts = counts if isinstance(counts, dict) else {}
        out.append(
            {
                "session_id": bundle.get("session_id"),
                "run_id": bundle.get("run_id"),
                "events": counts.get("lines", 0),
                "bytes": capture.get("bytes") or 0,
                "created": capture.get("created"),
                "updated": capture.get("updated"),
                "state": "bundled",
                "bundle": path,
                "bundled_at": bundle.get("bundled_at"),
            }
        )
    return out


def _set_aside(path: str) -> tuple[str, int]:
    """Rename a capture and its sidecar aside under the capture's lock; (new path, held fd).

    The sidecar moves first, while the capture is still locked in place, so no writer
    can touch it; writers waiting for the lock then find the path gone and start a
    new capture. The returned descriptor keeps the (moved) capture locked.
    """
    fd = open_locked(path, os.O_RDONLY)
    try:
        stem = path[: -len(CAPTURE_SUFFIX)]
        aside = f"{stem}{ASIDE}{time.time_ns()}-{os.getpid()}{CAPTURE_SUFFIX}"
        try:
            os.replace(meta_path(path), meta_path(aside))
        except FileNotFoundError:
            pass
        os.replace(path, aside)
    except BaseException:
        os.close(fd)
        raise
    return aside, fd


def _claim_aside(path: str) -> int:
    """Lock a capture set aside by a bundler that is gone; BlockingIOError if one is at work."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlink(*paths: str) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _retire(home: str, config: Config, meta: Mapping[str, Any]) -> None:
    """Add a deleted capture to the running totals ``hookmux status`` reports."""
    path = os.path.join(capture_dir(home, config), RETIRED)
    fd = open_locked(path, os.O_RDWR | os.O_CREAT)
    try:
        try:
            totals = json.loads(os.pread(fd, 1 << 16, 0) or b"{}")
        except ValueError:
            totals = {}
        for key, add in (("captures", 1), ("events", meta.get("events")), ("bytes", meta.get("bytes"))):
            totals[key] = int(totals.get(key, 0)) + int(add or 0)
        data = json.dumps(totals).encode()
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _write_bundle(home: str, config: Config, summary: dict[str, Any], output: str | None) -> str:
    target = output or bundle_path(home, config, summary)
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    atomic_write(target, (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return target


def bundle_file(
    home: str, config: Config, path: str, *, output: str | None = None, keep: bool | None = None
) -> tuple[dict[str, Any], str, bool]:
    """Bundle the capture at ``path``; (summary, bundle path, capture deleted).

    ``keep`` overrides the capture's cleanup policy (``after_bundle``). The capture
    is deleted only after its bundle is written; a capture set aside whose bundle
    could not be written stays, and ``clean`` bundles it later.
    """
    meta = read_meta(path)
    cleanup = meta.get("cleanup")
    policy = (cleanup.get("after_bundle") if isinstance(cleanup, dict) else None) or config.after_bundle
    delete = not keep if keep is not None else policy != "keep"
    if is_aside(path) or delete:
        aside, fd = (path, _claim_aside(path)) if is_aside(path) else _set_aside(path)
        try:
            if os.fstat(fd).st_size == 0:
                # created by a writer that has not written yet (it starts a new one): no events
                _unlink(meta_path(aside), aside)
                raise CaptureNotFound(f"the capture {path} is empty: nothing to bundle")
            meta = read_meta(aside, lock=False)
            lines, invalid = read_lines(aside)
            summary = summarise(meta, lines, invalid)
            target = _write_bundle(home, config, summary, output)
            _unlink(meta_path(aside), aside)
        finally:
            os.close(fd)
        try:
            _retire(home, config, meta)
        except OSError:
            pass
        return summary, target, True
    with shared_lock(path) as held:
        if held is None:
            raise FileNotFoundError(path)
        size = os.fstat(held).st_size
    if size == 0:
        raise CaptureNotFound(f"the capture {path} is empty: nothing to bundle")
    lines, invalid = read_lines(path, size)
    summary = summarise(meta, lines, invalid)
    target = _write_bundle(home, config, summary, output)
    last = summary["sequence"]["last"]
    _mark_bundled(path, {"at": summary["bundled_at"], "path": target, "seq": last, "bytes": size})
    return summary, target, False


def _mark_bundled(path: str, bundled: Mapping[str, Any]) -> None:
    try:
        fd = open_locked(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        try:
            with open(meta_path(path), "r+b") as fh:
                meta = json.loads(fh.read())
                meta["bundled"] = dict(bundled)
                fh.seek(0)
                fh.write(json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
                fh.truncate()
        except (OSError, ValueError):
            pass  # no usable sidecar: the writer rebuilds it; the bundle exists anyway
    finally:
        os.close(fd)


def bundle_session(
    home: str,
    config: Config,
    session: Any,
    *,
    output: str | None = None,
    keep: bool | None = None,
    missing_ok: bool = False,
    exact: bool = False,
) -> tuple[dict[str, Any], str, bool] | None:
    """Bundle the live capture of ``session`` (an id, prefix or path; ``exact``: the
    session id itself, as the hooks name it)."""
    try:
        if exact:
            path = capture_path(capture_dir(home, config), session)
            if not os.path.isfile(path):
                raise CaptureNotFound(f"no capture for session {session!r}")
        else:
            path = resolve(home, config, str(session))
        return bundle_file(home, config, path, output=output, keep=keep)
    except CaptureNotFound:
        if missing_ok:
            return None
        raise


def _locked_by_other(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def clean(
    home: str,
    config: Config,
    *,
    dry_run: bool = False,
    now: float | None = None,
    older_than: float | None = None,
) -> dict[str, Any]:
    """Apply each capture's cleanup policy (``older_than`` hours replaces every
    capture's ``stale_hours`` for this run).

    * set aside for bundling and abandoned (a bundler died): bundled, then deleted;
    * stale (no event for ``stale_hours``): bundled unless already bundled, then deleted;
    * bundled and kept, not stale: kept; live: kept;
    * sidecars whose capture is gone: deleted.
    """
    now = time.time() if now is None else now
    report: dict[str, Any] = {"bundled": [], "deleted": [], "kept": 0, "errors": [], "dry_run": dry_run}
    directory = capture_dir(home, config)
    for meta in list_captures(home, config, now, older_than):
        path = meta["path"]
        state = meta["state"]
        if state == "pending-bundle" and _locked_by_other(path):
            report["kept"] += 1  # a bundler is at work on it
            continue
        if state not in ("stale", "pending-bundle"):
            report["kept"] += 1
            continue
        entry = {"session_id": meta.get("session_id"), "path": path, "state": state}
        if dry_run:
            report["deleted"].append(entry)
            continue
        try:
            bundled = meta.get("bundled")
            if state == "stale" and isinstance(bundled, dict) and bundled.get("seq") == meta.get("seq"):
                _delete_capture(path)
                _retire(home, config, meta)
            else:
                try:
                    _, target, _ = bundle_file(home, config, path, keep=False)
                    report["bundled"].append({**entry, "bundle": target})
                except CaptureNotFound:
                    pass  # empty: deleted without a bundle
            report["deleted"].append(entry)
        except (OSError, ValueError) as exc:
            report["errors"].append({**entry, "error": f"{type(exc).__name__}: {exc}"})
    for name in _orphan_sidecars(directory):
        if not dry_run:
            _unlink(os.path.join(directory, name))
        report["deleted"].append({"path": os.path.join(directory, name), "state": "orphan-sidecar"})
    return report


def _delete_capture(path: str) -> None:
    fd = open_locked(path, os.O_RDONLY)
    try:
        _unlink(meta_path(path), path)
    finally:
        os.close(fd)


def _orphan_sidecars(directory: str) -> list[str]:
    try:
        names = set(os.listdir(directory))
    except OSError:
        return []
    suffix = ".meta.json"
    return sorted(n for n in names if n.endswith(suffix) and n[: -len(suffix)] + CAPTURE_SUFFIX not in names)


# -- health ------------------------------------------------------------------------------------


def _read_json(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            value = json.loads(fh.read() or b"{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def health(home: str, config: Config) -> dict[str, Any]:
    """Bytes written, events, write errors and queue depth, for ``hookmux status``.

    ``bytes_written`` and ``events`` count live captures plus every capture
    bundled or cleaned away; ``queue_depth`` is the number of lines waiting in
    the fallback ring for the capture directory to be writable again.
    """
    captures = list_captures(home, config)
    directory = capture_dir(home, config)
    retired = _read_json(os.path.join(directory, RETIRED))
    ring_dir = fallback_dir(config)
    ring = _read_json(os.path.join(ring_dir, HEALTH))
    live_events = sum(int(m.get("events") or 0) for m in captures)
    live_bytes = sum(int(m.get("bytes") or 0) for m in captures)
    states = Counter(m["state"] for m in captures)
    episode = ring.get("episode")
    report: dict[str, Any] = {
        "directory": directory,
        "captures": len(captures),
        "states": dict(sorted(states.items())),
        "events": live_events + int(retired.get("events", 0)),
        "bytes_written": live_bytes + int(retired.get("bytes", 0)),
        "live_events": live_events,
        "live_bytes": live_bytes,
        "bundled_captures": int(retired.get("captures", 0)),
        "write_errors": int(ring.get("write_errors", 0)),
        "queue_depth": int(ring.get("buffered", 0)),
        "dropped": int(ring.get("dropped", 0)),
        "recovered": int(ring.get("recovered", 0)),
        "failing_since": episode.get("since") if isinstance(episode, dict) else None,
        "last_error": ring.get("last_error"),
        "fallback_ring": os.path.join(ring_dir, RING),
    }
    summary = (
        f"{report['captures']} captures, {report['events']} events, {report['bytes_written']} bytes "
        f"written; {report['write_errors']} write errors, queue depth {report['queue_depth']}"
    )
    if report["failing_since"]:
        summary += f" (failing: {(report['last_error'] or {}).get('error')})"
    try:
        os.listdir(directory)
    except FileNotFoundError:
        pass
    except OSError as exc:
        report["directory_error"] = exc.strerror or str(exc)
        summary += f"; capture directory unusable: {report['directory_error']}"
    report["summary"] = summary
    return report
