"""The FileChangedAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HSO, NoticeAnswer, _answer, path_list


@_answer("FileChanged")
@attrs.frozen(kw_only=True)
class FileChangedAnswer(NoticeAnswer):
    watch_paths: tuple[str, ...] = path_list((HSO, "watchPaths"))
