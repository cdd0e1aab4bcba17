"""Merge the answers of several handlers into one, by Claude Code's rules.

Driven by each answer field's metadata (:mod:`hookmux.protocol.answers`):

* ``rank``: the value earliest in the field's ranking wins
  (permission deny > defer > ask > allow; PermissionRequest deny > allow);
* ``any``: true if any handler says so (``halt`` = ``continue: false`` wins,
  ``block`` wins);
* ``join``: texts joined in priority order and fitted to Claude Code's cap,
  the lowest priority cut first, with a note (:mod:`hookmux.protocol.textfit`);
* ``first``: one value only (``updated_input``...): the highest priority wins,
  and every other handler's different value is reported as a conflict;
* ``union`` / ``concat``: lists combined.

A field with ``winners_of`` only takes contributions from answers that agree
with the merged value of that field: the deny reasons of a deny, the updated
input of an allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from hookmux.protocol.answers import Answer
from hookmux.protocol.textfit import CAPS, fit_parts


@attrs.frozen
class Contribution:
    """One handler's answer, in priority order."""

    source: str
    answer: Answer


@attrs.frozen
class Merged:
    answer: Answer
    #: human-readable notes: conflicts and cuts (also shown to the user when possible)
    notes: tuple[str, ...] = ()


def _empty(value: Any) -> bool:
    return value is None or value is False or value == ()


#: answer class -> its fields in merge order (fields others depend on, through
#: ``winners_of``, first): worked out once per class, not per event.
_merge_order: dict[type[Answer], list[attrs.Attribute[Any]]] = {}


def merge_answers(cls: type[Answer], contributions: Sequence[Contribution]) -> Merged:
    """Merge ``contributions`` (highest priority first) into one ``cls`` answer."""
    ordered = _merge_order.get(cls)
    if ordered is None:
        ordered = sorted(attrs.fields(cls), key=lambda f: f.metadata.get("winners_of") is not None)
        _merge_order[cls] = ordered
    values: dict[str, Any] = {}
    notes: list[str] = []
    # An answer sets a few of its fields: skip the fields no contribution sets.
    set_anywhere = {f.name for c in contributions for f in ordered if not _empty(getattr(c.answer, f.name))}
    for field in ordered:
        if field.name not in set_anywhere:
            continue
        meta = field.metadata
        voters = list(contributions)
        gate = meta.get("winners_of")
        if gate is not None:
            winner = values.get(gate)
            voters = [c for c in voters if not _empty(winner) and getattr(c.answer, gate) == winner]
        unless = meta.get("unless")
        if unless is not None and values.get(unless[0]) == unless[1]:
            continue
        present = [(c.source, getattr(c.answer, field.name)) for c in voters]
        present = [(s, v) for s, v in present if not _empty(v)]
        if not present:
            continue
        kind = meta["merge"]
        if kind == "rank":
            ranking = meta["ranking"]
            values[field.name] = min((v for _, v in present), key=ranking.index)
        elif kind == "any":
            values[field.name] = True
        elif kind == "join":
            cap_name = meta.get("cap")
            if cap_name is None:
                values[field.name] = "".join(v for _, v in present)
                continue
            separator = "\n\n" if cap_name == "additionalContext" else "\n"
            text, cut = fit_parts(present, CAPS[cap_name], cap_name, separator)
            values[field.name] = text
            if cut:
                notes.append(
                    f"{cap_name} from {', '.join(dict.fromkeys(cut))} was cut to fit Claude Code's limit"
                )
        elif kind == "first":
            source, value = present[0]
            values[field.name] = value
            for other, rival in present[1:]:
                if rival != value:
                    notes.append(
                        f"{field.name} from {other} was not applied: "
                        f"{source} (higher priority) already set it"
                    )
        elif kind == "union":
            values[field.name] = tuple(dict.fromkeys(x for _, v in present for x in v))
        elif kind == "concat":
            values[field.name] = tuple(x for _, v in present for x in v)
        else:  # pragma: no cover - metadata is ours
            raise ValueError(f"unknown merge kind {kind!r}")
    return Merged(cls(**values), tuple(notes))
