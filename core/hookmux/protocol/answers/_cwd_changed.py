"""The CwdChangedAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HSO, NoticeAnswer, _answer, path_list


@_answer("CwdChanged")
@attrs.frozen(kw_only=True)
class CwdChangedAnswer(NoticeAnswer):
    """``watch_paths`` replaces the dynamic FileChanged watch list."""

    watch_paths: tuple[str, ...] = path_list((HSO, "watchPaths"))
