"""SpecWeave's hook logs: ``.specweave/logs/hooks-debug.log`` and ``.specweave/state/hook-metrics.jsonl``.

The debug log takes ``[<date>] <message>`` lines and is cut to its last 100
lines once it passes 100 KB; the metrics file keeps its last 1000 JSON lines.
Text is redacted before it is stored. Callers hold the project's lock.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from hookmux.state.redact import redact, redact_text
from hookmux_specstatus.files import atomic_write_text, iso_now_s, keep_last_lines, read_text
from hookmux_specstatus.project import logs_dir, state_dir

DEBUG_LOG = "hooks-debug.log"
METRICS = "hook-metrics.jsonl"
LOG_ROTATE_BYTES = 102400
LOG_KEEP_LINES = 100
METRICS_KEEP_LINES = 1000


def debug_log_path(root: str) -> str:
    return os.path.join(logs_dir(root), DEBUG_LOG)


def metrics_path(root: str) -> str:
    return os.path.join(state_dir(root), METRICS)


def log(root: str, message: str) -> None:
    """Append ``[date] message`` (``echo "[$(date)] ..."``), rotating first like SpecWeave."""
    path = debug_log_path(root)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        if os.path.getsize(path) > LOG_ROTATE_BYTES:
            lines = (read_text(path) or "").split("\n")
            atomic_write_text(path, "\n".join(lines[-LOG_KEEP_LINES - 1 :]))
    except OSError:
        pass
    line = f"[{time.strftime('%a %b %e %H:%M:%S %Z %Y')}] {redact_text(message)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def metric(root: str, hook: str, event: str, **fields: Any) -> None:
    """Append one ``{"timestamp", "hook", "event", ...}`` line to hook-metrics.jsonl."""
    record = {"timestamp": iso_now_s(), "hook": hook, "event": event, **redact(fields)}
    keep_last_lines(metrics_path(root), [json.dumps(record, ensure_ascii=False)], METRICS_KEEP_LINES)


def metrics(root: str) -> list[dict[str, Any]]:
    """The records in hook-metrics.jsonl (for tests and ``hookmux specstatus``)."""
    out = []
    for line in (read_text(metrics_path(root)) or "").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out
