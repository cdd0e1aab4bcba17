"""The models of events only another agent fires (Codex CLI, Gemini CLI).

Codex: ``Interrupt`` (SIGINT during a turn), ``PreModelRequest`` and
``PostModelRequest`` (around each Responses API request; observe only).
Gemini CLI: ``BeforeModel``, ``AfterModel`` and ``BeforeToolSelection`` (around each
main-loop model call; ``llm_request`` holds the text parts only).
"""

from __future__ import annotations

from typing import Any

import attrs

from hookmux.protocol.eventmodels._base import HookEvent, JSONDict


@attrs.frozen(kw_only=True)
class Interrupt(HookEvent):
    turn_id: str | None = None
    model: str | None = None


@attrs.frozen(kw_only=True)
class PreModelRequest(HookEvent):
    #: ``sampling`` or ``foreground_compaction``
    kind: str = ""
    request_id: str = ""
    attempt_number: int | None = None
    thread_id: str = ""
    turn_id: str | None = None
    model: str | None = None


@attrs.frozen(kw_only=True)
class PostModelRequest(PreModelRequest):
    status: str = ""
    error: Any = None
    response_id: str | None = None
    token_usage: JSONDict | None = None


@attrs.frozen(kw_only=True)
class BeforeModel(HookEvent):
    #: ``{model, messages: [{role, content}], config}``
    llm_request: JSONDict = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class BeforeToolSelection(BeforeModel):
    pass


@attrs.frozen(kw_only=True)
class AfterModel(BeforeModel):
    #: ``{text, candidates, usageMetadata}`` of one streamed chunk
    llm_response: JSONDict = attrs.field(factory=dict)
