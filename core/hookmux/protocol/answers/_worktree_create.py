"""The WorktreeCreateAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HSO, Answer, _answer, _opt_str, single


@_answer("WorktreeCreate")
@attrs.frozen(kw_only=True)
class WorktreeCreateAnswer(Answer):
    """The path of the worktree created. Claude Code reads it from the last
    stdout line of a command hook (not JSON) and from ``worktreePath`` over http."""

    worktree_path: str | None = single((HSO, "worktreePath"), validator=_opt_str)
