"""What reaches the model: the original hooks' texts (``clams_scripts/hooks/*.sh``).

Kept verbatim, with three documented changes (see the README): the tools named in
the instructions are the ``hookmux ghap`` commands instead of the CLAMS MCP
tools; the outcome texts gain a ``Tests: N passed, M failed`` line when the output
said so; and the values list is really appended at session start.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

ORPHAN = """\
## Orphaned GHAP Detected

From previous session:

**Goal**: {goal}
**Hypothesis**: {hypothesis}

**Options**:
- Adopt and continue this work
- Abandon with reason

---

"""

INSTRUCTIONS = """\
## GHAP Learning System

**Start a GHAP before your first investigative action** - not after something breaks.

If you're about to grep/search/read code to understand *why* something happens, you have a hypothesis. Capture it.

### When to Start a GHAP
- "I think this test fails because X" → start before investigating
- "The error is probably in module Y" → start before reading that module
- "Let me check if Z is the cause" → that's a hypothesis, capture it

### When to Skip
- Reading a file the user explicitly pointed you to
- Running a command the user explicitly asked for
- Simple tasks with no uncertainty (fix typo, add import)

### The Tools
1. `{cmd} ghap start --domain DOMAIN --strategy STRATEGY --goal ... --hypothesis ... --action ... --prediction ...` - Goal, hypothesis, action, prediction (30 sec)
2. `{cmd} ghap update --hypothesis ... --action ... --prediction ... --note ...` - Revise if hypothesis changes
3. `{cmd} ghap resolve --status confirmed|falsified|abandoned --result ...` - Record outcome (confirmed/falsified/abandoned; falsified also needs `--surprise`, `--root-cause-category`, `--root-cause-description`)
4. `{cmd} ghap adopt` / `{cmd} ghap abandon --reason ...` - Continue or drop an orphaned GHAP (`{cmd} ghap start --help` lists domains and strategies)

Past GHAPs surface as relevant context in future sessions.

---
"""  # noqa: E501 - the texts are the original's, line for line

CHECK_IN = """\
## GHAP Check-in ({frequency} tools since last update)

**Current Goal**: {goal}
**Current Hypothesis**: {hypothesis}
**Current Prediction**: {prediction}

Is your hypothesis still valid? If it changed, update your GHAP entry."""

FAILED_NO_GHAP = """\
## Test FAILED

{counts}Consider starting a GHAP to track your debugging approach and learn from the process.

Start tracking with GHAP?"""

PASSED = """\
## {kind} PASSED

{counts}Your prediction was: "{prediction}"

Does this confirm your hypothesis? If yes, resolve GHAP as CONFIRMED."""

FAILED = """\
## {kind} FAILED

{counts}Your prediction was: "{prediction}"

Actual: Test still fails.

This falsifies your hypothesis. Please:
1. What surprised you?
2. What was the root cause?
3. What did you learn?"""


def _field(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) and value else "Unknown"


def orphan_block(entry: Mapping[str, Any]) -> str:
    return ORPHAN.format(goal=_field(entry, "goal"), hypothesis=_field(entry, "hypothesis"))


def instructions(command: str) -> str:
    return INSTRUCTIONS.replace("{cmd}", command)


def values_markdown(texts: Iterable[str]) -> str:
    """``assemble_context``'s values section, or "" without values."""
    lines = [f"- {t}" for t in texts]
    return "## Learned Values\n" + "\n".join(lines) if lines else ""


def session_context(command: str, orphan: Mapping[str, Any] | None, values: str) -> str:
    """session_start.sh: the orphan block, the instructions, then the values."""
    head = orphan_block(orphan) if orphan is not None else ""
    return head + instructions(command) + values


def check_in(entry: Mapping[str, Any], frequency: int) -> str:
    return CHECK_IN.format(
        frequency=frequency,
        goal=_field(entry, "goal"),
        hypothesis=_field(entry, "hypothesis"),
        prediction=_field(entry, "prediction"),
    )


def counts_line(counts: tuple[int, int] | None) -> str:
    return "" if counts is None else f"Tests: {counts[0]} passed, {counts[1]} failed\n\n"


def outcome(
    kind: str, success: bool, entry: Mapping[str, Any] | None, counts: tuple[int, int] | None
) -> str | None:
    """outcome_capture.sh's texts; None where it printed nothing (a pass, no GHAP)."""
    shown = counts_line(counts)
    if entry is None:
        return None if success else FAILED_NO_GHAP.format(counts=shown)
    prediction = entry.get("prediction")
    prediction = prediction if isinstance(prediction, str) else ""
    template = PASSED if success else FAILED
    return template.format(kind=kind, counts=shown, prediction=prediction)
