"""The UserPromptExpansion model."""

from __future__ import annotations

import attrs

from hookmux.protocol.eventmodels._base import HookEvent


@attrs.frozen(kw_only=True)
class UserPromptExpansion(HookEvent):
    prompt: str = ""
    expansion_type: str = ""
    command_name: str = ""
    command_args: str = ""
    command_source: str = ""
