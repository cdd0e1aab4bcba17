"""What every agent adapter shares: its error, and keeping only the output an agent honours.

An adapter turns an agent's payload into the canonical (Claude Code-shaped) event
plugins code against, and the canonical output hookmux renders back into what the
agent reads. Output fields the agent ignores or rejects are not emitted; each is
named in a note that ``hookmux explain`` shows with the event.

Stdlib only: adapters run in ``hookmux run`` before any plugin is known to match.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    Path = tuple[str, ...]

HSO = "hookSpecificOutput"
#: Tool input keys that name a file; an adapter makes them absolute against the event's cwd.
FILE_KEYS = ("file_path", "notebook_path")


class AdapterError(ValueError):
    """The payload is not an event of this agent; the message is the stderr line."""


def flatten(output: Mapping[str, Any], prefix: Path = ()) -> list[tuple[Path, Any]]:
    """``{"a": {"b": 1}}`` -> ``[(("a", "b"), 1)]``; ``hookEventName`` and the insides of
    values that are data (tool input, a model request) stay whole."""
    items: list[tuple[Path, Any]] = []
    for key, value in output.items():
        path = (*prefix, key)
        if path == (HSO, "hookEventName"):
            continue
        if isinstance(value, dict) and path in ((HSO,), (HSO, "decision"), (HSO, "toolConfig")):
            items.extend(flatten(value, path))
        else:
            items.append((path, value))
    return items


def unflatten(items: list[tuple[Path, Any]], event_name: str) -> dict[str, Any] | None:
    """The output object of ``items`` (``hookEventName`` set to ``event_name``), or None."""
    out: dict[str, Any] = {}
    for path, value in items:
        target = out
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    if HSO in out:
        out[HSO] = {"hookEventName": event_name, **out[HSO]}
    return out or None


def dotted(path: Path) -> str:
    return ".".join(path)


def absolute(path: Any, cwd: str) -> Any:
    """A relative file path made absolute against the event's cwd (others as given)."""
    import os

    if not isinstance(path, str) or not path or os.path.isabs(path) or not cwd:
        return path
    return os.path.normpath(os.path.join(cwd, path))
