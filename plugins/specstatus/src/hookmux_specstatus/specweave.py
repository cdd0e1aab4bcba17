"""SpecWeave's file formats, read by SpecWeave's own rules.

Two components of SpecWeave parse ``tasks.md`` differently, and both rules are
kept here as SpecWeave has them:

* the status line (``TaskCounter``, ``task-counter.ts``) counts a task as done
  when its section has ``[x]`` at a line start, ``**Status**: [x]`` or
  ``**Completed**: <anything>``;
* the AC sync (``ACStatusManager.parseTasksForACStatus``) counts a task as done
  when its section has a ``- [x]`` line (or ``**Status**: [x]``) and no
  ``- [ ]`` line (nor ``**Status**: [ ]``).

The regular expressions are SpecWeave's, written for Python's ``re``: ``\\d`` is
spelled ``[0-9]`` (JavaScript's ``\\d`` is ASCII only).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

#: ``spec.md`` frontmatter statuses the status line counts as open (``update-status-line.sh``).
OPEN_STATUSES = ("active", "planning", "in-progress")

# TaskCounter (task-counter.ts)
_TASK_HEADING = re.compile(r"^##+ (T-[0-9]+[^:\n]*):?\s*(.*)$", re.MULTILINE)
_DONE_MARKERS = (
    re.compile(r"^\[x\]", re.MULTILINE),
    re.compile(r"\*\*Status\*\*:\s*\[x\]", re.IGNORECASE),
    re.compile(r"\*\*Completed\*\*:\s*\S", re.IGNORECASE),
)

# AC checkbox lines the status line counts in spec.md (update-status-line.sh, grep -cE)
_AC_LINE = re.compile(r"- \[(x| )\] \*\*AC-")
_AC_DONE_LINE = re.compile(r"- \[x\] \*\*AC-")

# ACStatusManager (ac-status-manager.ts)
_AC_TASK_HEADER = re.compile(r"###\s+(T-[0-9]+):")
_AC_REFERENCE = re.compile(r"\*\*(?:AC|Satisfies ACs)\*\*:\s*(.+)")
_STATUS_DONE = re.compile(r"\*\*Status\*\*:\s*\[x\]", re.IGNORECASE)
_STATUS_OPEN = re.compile(r"\*\*Status\*\*:\s*\[\s\]", re.IGNORECASE)
_SPEC_AC = re.compile(r"^-\s+\[([ x])\]\s+\*{0,2}(AC-[A-Z0-9-]+)\*{0,2}:\s*(.+)")
_AC_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class TaskCount:
    total: int
    completed: int
    percentage: int


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    completed: bool


def parse_tasks(content: str) -> list[Task]:
    """Every ``## T-...``/``### T-...`` task of ``tasks.md``, TaskCounter's way."""
    matches = list(_TASK_HEADING.finditer(content))
    tasks = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(content)
        section = content[match.start() : end]
        done = any(marker.search(section) for marker in _DONE_MARKERS)
        tasks.append(Task(match.group(1).strip(), match.group(2).strip(), done))
    return tasks


def count_tasks(content: str) -> TaskCount:
    """``TaskCounter.countTasks``: total, completed and ``floor(completed / total * 100)``."""
    tasks = parse_tasks(content)
    total = len(tasks)
    completed = sum(1 for t in tasks if t.completed)
    percentage = math.floor((completed / total) * 100) if total > 0 else 0
    return TaskCount(total, completed, percentage)


def count_acs(spec: str) -> tuple[int, int]:
    """(completed, total) AC checkbox lines of ``spec.md`` (the bold ``- [x] **AC-`` form)."""
    total = completed = 0
    for line in spec.split("\n"):
        if _AC_LINE.match(line):
            total += 1
            if _AC_DONE_LINE.match(line):
                completed += 1
    return completed, total


def first_field(content: str, name: str, *, rest: bool = False) -> str | None:
    """``grep -m1 "^name:" | cut -d: -f2 | tr -d ' '`` (``-f2-`` with ``rest``); None: no such line.

    As in SpecWeave this reads the first matching line anywhere in the file, not
    only the frontmatter. A trailing carriage return (a CRLF file) is dropped.
    """
    prefix = name + ":"
    for line in content.split("\n"):
        if line.startswith(prefix):
            fields = line.split(":")
            value = ":".join(fields[1:]) if rest else fields[1]
            return value.replace(" ", "").removesuffix("\r")
    return None


# -- AC sync ---------------------------------------------------------------------------


@dataclass
class ACStatus:
    """How far the tasks referencing one AC are (``ACCompletionStatus``)."""

    ac_id: str
    total_tasks: int = 0
    completed_tasks: int = 0
    tasks: list[str] = field(default_factory=list)

    @property
    def percentage(self) -> float:
        """Rounded to two decimals, half up, as ``Math.round(x * 100) / 100``."""
        if not self.total_tasks:
            return 0
        return math.floor((self.completed_tasks / self.total_tasks) * 100 * 100 + 0.5) / 100

    @property
    def is_complete(self) -> bool:
        return self.percentage == 100


@dataclass(frozen=True)
class SpecAC:
    """An AC checkbox of ``spec.md`` (``ACDefinition``)."""

    ac_id: str
    description: str
    checked: bool
    line_number: int  # 1-based


def parse_tasks_for_ac_status(tasks: str) -> dict[str, ACStatus]:
    """AC -> the tasks that reference it, in the order tasks.md first names each AC."""
    statuses: dict[str, ACStatus] = {}
    task_id: str | None = None
    acs: list[str] = []
    checked = unchecked = False

    def close() -> None:
        if task_id and acs:
            done = checked and not unchecked
            for ac in acs:
                status = statuses.setdefault(ac, ACStatus(ac))
                status.total_tasks += 1
                status.completed_tasks += int(done)
                status.tasks.append(task_id)

    for line in tasks.split("\n"):
        header = _AC_TASK_HEADER.search(line)
        if header:
            close()
            task_id, acs, checked, unchecked = header.group(1), [], False, False
            continue
        reference = _AC_REFERENCE.search(line)
        if reference and task_id:
            acs.extend(t for t in _AC_SPLIT.split(reference.group(1).strip()) if t.startswith("AC-"))
            continue
        if task_id:
            if "- [" in line:
                if "- [ ]" in line:
                    unchecked = True
                elif "- [x]" in line:
                    checked = True
            elif _STATUS_DONE.search(line):
                checked = True
            elif _STATUS_OPEN.search(line):
                unchecked = True
    close()
    return statuses


def parse_spec_for_acs(spec: str) -> dict[str, SpecAC]:
    """AC -> its checkbox line in spec.md (a later line with the same AC wins, in place)."""
    found: dict[str, SpecAC] = {}
    for number, line in enumerate(spec.split("\n"), start=1):
        match = _SPEC_AC.match(line)
        if match:
            ac = match.group(2)
            found[ac] = SpecAC(ac, match.group(3).strip(), match.group(1) == "x", number)
    return found


def js_number(value: float) -> str:
    """A number as JavaScript's ``String(n)`` writes it (``66.67``, ``50``)."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
