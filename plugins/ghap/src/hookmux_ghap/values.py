"""Learned values: the embedded store (a JSONL file in the journal) or Qdrant over HTTP.

Both hold Qdrant points (``{"id": ..., "payload": {...}}``) with the original's
payload (``values/store.py``): ``text``, ``cluster_id`` (``{axis}_{label}``),
``axis``, ``cluster_label``, ``cluster_size``, ``created_at``, ``validation``.

Qdrant is read as SPEC-008 v1 designed it: ``POST {url}/collections/values/points/scroll``
with ``{"limit": N, "with_vectors": false, "with_payload": true}``, a short
timeout and the standard library's ``http.client`` (imported only when Qdrant is
configured). Any failure is a :class:`ValuesUnavailable`; the hooks then inject
no values and log one warning.
"""

from __future__ import annotations

import json
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from hookmux_ghap.journal import Journal

EMBEDDED_FILE = "values.jsonl"
COLLECTION = "values"
#: Experience axes a value can be distilled from (``enums.VALID_AXES``).
AXES = ("full", "strategy", "surprise", "root_cause")
#: HDBSCAN's label for "in no cluster": values added by hand.
UNCLUSTERED = -1
#: Largest Qdrant answer read.
MAX_RESPONSE = 4 * 1024 * 1024


class ValuesUnavailable(Exception):
    """The values store could not be read; the message says why."""


def _iso_now() -> str:
    """``datetime.now(UTC).isoformat()``, as the original stamps values (``+00:00``)."""
    now = time.time()
    micros = int((now - int(now)) * 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{micros:06d}+00:00"


def newest_first(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``list_values`` order: newest ``created_at`` first (stable)."""
    return sorted(payloads, key=lambda p: str(p.get("created_at", "")), reverse=True)


def texts(payloads: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in payloads if isinstance(p.get("text"), str) and p["text"].strip()]


# -- embedded -------------------------------------------------------------------


def read_embedded(journal: Journal) -> list[dict[str, Any]]:
    """Every point of the embedded store (malformed lines skipped)."""
    try:
        with open(journal.path(EMBEDDED_FILE), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise ValuesUnavailable(f"cannot read {journal.path(EMBEDDED_FILE)}: {exc}") from exc
    points = []
    for line in lines:
        try:
            point = json.loads(line)
        except ValueError:
            continue
        if isinstance(point, dict) and isinstance(point.get("payload"), dict):
            points.append(point)
    return points


def add_embedded(
    journal: Journal, text: str, axis: str = "full", cluster_label: int = UNCLUSTERED, cluster_size: int = 0
) -> dict[str, Any]:
    """Store a value (the point written); the file is rewritten atomically under the journal lock."""
    from hookmux.state.paths import atomic_write

    point = {
        "id": f"value_{axis}_{cluster_label}_{os.urandom(4).hex()}",
        "payload": {
            "text": text,
            "cluster_id": f"{axis}_{cluster_label}",
            "axis": axis,
            "cluster_label": cluster_label,
            "cluster_size": cluster_size,
            "created_at": _iso_now(),
        },
    }
    with journal.lock():
        path = journal.path(EMBEDDED_FILE)
        try:
            with open(path, encoding="utf-8") as fh:
                existing = fh.read()
        except FileNotFoundError:
            existing = ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        atomic_write(path, (existing + json.dumps(point) + "\n").encode("utf-8"), 0o666)
    return point


# -- Qdrant ---------------------------------------------------------------------


def scroll_qdrant(url: str, limit: int, timeout: float, api_key: str | None = None) -> list[dict[str, Any]]:
    """The payloads of up to ``limit`` points of the ``values`` collection."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValuesUnavailable(f"not an http(s) URL: {url!r}")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    body = json.dumps({"limit": limit, "with_vectors": False, "with_payload": True})
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        headers["api-key"] = api_key
    path = parts.path.rstrip("/") + f"/collections/{COLLECTION}/points/scroll"
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read(MAX_RESPONSE + 1)
        status = response.status
    except OSError as exc:  # refused, timed out, reset, DNS, TLS
        raise ValuesUnavailable(f"{type(exc).__name__}: {exc}") from exc
    except http.client.HTTPException as exc:
        raise ValuesUnavailable(f"bad HTTP answer: {type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if status != 200:
        raise ValuesUnavailable(f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}")
    if len(data) > MAX_RESPONSE:
        raise ValuesUnavailable(f"answer larger than {MAX_RESPONSE} bytes")
    try:
        points = json.loads(data)["result"]["points"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValuesUnavailable(f"unexpected answer: {data[:200].decode('utf-8', 'replace')}") from exc
    if not isinstance(points, list):
        raise ValuesUnavailable("unexpected answer: result.points is not a list")
    return [p["payload"] for p in points if isinstance(p, dict) and isinstance(p.get("payload"), dict)]
