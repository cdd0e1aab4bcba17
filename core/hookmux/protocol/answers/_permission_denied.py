"""The PermissionDeniedAnswer model."""

from __future__ import annotations

import attrs

from hookmux.protocol.answers._base import HSO, HaltableAnswer, _answer, flag


@_answer("PermissionDenied")
@attrs.frozen(kw_only=True)
class PermissionDeniedAnswer(HaltableAnswer):
    retry: bool = flag((HSO, "retry"))
