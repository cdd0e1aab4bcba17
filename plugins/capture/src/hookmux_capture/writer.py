"""The per-event path: one NDJSON line per hook event, numbered per session.

Every hookmux process (one per event, or the warm daemon's threads) appends to
the session's capture file through :func:`hookmux.state.records.open_locked`
(``flock`` plus an inode check, so a file bundled away meanwhile is never
written). Under that lock the writer reads the capture's metadata sidecar,
takes the next sequence number, rewrites the sidecar in place and appends the
line with one ``write``: lines never interleave, none is lost, and sequence
numbers are contiguous per capture. The sidecar is only a cache of the file:
its ``bytes`` must equal the file's size, and when it does not (a crash between
the two writes, a deleted sidecar) it is rebuilt by scanning the file.

A write that fails (disk full, permission denied, read-only directory) never
fails the hook. The line goes to a bounded ring file in another directory
(default ``$XDG_RUNTIME_DIR``) and the failure is reported once on stderr; the
next successful write drains the ring back into the captures, marked
``recovered``. If the ring cannot be written either, the line is kept in this
process's memory (a bounded deque: it survives in the warm daemon, and is
lost, and counted, when a one-event process exits).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping

from hookmux.state.records import correlation_id, open_locked, trace_id
from hookmux_capture.config import Config, capture_dir, fallback_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = "hookmux-capture/1"
CAPTURE_SUFFIX = ".ndjson"
META_SUFFIX = ".meta.json"
RING = "ring.ndjson"
HEALTH = "health.json"
#: Longest sidecar read; a sidecar is a few hundred bytes.
META_LIMIT = 1 << 16
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

_lock = threading.Lock()
#: (capture path, sidecar seed, line body) of lines neither the capture nor the ring
#: took, bounded like the ring file (``ring_size`` lines, ``ring_max_bytes``).
_memory_ring: deque[tuple[str, dict[str, Any], str]] = deque()
_memory_bytes = [0]
#: what this process did (the warm daemon's live health; one event's worth otherwise)
process_stats: dict[str, Any] = {
    "events": 0,
    "bytes_written": 0,
    "write_errors": 0,
    "buffered_in_memory": 0,
    "dropped": 0,
    "recovered": 0,
}
_reported: set[str] = set()


def capture_name(session_id: object) -> str:
    """The file name stem for a session: its id when that is a safe file name, else a digest."""
    if (
        isinstance(session_id, str)
        and 0 < len(session_id) <= 128
        and session_id[0] != "."
        and set(session_id) <= _NAME_CHARS
    ):
        return session_id
    if not isinstance(session_id, str) or not session_id:
        return "no-session"
    import hashlib

    return "s-" + hashlib.blake2b(session_id.encode("utf-8", "replace"), digest_size=16).hexdigest()


def capture_path(directory: str, session_id: object) -> str:
    return os.path.join(directory, capture_name(session_id) + CAPTURE_SUFFIX)


def meta_path(capture: str) -> str:
    return capture[: -len(CAPTURE_SUFFIX)] + META_SUFFIX


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- the line ---------------------------------------------------------------------


def fit_payload(payload: Mapping[str, Any], max_bytes: int, size: int | None = None) -> tuple[Any, bool]:
    """``payload`` (already redacted) cut to about ``max_bytes`` of JSON, still an object.

    Long strings are cut in the middle (:func:`hookmux.state.records.bounded_payload`,
    head and tail kept) with a shrinking limit until the whole fits, so the
    keys (event name, tool_use_id, ...) survive and the line stays replayable;
    if even that fails, only the top-level scalars are kept. ``size``: the payload's
    JSON size in bytes, when the caller has it.
    """
    if size is None:
        size = len(_dumps(payload).encode("utf-8"))
    if size <= max_bytes:
        return payload, False
    from hookmux.state.records import bounded_payload

    def cut(value: Any, limit: int) -> Any:
        if isinstance(value, str):
            return bounded_payload(value, limit) if len(value) > limit // 4 else value
        if isinstance(value, dict):
            return {k: cut(v, limit) for k, v in value.items()}
        if isinstance(value, list):
            return [cut(v, limit) for v in value]
        return value

    limit = max(max_bytes // 2, 64)
    while limit >= 64:
        cut_payload = cut(payload, limit)
        if len(_dumps(cut_payload).encode("utf-8")) <= max_bytes:
            return cut_payload, True
        limit //= 2
    skeleton = {
        k: v
        for k, v in payload.items()
        if isinstance(v, (int, float, bool)) or v is None or (isinstance(v, str) and len(v) <= 256)
    }
    skeleton["hookmux_capture_cut"] = f"{size} bytes of payload did not fit in {max_bytes}"
    return skeleton, True


def line_body(
    raw: Mapping[str, Any],
    *,
    max_bytes: int,
    store_payload: bool,
    correlation: str | None = None,
    wall: float | None = None,
    mono_ns: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """The line's fields after ``seq`` and ``run_id``, as a JSON object body (no braces)."""
    event = raw.get("hook_event_name")
    tool = raw.get("tool_name")
    tool_use_id = raw.get("tool_use_id")
    fields: dict[str, Any] = {
        "ts": round(time.time() if wall is None else wall, 6),
        "mono_ns": time.monotonic_ns() if mono_ns is None else mono_ns,
        "session_id": raw.get("session_id"),
        "event": event,
        "tool_name": tool if isinstance(tool, str) else None,
        "tool_use_id": tool_use_id if isinstance(tool_use_id, str) else None,
        "correlation_id": correlation or correlation_id(raw),
        "pid": os.getpid(),
    }
    trace = trace_id(environ)
    if trace:
        fields["trace_id"] = trace
    from hookmux.state.redact import redact_dumped

    redacted, text = redact_dumped(dict(raw), separators=(",", ":"))
    fields["payload_bytes"] = size = len(text.encode("utf-8"))
    if store_payload:
        fitted, cut = fit_payload(redacted, max_bytes, size)
        if cut:
            fields["payload_cut"] = True
            text = _dumps(fitted)
        body = _dumps(fields)[1:-1] + ',"payload":' + text
    else:
        body = _dumps(fields)[1:-1]
    return body


# -- the sidecar --------------------------------------------------------------------


def _read_meta(fd: int) -> dict[str, Any] | None:
    import json

    try:
        data = os.pread(fd, META_LIMIT, 0)
        value = json.loads(data) if data else None
    except (OSError, ValueError):
        return None
    if (
        isinstance(value, dict)
        and value.get("format") == FORMAT
        and all(isinstance(value.get(k), int) for k in ("seq", "events", "bytes", "ino"))
        and isinstance(value.get("run_id"), str)
    ):
        return value
    return None  # missing or mangled: rebuilt from the file


def _write_meta(fd: int, meta: Mapping[str, Any]) -> None:
    data = _dumps(meta).encode("utf-8")
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def scan(path: str) -> tuple[int, int, dict[str, Any] | None, dict[str, Any] | None]:
    """(valid lines, highest seq, first line, last line) of a capture file."""
    import json

    count, top = 0, 0
    first: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    with open(path, "rb") as fh:
        for raw_line in fh:
            try:
                line = json.loads(raw_line)
            except ValueError:
                continue
            if not isinstance(line, dict):
                continue
            count += 1
            seq = line.get("seq")
            if isinstance(seq, int) and seq > top:
                top = seq
            first = first or line
            last = line
    return count, top, first, last


def new_meta(path: str, seed: Mapping[str, Any], ino: int, size: int) -> dict[str, Any]:
    """Metadata of a capture: rebuilt from its file when that has lines, else fresh."""
    now = time.time()
    meta: dict[str, Any] = {
        "format": FORMAT,
        "path": path,
        "session_id": seed.get("session_id"),
        "run_id": seed.get("run_id") or os.urandom(8).hex(),
        "created": now,
        "updated": now,
        "events": 0,
        "seq": 0,
        "bytes": size,
        "ino": ino,
        "cleanup": seed.get("cleanup"),
        "project_dir": seed.get("project_dir"),
    }
    if size:
        count, top, first, last = scan(path)
        meta.update(events=count, seq=top, rebuilt=now)
        if first is not None:
            meta["created"] = first.get("ts", now)
            meta["run_id"] = first.get("run_id") or meta["run_id"]
        if last is not None:
            meta["updated"] = last.get("ts", now)
    return meta


# -- appending ------------------------------------------------------------------------


def append(path: str, seed: Mapping[str, Any], body: str) -> tuple[int, int]:
    """Append one line to the capture at ``path`` under its lock; (seq, bytes written).

    ``seed`` describes the capture for a new sidecar (session_id, run_id,
    cleanup, project_dir). Raises OSError.
    """
    fd = open_locked(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        mfd = os.open(meta_path(path), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            st = os.fstat(fd)
            meta = _read_meta(mfd)
            if meta is None or meta.get("ino") != st.st_ino or meta.get("bytes") != st.st_size:
                meta = new_meta(path, seed, st.st_ino, st.st_size)
            previous = dict(meta)
            seq = int(meta["seq"]) + 1
            data = f'{{"seq":{seq},"run_id":{_dumps(meta["run_id"])},{body}}}\n'.encode()
            meta.update(seq=seq, events=int(meta["events"]) + 1, bytes=st.st_size + len(data))
            meta["updated"] = time.time()
            # The sidecar first: if the line then fails, it is rolled back; if this
            # process dies between the two, ``bytes`` no longer matches and the
            # next writer rebuilds the sidecar from the file.
            _write_meta(mfd, meta)
            try:
                written = os.write(fd, data)
                if written != len(data):
                    os.ftruncate(fd, st.st_size)  # never leave half a line
                    raise OSError(28, "short write (disk full?)")
            except OSError:
                try:
                    _write_meta(mfd, previous)
                except OSError:
                    pass
                raise
        finally:
            os.close(mfd)
    finally:
        os.close(fd)
    return seq, len(data)


def capture(
    raw: Mapping[str, Any],
    *,
    home: str,
    config: Config,
    max_bytes: int,
    project_dir: str | None = None,
    correlation: str | None = None,
    stderr: Any = None,
    environ: Mapping[str, str] = os.environ,
) -> int | None:
    """Write one event; returns its sequence number, or None when it went to the ring.

    Never raises: this runs for every hook event.
    """
    try:
        wall, mono = time.time(), time.monotonic_ns()
        body = line_body(
            raw,
            max_bytes=max_bytes,
            store_payload=config.store_payload,
            correlation=correlation,
            wall=wall,
            mono_ns=mono,
            environ=environ,
        )
        directory = capture_dir(home, config)
        path = capture_path(directory, raw.get("session_id"))
        seed = {
            "session_id": raw.get("session_id"),
            "run_id": config.run_id,
            "cleanup": {"after_bundle": config.after_bundle, "stale_hours": config.stale_hours},
            "project_dir": project_dir,
        }
    except Exception as exc:  # noqa: BLE001 - a capture bug must not fail the hook
        _report("line", f"hookmux: capture: cannot build the line: {type(exc).__name__}: {exc}", stderr)
        with _lock:
            process_stats["write_errors"] += 1
        return None
    try:
        seq, size = append(path, seed, body)
    except OSError as exc:
        _degrade(config, path, seed, body, exc, stderr, environ)
        return None
    except Exception as exc:  # noqa: BLE001 - never fail the hook (nor trip capture's breaker)
        failure = OSError(0, f"{type(exc).__name__}: {exc}")
        _degrade(config, path, seed, body, failure, stderr, environ)
        return None
    with _lock:
        process_stats["events"] += 1
        process_stats["bytes_written"] += size
    try:
        drain(config, environ)
    except Exception as exc:  # noqa: BLE001
        _report("drain", f"hookmux: capture: cannot drain the fallback ring: {exc}", stderr)
    return seq


# -- degrading ---------------------------------------------------------------------------


def _report(key: str, message: str, stderr: Any) -> None:
    with _lock:
        if key in _reported:
            return
        _reported.add(key)
    try:
        print(message, file=stderr or sys.stderr)
    except Exception:  # noqa: BLE001, S110 - Claude Code may have closed stderr
        pass


def private_dir(path: str) -> str:
    """Create ``path`` (0700) and make sure it is ours and private: it may be in /tmp."""
    import stat

    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise PermissionError(13, f"{path} is not a private directory of this user")
    return path


def _read_health(fd: int) -> dict[str, Any]:
    import json

    try:
        value = json.loads(os.pread(fd, META_LIMIT, 0) or b"{}")
    except (OSError, ValueError):
        value = {}
    return value if isinstance(value, dict) else {}


def _degrade(
    config: Config,
    path: str,
    seed: Mapping[str, Any],
    body: str,
    exc: OSError,
    stderr: Any,
    environ: Mapping[str, str],
) -> None:
    reason = exc.strerror or str(exc)
    with _lock:
        process_stats["write_errors"] += 1
    entry = {"capture": path, "seed": dict(seed), "body": body, "error": reason, "at": time.time()}
    try:
        first, ring = _to_ring(config, entry, environ)
    except OSError as ring_exc:
        with _lock:
            _memory_ring.append((path, dict(seed), body))
            _memory_bytes[0] += len(body)
            while len(_memory_ring) > 1 and (
                len(_memory_ring) > config.ring_size or _memory_bytes[0] > config.ring_max_bytes
            ):
                _memory_bytes[0] -= len(_memory_ring.popleft()[2])
                process_stats["dropped"] += 1
            process_stats["buffered_in_memory"] = len(_memory_ring)
        _report(
            f"memory:{path}",
            f"hookmux: capture: cannot write {path} ({reason}) nor the fallback ring "
            f"({ring_exc.strerror or ring_exc}); events are kept in memory only while this process "
            "lives; hooks still answer",
            stderr,
        )
        return
    if first:
        try:
            print(
                f"hookmux: capture: cannot write {path}: {reason}; the last {config.ring_size} events "
                f"are kept in {ring} until captures can be written again (reported once); "
                "hooks still answer",
                file=stderr or sys.stderr,
            )
        except Exception:  # noqa: BLE001, S110
            pass


def _to_ring(config: Config, entry: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[bool, str]:
    """Append to the fallback ring, trimming it to its bounds; (first failure of an episode, path)."""
    directory = private_dir(fallback_dir(config, environ))
    ring = os.path.join(directory, RING)
    line = (_dumps(entry) + "\n").encode("utf-8")
    fd = open_locked(ring, os.O_RDWR | os.O_APPEND | os.O_CREAT)
    try:
        hfd = os.open(os.path.join(directory, HEALTH), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            health = _read_health(hfd)
            buffered = int(health.get("buffered", 0)) + 1
            size = os.fstat(fd).st_size + len(line)
            if os.write(fd, line) != len(line):
                raise OSError(28, "short write (disk full?)")
            dropped = 0
            if buffered > config.ring_size or size > config.ring_max_bytes:
                buffered, dropped = _trim(fd, config)
            first = not health.get("episode")
            health.update(
                write_errors=int(health.get("write_errors", 0)) + 1,
                buffered=buffered,
                dropped=int(health.get("dropped", 0)) + dropped,
                last_error={"at": entry["at"], "capture": entry["capture"], "error": entry["error"]},
            )
            if first:
                health["episode"] = {"since": entry["at"], "error": entry["error"]}
            _write_meta(hfd, health)
        finally:
            os.close(hfd)
    finally:
        os.close(fd)
    return first, ring


def _trim(fd: int, config: Config) -> tuple[int, int]:
    """Keep the newest lines of the ring within about 3/4 of its bounds; (kept, dropped)."""
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    lines = b"".join(chunks).splitlines(keepends=True)
    keep_lines = max(config.ring_size * 3 // 4, 1)
    keep_bytes = config.ring_max_bytes * 3 // 4
    kept: list[bytes] = []
    total = 0
    for item in reversed(lines):
        if len(kept) >= keep_lines or (kept and total + len(item) > keep_bytes):
            break
        kept.append(item)
        total += len(item)
    kept.reverse()
    os.ftruncate(fd, 0)
    os.write(fd, b"".join(kept))  # O_APPEND: written at the (new) end
    return len(kept), len(lines) - len(kept)


def drain(config: Config, environ: Mapping[str, str] = os.environ) -> int:
    """Move buffered lines (this process's memory, then the ring file) back into their
    captures, marked ``recovered``; returns how many moved. Cheap when nothing waits."""
    moved = 0
    if _memory_ring:
        with _lock:
            waiting = list(_memory_ring)
            _memory_ring.clear()
            _memory_bytes[0] = 0
        for index, (path, seed, body) in enumerate(waiting):
            try:
                append(path, seed, body + ',"recovered":true')
            except OSError:
                with _lock:
                    _memory_ring.extendleft(reversed(waiting[index:]))
                    _memory_bytes[0] = sum(len(item[2]) for item in _memory_ring)
                break
            moved += 1
        with _lock:
            process_stats["buffered_in_memory"] = len(_memory_ring)
            process_stats["recovered"] += moved
    ring = os.path.join(fallback_dir(config, environ), RING)
    try:
        if os.stat(ring).st_size == 0:
            return moved
    except OSError:
        return moved
    return moved + _drain_file(ring)


def _drain_file(ring: str) -> int:
    import json

    directory = private_dir(os.path.dirname(ring))
    fd = open_locked(ring, os.O_RDWR | os.O_APPEND)
    moved = 0
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        left: list[bytes] = []
        failed = False
        for raw_line in b"".join(chunks).splitlines(keepends=True):
            try:
                entry = json.loads(raw_line)
                path, seed, body = entry["capture"], entry["seed"], entry["body"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by a crash: nothing to recover
            if not failed:
                try:
                    append(str(path), seed, str(body) + ',"recovered":true')
                    moved += 1
                    continue
                except OSError:
                    failed = True  # still failing: keep this line and the rest, in order
            left.append(raw_line)
        os.ftruncate(fd, 0)
        if left:
            os.write(fd, b"".join(left))
        hfd = os.open(os.path.join(directory, HEALTH), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            health = _read_health(hfd)
            health.update(buffered=len(left), recovered=int(health.get("recovered", 0)) + moved)
            if not left:
                health.pop("episode", None)  # over: the next failure is reported again
            _write_meta(hfd, health)
        finally:
            os.close(hfd)
    finally:
        os.close(fd)
    with _lock:
        process_stats["recovered"] += moved
    return moved
