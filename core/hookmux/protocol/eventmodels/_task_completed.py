"""The TaskCompleted model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._task_created import TaskCreated


@attrs.frozen(kw_only=True)
class TaskCompleted(TaskCreated):
    pass
