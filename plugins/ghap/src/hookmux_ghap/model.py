"""GHAP entries as the original writes them (``GHAPEntry.to_dict``), and its rules.

Entries stay plain dicts in the original's key order, so what is read is written
back byte for byte. The enums, limits and error messages are those of the CLAMS
collector (``observation/collector.py``, ``models.py``, ``utils.py``) and of its MCP
tools (``server/tools/ghap.py``, ``enums.py``). Standard library only, and no
``datetime``/``secrets`` (milliseconds at import): this runs on every tool call.
"""

from __future__ import annotations

import os
import time

# typing costs milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DOMAINS = (
    "debugging",
    "refactoring",
    "feature",
    "testing",
    "configuration",
    "documentation",
    "performance",
    "security",
    "integration",
)
STRATEGIES = (
    "systematic-elimination",
    "trial-and-error",
    "research-first",
    "divide-and-conquer",
    "root-cause-analysis",
    "copy-from-similar",
    "check-assumptions",
    "read-the-error",
    "ask-user",
)
ROOT_CAUSE_CATEGORIES = (
    "wrong-assumption",
    "missing-knowledge",
    "oversight",
    "environment-issue",
    "misleading-symptom",
    "incomplete-fix",
    "wrong-scope",
    "test-isolation",
    "timing-issue",
)
OUTCOME_STATUSES = ("confirmed", "falsified", "abandoned")
#: gold: a test or build outcome triggered the resolution; silver: resolved by hand;
#: bronze: a poor hypothesis (the original's persister tier, never computed here);
#: abandoned. Clustering weights of the original (``clustering/types.py``).
TIER_WEIGHTS = {"gold": 1.0, "silver": 0.8, "bronze": 0.5, "abandoned": 0.2}
CONFIDENCE_TIERS = tuple(TIER_WEIGHTS)
UNKNOWN_TIER_WEIGHT = 0.5

#: The collector truncates every text to this many characters.
MAX_TEXT = 10_000
#: The MCP tools refuse longer texts: start/update fields, resolve fields.
MAX_GHAP_FIELD = 1000
MAX_RESOLVE_FIELD = 2000

#: Keys of an entry, in ``GHAPEntry.to_dict`` order.
REQUIRED_KEYS = (
    "id",
    "session_id",
    "created_at",
    "domain",
    "strategy",
    "goal",
    "hypothesis",
    "action",
    "prediction",
)


class GHAPError(Exception):
    """A GHAP operation was refused; ``kind`` names why (as the MCP tools did)."""

    kind = "internal_error"


class ValidationError(GHAPError):
    kind = "validation_error"


class NotFoundError(GHAPError):
    kind = "not_found"


class ActiveGHAPError(GHAPError):
    kind = "active_ghap_exists"


# -- ids and timestamps ---------------------------------------------------------


def utc_timestamp(now: float | None = None) -> str:
    """UTC ISO 8601 with microseconds and a ``Z``, as ``GHAPEntry.to_dict`` writes."""
    now = time.time() if now is None else now
    seconds = int(now)
    micros = round((now - seconds) * 1_000_000)
    if micros == 1_000_000:
        seconds, micros = seconds + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"


def _stamp(prefix: str) -> str:
    return f"{prefix}_{time.strftime('%Y%m%d_%H%M%S', time.gmtime())}_{os.urandom(3).hex()}"


def new_ghap_id() -> str:
    """``ghap_{YYYYMMDD}_{HHMMSS}_{6 hex}`` (UTC)."""
    return _stamp("ghap")


def new_session_id() -> str:
    """``session_{YYYYMMDD}_{HHMMSS}_{6 hex}`` (UTC), for a GHAP started outside a session."""
    return _stamp("session")


def truncate(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[:limit]


# -- validation (the MCP tools' rules and messages) ------------------------------


def _choice(value: str, options: tuple[str, ...], what: str) -> None:
    if value not in options:
        raise ValidationError(f"Invalid {what} '{value}'. Valid options: {', '.join(options)}")


def _limit(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ValidationError(f"Field '{field}' exceeds {limit} character limit ({len(value)} chars)")


def validate_start(
    domain: str, strategy: str, goal: str, hypothesis: str, action: str, prediction: str
) -> None:
    _choice(domain, DOMAINS, "domain")
    _choice(strategy, STRATEGIES, "strategy")
    for field, value in (
        ("goal", goal),
        ("hypothesis", hypothesis),
        ("action", action),
        ("prediction", prediction),
    ):
        if not value or not value.strip():
            raise ValidationError(f"Field '{field}' cannot be empty")
        _limit(field, value, MAX_GHAP_FIELD)


def validate_update(
    hypothesis: str | None, action: str | None, prediction: str | None, strategy: str | None
) -> None:
    if strategy is not None:
        _choice(strategy, STRATEGIES, "strategy")
    for field, value in (("hypothesis", hypothesis), ("action", action), ("prediction", prediction)):
        _limit(field, value, MAX_GHAP_FIELD)


def validate_resolve(
    status: str,
    result: str,
    surprise: str | None,
    root_cause: dict[str, str] | None,
    lesson: dict[str, str | None] | None,
) -> None:
    _choice(status, OUTCOME_STATUSES, "outcome status")
    _limit("result", result, MAX_RESOLVE_FIELD)
    _limit("surprise", surprise, MAX_RESOLVE_FIELD)
    if status == "falsified":
        if surprise is None or not surprise.strip():
            raise ValidationError("Field 'surprise' is required when status is 'falsified'")
        if root_cause is None:
            raise ValidationError("Field 'root_cause' is required when status is 'falsified'")
        category = root_cause.get("category")
        description = root_cause.get("description")
        if not category:
            raise ValidationError("Field 'root_cause.category' is required")
        if not description:
            raise ValidationError("Field 'root_cause.description' is required")
        _choice(category, ROOT_CAUSE_CATEGORIES, "root_cause category")
        _limit("root_cause.description", description, MAX_RESOLVE_FIELD)
    if lesson is not None:
        what_worked = lesson.get("what_worked")
        if not what_worked:
            raise ValidationError("Field 'lesson.what_worked' is required when lesson is provided")
        _limit("lesson.what_worked", what_worked, MAX_RESOLVE_FIELD)
        _limit("lesson.takeaway", lesson.get("takeaway"), MAX_RESOLVE_FIELD)


# -- entries --------------------------------------------------------------------


def new_entry(
    session_id: str,
    domain: str,
    strategy: str,
    goal: str,
    hypothesis: str,
    action: str,
    prediction: str,
) -> dict[str, Any]:
    """An active entry, keys in ``to_dict`` order, texts truncated as the collector does."""
    return {
        "id": new_ghap_id(),
        "session_id": session_id,
        "created_at": utc_timestamp(),
        "domain": domain,
        "strategy": strategy,
        "goal": truncate(goal),
        "hypothesis": truncate(hypothesis),
        "action": truncate(action),
        "prediction": truncate(prediction),
        "history": [],
        "iteration_count": 1,
        "notes": [],
    }


def is_entry(value: object) -> bool:
    """True for a dict ``GHAPEntry.from_dict`` would accept."""
    if not isinstance(value, dict):
        return False
    if not all(isinstance(value.get(k), str) for k in REQUIRED_KEYS):
        return False
    return value["domain"] in DOMAINS and value["strategy"] in STRATEGIES


def apply_update(
    entry: dict[str, Any],
    hypothesis: str | None,
    action: str | None,
    prediction: str | None,
    strategy: str | None,
    note: str | None,
) -> bool:
    """``update_ghap``: a changed hypothesis, action or prediction pushes the old
    triple to ``history`` and counts an iteration; a note is appended; a strategy
    change alone adds no history. True when the triple changed."""
    changing = (
        (hypothesis is not None and hypothesis != entry["hypothesis"])
        or (action is not None and action != entry["action"])
        or (prediction is not None and prediction != entry["prediction"])
    )
    if changing:
        entry.setdefault("history", []).append(
            {
                "timestamp": utc_timestamp(),
                "hypothesis": entry["hypothesis"],
                "action": entry["action"],
                "prediction": entry["prediction"],
            }
        )
        entry["iteration_count"] = int(entry.get("iteration_count", 1)) + 1
        if hypothesis is not None:
            entry["hypothesis"] = truncate(hypothesis)
        if action is not None:
            entry["action"] = truncate(action)
        if prediction is not None:
            entry["prediction"] = truncate(prediction)
    if strategy is not None:
        entry["strategy"] = strategy
    if note is not None:
        entry.setdefault("notes", []).append(truncate(note))
    return changing


def confidence_tier(status: str, auto_captured: bool) -> str:
    """``compute_confidence_tier``: abandoned, else gold when auto-captured, else silver."""
    if status == "abandoned":
        return "abandoned"
    return "gold" if auto_captured else "silver"


def resolved(
    entry: dict[str, Any],
    status: str,
    result: str,
    surprise: str | None = None,
    root_cause: dict[str, str] | None = None,
    lesson: dict[str, str | None] | None = None,
    auto_captured: bool = False,
) -> dict[str, Any]:
    """A copy of ``entry`` resolved: outcome, then the optional fields, then the tier,
    in ``to_dict`` order (an entry's optional keys come after ``notes``)."""
    out = {k: v for k, v in entry.items() if k not in _RESOLUTION_KEYS}
    out["outcome"] = {
        "status": status,
        "result": truncate(result),
        "captured_at": utc_timestamp(),
        "auto_captured": auto_captured,
    }
    if surprise is not None:
        out["surprise"] = truncate(surprise)
    if root_cause is not None:
        out["root_cause"] = {"category": root_cause["category"], "description": root_cause["description"]}
    if lesson is not None:
        out["lesson"] = {"what_worked": lesson["what_worked"], "takeaway": lesson.get("takeaway")}
    out["confidence_tier"] = confidence_tier(status, auto_captured)
    return out


_RESOLUTION_KEYS = frozenset({"outcome", "surprise", "root_cause", "lesson", "confidence_tier"})


def tier_weight(entry: dict[str, Any]) -> float:
    """The clustering weight of an entry's tier (0.5 when unknown)."""
    tier = entry.get("confidence_tier")
    return TIER_WEIGHTS.get(tier, UNKNOWN_TIER_WEIGHT) if isinstance(tier, str) else UNKNOWN_TIER_WEIGHT
