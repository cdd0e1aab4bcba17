"""What each hook does; :mod:`hookmux_feedback` declares the hooks and imports this lazily."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from hookmux_feedback.config import Config, Paths, resolve_paths

if TYPE_CHECKING:  # hookmux loads the models and answers an event needs, and no others
    import datetime as dt

    from hookmux.protocol.answers import SessionStartAnswer, UserPromptSubmitAnswer
    from hookmux.protocol.eventmodels import SessionStart, Stop, UserPromptSubmit
    from hookmux.routing.context import HookContext


def _setup(ctx: HookContext) -> tuple[Config, Paths]:
    config = ctx.config if isinstance(ctx.config, Config) else Config()
    return config, resolve_paths(config, ctx.state_dir)


def _now() -> dt.datetime:
    import datetime

    return datetime.datetime.now(datetime.UTC)


def project_name(cwd: str) -> str:
    """``basename(cwd)``, as the original names projects."""
    return os.path.basename(os.path.normpath(cwd)) if cwd else "unknown"


def _summary(paths: Paths, config: Config, why: str) -> str:
    from hookmux_feedback.storage import debug, locked
    from hookmux_feedback.summary import summary

    text = summary(paths, config)
    try:
        with locked(paths, timeout=2):
            debug(paths, f"summary injected ({why})")
    except Exception as exc:  # noqa: BLE001 - a debug line never costs the summary
        print(f"hookmux-feedback: debug log not written: {exc}", file=sys.stderr)
    return text


def on_session_start(event: SessionStart, ctx: HookContext) -> SessionStartAnswer:
    """Mark the session seen and open it with the summary of recent wins and losses."""
    from hookmux.protocol.answers import SessionStartAnswer
    from hookmux_feedback.sessions import first_seen
    from hookmux_feedback.storage import note_session

    config, paths = _setup(ctx)
    if first_seen(paths, event.session_id):
        note_session(paths, event.session_id, project_name(event.cwd), _now())
    return SessionStartAnswer(additional_context=_summary(paths, config, f"SessionStart {event.source}"))


def on_prompt(event: UserPromptSubmit, ctx: HookContext) -> UserPromptSubmitAnswer | None:
    """New session: the summary; otherwise the relevant learned preferences. Only what the
    answer needs: the feedback in the prompt is recorded by :func:`on_prompt_feedback`."""
    config, paths = _setup(ctx)
    parts: list[str] = []
    new_session = False
    if config.summary_on_prompt:
        from hookmux_feedback.sessions import first_seen

        new_session = first_seen(paths, event.session_id)
        if new_session:
            from hookmux_feedback.storage import note_session

            note_session(paths, event.session_id, project_name(event.cwd), _now())
            parts.append(_summary(paths, config, "new session seen on UserPromptSubmit"))
    if config.preferences_on_prompt and not new_session:
        lines = relevant(paths, event.prompt)
        if lines:
            parts.append("\n".join(["🧠 LEARNED PREFERENCES (relevant to this prompt)", *lines]))
    if not parts:
        return None
    from hookmux.protocol.answers import UserPromptSubmitAnswer

    return UserPromptSubmitAnswer(additional_context="\n\n".join(parts))


def on_prompt_feedback(event: UserPromptSubmit, ctx: HookContext) -> None:
    """Short feedback in the prompt: recorded. An observer's work: the answer never depends
    on it, so under ``hookmux serve`` it runs once the answer is out."""
    config, paths = _setup(ctx)
    if event.prompt and len(event.prompt) <= config.max_chars:  # cheap: detect() applies the rule
        record_feedback(event, ctx, config, paths)


def relevant(paths: Paths, prompt: str) -> list[str]:
    if not os.path.exists(paths.preferences):  # nothing learned yet: nothing to import
        return []
    from hookmux_feedback.learn import load_json, relevant_preferences

    prefs = load_json(paths.preferences)
    return relevant_preferences(prefs, prompt) if isinstance(prefs, dict) else []


def record_feedback(event: UserPromptSubmit, ctx: HookContext, config: Config, paths: Paths) -> list[str]:
    """Detect praise and loss in a short prompt and store each hit; the kinds stored."""
    from hookmux_feedback.detect import detect, is_short, load_patterns

    if not is_short(event.prompt, config.max_words, config.max_chars):
        return []
    patterns, errors = load_patterns(paths.patterns_file)
    if errors:
        from hookmux_feedback.storage import debug, locked

        for error in errors:
            print(f"hookmux-feedback: ignoring the patterns file: {error}", file=sys.stderr)
        with locked(paths):
            for error in errors:
                debug(paths, f"ERROR - patterns file ignored: {error}")
    found = detect(event.prompt, patterns, config.max_words, config.max_chars)
    if not found.hits():
        return []
    from hookmux_feedback import transcript
    from hookmux_feedback.storage import Hit, record
    from hookmux_feedback.transcript import checked_transcript

    source = checked_transcript(event.transcript_path)
    context = transcript.context_summary(source) if source else ""
    conversation = transcript.recent_conversation(source) if source else "Recent conversation:\n\n"
    template = ctx.resolve_in_project(os.path.join(".claude", "template-metadata.json"))
    hits = [
        Hit(
            kind=kind,
            pattern=pattern,
            session_id=event.session_id,
            project=project_name(event.cwd),
            user_message=event.prompt,
            context_summary=context or event.prompt,
            ai_summary=conversation,
            transcript_path=event.transcript_path,
            template_metadata=template if template and os.path.isfile(template) else None,
        )
        for kind, pattern in found.hits()
    ]
    return [r.kind for r in record(paths, hits)]


def on_stop(event: Stop, ctx: HookContext) -> None:
    """In the background: learn from the answer, then back up, rotate and clean up."""
    from hookmux_feedback import transcript
    from hookmux_feedback.backup import housekeeping
    from hookmux_feedback.learn import extract
    from hookmux_feedback.storage import refresh_learned, remember_response
    from hookmux_feedback.transcript import checked_transcript

    config, paths = _setup(ctx)
    now = _now()
    source = checked_transcript(event.transcript_path)
    message = event.last_assistant_message or ""
    if message.strip():
        tools = transcript.tools_of_last_turn(source) if source else []
        items = extract(message, tools)
        remember_response(paths, event.session_id, project_name(event.cwd), message, items, now)
    refresh_learned(paths, now)
    housekeeping(
        paths,
        event.transcript_path,
        do_backup=config.backup,
        redacted=config.redact_backups,
        max_bytes=config.debug_log_max_bytes,
        keep=config.debug_log_archives,
        retention_days=config.cache_retention_days,
    )
