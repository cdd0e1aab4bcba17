"""The SessionStartAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import (
    HSO,
    HaltableAnswer,
    _answer,
    _opt_str,
    context,
    flag,
    path_list,
    single,
)


@_answer("SessionStart")
@attrs.frozen(kw_only=True)
class SessionStartAnswer(HaltableAnswer):
    additional_context: str | None = context()
    initial_user_message: str | None = single((HSO, "initialUserMessage"), validator=_opt_str)
    session_title: str | None = single((HSO, "sessionTitle"), validator=_opt_str)
    watch_paths: tuple[str, ...] = path_list((HSO, "watchPaths"))
    reload_skills: bool = flag((HSO, "reloadSkills"))
