"""Turn a merged answer into what Claude Code reads: JSON, a plain line, an exit code."""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.answers import HSO, Answer


@attrs.frozen
class Rendered:
    #: the JSON object for stdout (None: print nothing)
    payload: dict[str, Any] | None
    exit_code: int = 0
    #: text for stderr that Claude Code reads (the reason of an exit-2 block)
    stderr: str | None = None
    #: a plain stdout line instead of JSON (WorktreeCreate over the command transport)
    plain: str | None = None


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def render(answer: Answer, transport: str = "command") -> Rendered:
    """Build the output for ``answer``; ``transport`` is ``command`` or ``http``."""
    out: dict[str, Any] = {}
    exit_code = 0
    stderr = None
    for field in attrs.fields(type(answer)):
        value = getattr(answer, field.name)
        if value is None or value is False or value == ():
            continue
        path = field.metadata["json"]
        emit = field.metadata.get("emit", "value")
        if emit == "continue":
            value = False
        elif emit == "block":
            value = "block"
        elif emit == "exit2":
            exit_code = 2
            continue
        if isinstance(value, tuple):
            value = list(value)
        if not path:
            stderr = value if isinstance(value, str) else stderr
            continue
        _put(out, path, value)
    if exit_code == 2:
        if "continue" in out:
            # continue: false wins over every decision (and exit 2 would hide the JSON).
            exit_code, stderr = 0, None
        else:
            # On exit 2 Claude Code reads stderr only: the reason carries everything.
            return Rendered(None, 2, stderr or f"blocked by a hookmux plugin ({answer.event})")
    if answer.event == "WorktreeCreate" and transport == "command":
        path_value = out.pop(HSO, {}).get("worktreePath")
        return Rendered(out or None, plain=path_value)
    if HSO in out:
        out[HSO] = {"hookEventName": answer.event, **out[HSO]}
    return Rendered(out or None, exit_code, stderr)
