"""What each hook does (the handlers in ``hookmux_ghap`` call these).

Answer classes are imported where an answer is returned: hookmux builds each attrs
model on first use (about 1 ms each), and most tool calls answer nothing.
"""

from __future__ import annotations

import os
import sys

from hookmux_ghap import texts
from hookmux_ghap.config import Settings, resolve
from hookmux_ghap.journal import Journal
from hookmux_ghap.log import warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hookmux.protocol.answers import (
        PostToolUseAnswer,
        PostToolUseFailureAnswer,
        PreToolUseAnswer,
        SessionStartAnswer,
        UserPromptSubmitAnswer,
    )
    from hookmux.protocol.eventmodels import (
        PostToolUse,
        PostToolUseFailure,
        PreToolUse,
        SessionStart,
        UserPromptSubmit,
    )
    from hookmux.routing.context import HookContext

#: The part of a command kept in ``.last_outcome`` (redacted first).
MAX_COMMAND = 500


def settings_for(ctx: HookContext) -> Settings:
    settings = resolve(ctx.config, ctx.project_dir)
    for message in settings.warnings:
        warn(ctx.home, message)
    return settings


def journal_for(settings: Settings) -> Journal:
    return Journal(settings.journal_dir, settings.config.lock_timeout)


def hookmux_command() -> str:
    """How the model can run ``hookmux`` from Bash: ``hookmux`` when the first one on
    PATH is this environment's console script, else its absolute path."""
    directory = os.path.dirname(sys.executable)
    executable = os.path.join(directory, "hookmux")
    if not os.path.exists(executable):
        return "hookmux"
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(entry, "hookmux")
        if entry and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            if os.path.realpath(candidate) == os.path.realpath(executable):
                return "hookmux"
            break
    import shlex

    return shlex.quote(executable)


def load_values(settings: Settings, journal: Journal, limit: int, home: str | None) -> list[str]:
    """Up to ``limit`` value texts, newest first; [] (and one warning) when the store fails."""
    from hookmux_ghap import values

    config = settings.config
    if limit <= 0 or config.values_store == "off":
        return []
    try:
        if config.values_store == "qdrant":
            payloads = values.scroll_qdrant(
                config.qdrant_url, limit, config.qdrant_timeout, config.qdrant_api_key
            )
        else:
            payloads = [p["payload"] for p in values.read_embedded(journal)]
    except values.ValuesUnavailable as exc:
        where = f"Qdrant at {config.qdrant_url}" if config.values_store == "qdrant" else "the values file"
        warn(home, f"values: {where} unavailable ({exc}); no values injected")
        return []
    return values.texts(values.newest_first(payloads))[:limit]


# -- the hooks ----------------------------------------------------------------------


def session_start(event: SessionStart, ctx: HookContext) -> SessionStartAnswer:
    settings = settings_for(ctx)
    journal = journal_for(settings)
    orphan = journal.start_session(event.session_id)
    shown = load_values(settings, journal, settings.config.session_values, ctx.home)
    text = texts.session_context(hookmux_command(), orphan, texts.values_markdown(shown))
    from hookmux.protocol.answers import SessionStartAnswer

    return SessionStartAnswer(additional_context=text)


def pre_tool_use(event: PreToolUse, ctx: HookContext) -> PreToolUseAnswer | None:
    settings = settings_for(ctx)
    _count, due = journal_for(settings).count_tool_call(settings.frequency)
    if due is None:
        return None
    text = texts.check_in(due, settings.frequency)
    if ctx.agent == "gemini":
        # Gemini CLI takes context after the tool (AfterTool), not before it: the check-in
        # waits for this call's result (check_in_after_tool).
        _pending_file(ctx, event.session_id, write=text)
        return None
    from hookmux.protocol.answers import PreToolUseAnswer

    return PreToolUseAnswer(additional_context=text)


def _pending_file(ctx: HookContext, session_id: str, write: str | None = None) -> str | None:
    """Write the check-in due for ``session_id``, or (``write`` None) take it: its text or None."""
    import hashlib

    key = hashlib.blake2b(session_id.encode(), digest_size=8).hexdigest()
    path = os.path.join(ctx.state_dir, f"check-in-{key}.txt")
    if write is not None:
        from hookmux.state.paths import atomic_write

        atomic_write(path, write.encode("utf-8"))
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        os.unlink(path)
    except OSError:
        return None
    return text or None


def check_in_after_tool(event: PostToolUse | PostToolUseFailure, ctx: HookContext) -> str | None:
    """The check-in a Gemini CLI tool call made due, for its AfterTool answer."""
    return _pending_file(ctx, event.session_id)


def user_prompt_submit(_event: UserPromptSubmit, ctx: HookContext) -> UserPromptSubmitAnswer | None:
    settings = settings_for(ctx)
    shown = load_values(settings, journal_for(settings), settings.config.prompt_values, ctx.home)
    if not shown:
        return None
    from hookmux.protocol.answers import UserPromptSubmitAnswer

    return UserPromptSubmitAnswer(additional_context=texts.values_markdown(shown))


def _outcome_text(
    event: PostToolUse | PostToolUseFailure, ctx: HookContext, success: bool, output: str
) -> str | None:
    from hookmux_ghap.outcome import classify, parse_counts

    kind = classify(event.command or "")
    if kind is None:
        return None
    counts = parse_counts(output)
    if counts is None and ctx.agent == "codex":
        return None  # Codex sends the output but no exit code: without a summary, nothing is known
    if counts is not None and counts[1] > 0:
        success = False  # `pytest | tail` exits 0; the summary does not lie
    settings = settings_for(ctx)
    journal = journal_for(settings)
    current = journal.current() if journal.exists() else None
    if current is not None:
        from hookmux.state.redact import redact_text
        from hookmux_ghap.model import utc_timestamp

        current = journal.record_outcome(
            {
                "kind": kind,
                "success": success,
                "passed": None if counts is None else counts[0],
                "failed": None if counts is None else counts[1],
                "command": redact_text(event.command or "")[:MAX_COMMAND],
                "tool_use_id": event.tool_use_id,
                "session_id": event.session_id,
                "captured_at": utc_timestamp(),
            }
        )
    return texts.outcome(kind.capitalize(), success, current, counts)


def backgrounded(event: PostToolUse) -> bool:
    """A Bash call started in the background has no outcome yet."""
    response = event.tool_response
    return bool(event.tool_input.get("run_in_background")) or (
        isinstance(response, dict) and bool(response.get("backgroundTaskId"))
    )


def post_tool_use(event: PostToolUse, ctx: HookContext) -> PostToolUseAnswer | None:
    from hookmux_ghap.outcome import bash_output, interrupted

    if interrupted(event.tool_response) or backgrounded(event):
        return None
    text = _outcome_text(event, ctx, True, bash_output(event.tool_response))
    if text is None:
        return None
    from hookmux.protocol.answers import PostToolUseAnswer

    return PostToolUseAnswer(additional_context=text)


def post_tool_use_failure(event: PostToolUseFailure, ctx: HookContext) -> PostToolUseFailureAnswer | None:
    if event.is_interrupt:
        return None
    text = _outcome_text(event, ctx, False, event.error)
    if text is None:
        return None
    from hookmux.protocol.answers import PostToolUseFailureAnswer

    return PostToolUseFailureAnswer(additional_context=text)
