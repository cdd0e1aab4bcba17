"""The Claude Code 2.1.330 hook events, as plain data for the hot path.

Stdlib only and import-free: ``hookmux run`` consults these tables before it
knows whether any plugin wants the event.
"""

from __future__ import annotations

#: Every hook event Claude Code 2.1.330 fires, with the input field its
#: settings ``matcher`` is tested against (None: the event takes no matcher).
MATCHER_FIELD: dict[str, str | None] = {
    "PreToolUse": "tool_name",
    "PostToolUse": "tool_name",
    "PostToolUseFailure": "tool_name",
    "PostToolBatch": None,
    "UserPromptSubmit": None,
    "UserPromptExpansion": "command_name",
    "Notification": "notification_type",
    "Stop": None,
    "StopFailure": "error",
    "SubagentStart": "agent_type",
    "SubagentStop": "agent_type",
    "SessionStart": "source",
    "SessionEnd": "reason",
    "Setup": "trigger",
    "PreCompact": "trigger",
    "PostCompact": "trigger",
    "PermissionRequest": "tool_name",
    "PermissionDenied": "tool_name",
    "PreModelSwitch": None,
    "PostModelSwitch": None,
    "Elicitation": "mcp_server_name",
    "ElicitationResult": "mcp_server_name",
    "CwdChanged": None,
    "FileChanged": "file_path",
    "DirectoryAdded": "source",
    "ConfigChange": "source",
    "InstructionsLoaded": "load_reason",
    "MessageDisplay": None,
    "TaskCreated": None,
    "TaskCompleted": None,
    "TeammateIdle": None,
    "WorktreeCreate": None,
    "WorktreeRemove": None,
}

EVENT_NAMES: tuple[str, ...] = tuple(MATCHER_FIELD)

#: The coding agents hookmux answers (``@hookimpl(agents=...)``, ``hookmux run --agent``).
AGENTS: tuple[str, ...] = ("claude", "codex", "gemini")
DEFAULT_AGENT = "claude"

#: Events only another agent fires (none takes a matcher): Codex's Interrupt and model
#: requests, Gemini CLI's model and tool-selection events. Plugins implement them like
#: the Claude Code events; ``hookmux install --agent claude`` never wires them.
AGENT_EVENTS: dict[str, str | None] = {
    "Interrupt": None,
    "PreModelRequest": None,
    "PostModelRequest": None,
    "BeforeModel": None,
    "AfterModel": None,
    "BeforeToolSelection": None,
}

#: Events whose input carries ``tool_name``/``tool_input`` of a single call.
TOOL_EVENTS = frozenset(
    {"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied"}
)

#: Claude Code's default timeout (seconds) for a command hook, where it differs
#: from the general 600 s. hookmux keeps its own deadline safely below these.
CLAUDE_TIMEOUT: dict[str, float] = {
    "UserPromptSubmit": 30.0,
    "MessageDisplay": 10.0,
    "SessionEnd": 1.5,
}
DEFAULT_CLAUDE_TIMEOUT = 600.0


def hookspec_name(event: str) -> str:
    """``PreToolUse`` -> ``hookmux_pre_tool_use``."""
    out = []
    for i, ch in enumerate(event):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "hookmux_" + "".join(out)


TYPE_CHECKING = False
if TYPE_CHECKING:
    #: ``hookmux_pre_tool_use`` -> ``PreToolUse``, for every event, the agent-specific
    #: ones included (discovery's table).
    HOOKSPEC_TO_EVENT: dict[str, str]


def __getattr__(name: str) -> object:
    # Built on first use: ``hookmux run`` imports this module for every event and
    # never needs it (33 names to convert, ~0.05 ms).
    if name == "HOOKSPEC_TO_EVENT":
        table = {hookspec_name(e): e for e in (*EVENT_NAMES, *AGENT_EVENTS)}
        globals()[name] = table
        return table
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
