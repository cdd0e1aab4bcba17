"""The TeammateIdleAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import _answer
from hookmux.protocol.answers._task_completed import TaskCompletedAnswer


@_answer("TeammateIdle", exit_code_blocks=True)
@attrs.frozen(kw_only=True)
class TeammateIdleAnswer(TaskCompletedAnswer):
    """``block`` keeps the teammate working (exit code 2); ``halt`` stops it."""
