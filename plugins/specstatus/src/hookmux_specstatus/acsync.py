"""AC sync between tasks.md and spec.md, as SpecWeave's ``ACStatusManager.syncACStatus`` does it.

An AC checkbox in spec.md is checked when every task that references it is
complete; it is never unchecked (a checked AC with open tasks is a conflict,
logged). Each sync with changes, conflicts or warnings is prepended to
``metadata.json`` ``acSyncEvents`` (newest first, at most 20) and bumps
``lastActivity``. Files are written atomically; the caller holds the lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from hookmux_specstatus.files import atomic_write_text, iso_now_ms, read_text
from hookmux_specstatus.specweave import js_number, parse_spec_for_acs, parse_tasks_for_ac_status

#: acSyncEvents kept in metadata.json (rolling history).
MAX_SYNC_EVENTS = 20


@dataclass
class SyncResult:
    synced: bool = False
    updated: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    logged: bool = False


def sync_ac_status(increment_dir: str) -> SyncResult:
    """Check the ACs whose tasks are all complete; log the sync in metadata.json."""
    result = SyncResult()
    spec_path = os.path.join(increment_dir, "spec.md")
    tasks_path = os.path.join(increment_dir, "tasks.md")
    spec = read_text(spec_path)
    if spec is None:
        result.warnings.append("spec.md does not exist")
        return result
    tasks = read_text(tasks_path)
    if tasks is None:
        result.warnings.append("tasks.md does not exist")
        return result

    task_acs = parse_tasks_for_ac_status(tasks)
    spec_acs = parse_spec_for_acs(spec)
    lines = spec.split("\n")
    for ac, status in task_acs.items():
        definition = spec_acs.get(ac)
        if definition is None:
            result.warnings.append(f"{ac} referenced in tasks.md but not found in spec.md")
            continue
        if status.is_complete and not definition.checked:
            index = definition.line_number - 1
            lines[index] = lines[index].replace("- [ ]", "- [x]", 1)
            result.updated.append(ac)
            result.changes.append(
                f"{ac}: [ ] → [x] ({status.completed_tasks}/{status.total_tasks} tasks complete)"
            )
        elif not status.is_complete and definition.checked:
            result.conflicts.append(
                f"{ac}: [x] but only {status.completed_tasks}/{status.total_tasks} tasks complete "
                f"({js_number(status.percentage)}%)"
            )
    for ac, definition in spec_acs.items():
        if ac not in task_acs:
            if definition.checked:
                result.warnings.append(f"{ac}: [x] but no tasks found (manual verification?)")
            else:
                result.warnings.append(f"{ac}: has no tasks mapped")

    if result.updated:
        atomic_write_text(spec_path, "\n".join(lines))
        result.synced = True
    if result.synced or result.conflicts or result.warnings:
        result.logged = log_sync_event(os.path.join(increment_dir, "metadata.json"), result)
    return result


def _number(text: str) -> Any:
    """JSON numbers as JavaScript reads them back: ``80.0`` is written ``80`` again."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 1e21 else value


def log_sync_event(metadata_path: str, result: SyncResult) -> bool:
    """Prepend the sync to ``acSyncEvents``; False when metadata.json cannot take it."""
    text = read_text(metadata_path)
    if text is None:
        return False  # SpecWeave would create a metadata.json holding only acSyncEvents
    try:
        metadata: Any = json.loads(text, parse_float=_number)
    except ValueError:
        return False  # SpecWeave logs the error and leaves the file alone
    if not isinstance(metadata, dict):
        return False
    events = metadata.get("acSyncEvents") or []
    if not isinstance(events, list):
        return False
    event = {
        "timestamp": iso_now_ms(),
        "updated": list(result.updated),
        "conflicts": list(result.conflicts),
        "warnings": list(result.warnings),
        "changesCount": len(result.updated),
    }
    metadata["acSyncEvents"] = [event, *events][:MAX_SYNC_EVENTS]
    metadata["lastActivity"] = iso_now_ms()
    atomic_write_text(metadata_path, json.dumps(metadata, indent=2, ensure_ascii=False))
    return True
