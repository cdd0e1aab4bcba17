"""The hookmux hook specifications: one per Claude Code event, plus plugin services.

Every event hook is called with two arguments, of which an implementation may
accept any subset (pluggy's opt-in arguments):

* ``event``: the attrs model of the payload (:mod:`hookmux.protocol.eventmodels`);
  ``event.raw`` is the payload as Claude Code sent it.
* ``ctx``: a :class:`~hookmux.routing.context.HookContext` (config, project, state dir,
  deadline).

A handler returns the event's answer class from :mod:`hookmux.protocol.answers`, or
``None`` to stay silent. hookmux calls only the handlers whose declared matchers
accept the event (see :func:`hookmux.hookimpl`), one at a time in priority
order, each isolated from the others' failures, then merges their answers by
Claude Code's rules (:mod:`hookmux.protocol.merge`). Events whose output Claude Code
discards (SessionEnd, PostCompact, InstructionsLoaded, DirectoryAdded,
WorktreeRemove) take handlers that observe and return ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping

    import click

    from hookmux.protocol import answers as a
    from hookmux.protocol import eventmodels as e
    from hookmux.routing.context import HookContext

hookspec = pluggy.HookspecMarker("hookmux")


@hookspec
def hookmux_pre_tool_use(event: e.PreToolUse, ctx: HookContext) -> a.PreToolUseAnswer | None:
    """Called before Claude Code runs a tool, after Claude chose its input.

    Matchers see ``tool_name``. Answer ``permission`` ``"deny"`` to stop the call
    (the ``reason`` goes to Claude), ``"ask"`` to prompt the user, ``"allow"`` to
    skip the prompt (never overrides the user's deny rules) or ``"defer"``;
    ``updated_input`` replaces the whole tool input; ``additional_context`` is
    shown to Claude next to the result. Merged: deny > defer > ask > allow, the
    highest-priority ``updated_input`` wins.
    """


@hookspec
def hookmux_post_tool_use(event: e.PostToolUse, ctx: HookContext) -> a.PostToolUseAnswer | None:
    """Called after a tool call succeeded, with ``tool_response`` and ``duration_ms``.

    Matchers see ``tool_name``. The call has happened: ``block`` only puts
    ``reason`` in front of Claude; ``additional_context`` is added next to the
    result; ``updated_tool_output`` replaces what Claude sees (same shape as the
    tool's output, one handler at most).
    """


@hookspec
def hookmux_post_tool_use_failure(
    event: e.PostToolUseFailure, ctx: HookContext
) -> a.PostToolUseFailureAnswer | None:
    """Called after a tool call failed (a Bash command exiting non-zero, an Edit
    that did not apply), with ``error`` (Bash: first line ``Exit code N``).

    Matchers see ``tool_name``. ``additional_context`` reaches Claude with the error.
    """


@hookspec
def hookmux_post_tool_batch(event: e.PostToolBatch, ctx: HookContext) -> a.PostToolBatchAnswer | None:
    """Called once per batch of tool calls, after all of them finished.

    ``event.tool_calls`` holds each call; here ``tool_response`` is the text the
    model sees. Matchers test every call (tool names, paths, commands) and accept
    the batch if any call matches. ``block`` or ``halt`` stops the loop before
    the next model call; ``additional_context`` reaches Claude.
    """


@hookspec
def hookmux_user_prompt_submit(
    event: e.UserPromptSubmit, ctx: HookContext
) -> a.UserPromptSubmitAnswer | None:
    """Called when the user submits a prompt, before Claude sees it.

    ``additional_context`` is added next to the prompt; ``block`` erases the
    prompt and shows ``reason`` to the user only; ``session_title`` names the
    session. Claude Code waits at most 30 s for this event.
    """


@hookspec
def hookmux_user_prompt_expansion(
    event: e.UserPromptExpansion, ctx: HookContext
) -> a.UserPromptExpansionAnswer | None:
    """Called when a typed slash command or MCP prompt expands into a prompt.

    Matchers see ``command_name``. ``block`` stops the expansion;
    ``additional_context`` is added next to the prompt.
    """


@hookspec
def hookmux_notification(event: e.Notification, ctx: HookContext) -> a.NotificationAnswer | None:
    """Called when Claude Code shows a notification (permission prompt, idle, ...).

    Matchers see ``notification_type``. Claude Code discards ``systemMessage``
    and ``continue`` here; use it to notify elsewhere, or ``terminal_sequence``.
    """


@hookspec
def hookmux_stop(event: e.Stop, ctx: HookContext) -> a.StopAnswer | None:
    """Called when Claude finishes its turn, with ``last_assistant_message``.

    ``block`` (with a ``reason`` for Claude) makes Claude continue. Check
    ``event.stop_hook_active``: it is true when the turn already continues
    because of a Stop hook, and blocking again loops. ``additional_context``
    gives Claude non-error feedback at the end of the turn.
    """


@hookspec
def hookmux_stop_failure(event: e.StopFailure, ctx: HookContext) -> a.StopFailureAnswer | None:
    """Called when the turn ends on an API error (``error``: rate_limit, overloaded, ...).

    Matchers see ``error``. Claude Code ignores every output but ``terminal_sequence``.
    """


@hookspec
def hookmux_subagent_start(event: e.SubagentStart, ctx: HookContext) -> a.SubagentStartAnswer | None:
    """Called when a subagent starts. Matchers see ``agent_type``.

    ``additional_context`` is injected into the subagent's conversation.
    """


@hookspec
def hookmux_subagent_stop(event: e.SubagentStop, ctx: HookContext) -> a.SubagentStopAnswer | None:
    """Called when a subagent finishes. Matchers see ``agent_type``.

    Same answer as :func:`hookmux_stop`; honour ``event.stop_hook_active``.
    """


@hookspec
def hookmux_session_start(event: e.SessionStart, ctx: HookContext) -> a.SessionStartAnswer | None:
    """Called when a session starts, resumes, is cleared, compacted or forked.

    Matchers see ``source`` (startup, resume, clear, compact, fork).
    ``additional_context`` opens the conversation; ``watch_paths`` arms
    FileChanged; ``session_title`` names the session.
    """


@hookspec
def hookmux_session_end(event: e.SessionEnd, ctx: HookContext) -> None:
    """Called when a session ends (``reason``: clear, logout, prompt_input_exit, ...).

    Matchers see ``reason``. Output is discarded, and Claude Code gives all
    SessionEnd hooks 1.5 s in total: do little, or hand work to the background.
    """


@hookspec
def hookmux_setup(event: e.Setup, ctx: HookContext) -> a.SetupAnswer | None:
    """Called for ``claude --init``/``--maintenance`` runs. Matchers see ``trigger``.

    ``additional_context`` is added at the start of the conversation.
    """


@hookspec
def hookmux_pre_compact(event: e.PreCompact, ctx: HookContext) -> a.PreCompactAnswer | None:
    """Called before the conversation is compacted. Matchers see ``trigger`` (manual, auto).

    ``block`` prevents the compaction (an auto-compaction after a context-limit
    error then fails the request).
    """


@hookspec
def hookmux_post_compact(event: e.PostCompact, ctx: HookContext) -> None:
    """Called after compaction with ``compact_summary``. Output is discarded."""


@hookspec
def hookmux_permission_request(
    event: e.PermissionRequest, ctx: HookContext
) -> a.PermissionRequestAnswer | None:
    """Called when Claude Code is about to show a permission dialog.

    Matchers see ``tool_name``. Answer ``behavior`` ``"allow"`` (optionally with
    ``updated_input`` and ``updated_permissions``) or ``"deny"`` (with
    ``message`` and ``interrupt``); deny wins the merge. Exit code 2 is ignored
    for this event, so only the answer counts.
    """


@hookspec
def hookmux_permission_denied(event: e.PermissionDenied, ctx: HookContext) -> a.PermissionDeniedAnswer | None:
    """Called in auto mode when the classifier denied a call. Matchers see ``tool_name``.

    ``retry`` lets Claude try the call again.
    """


@hookspec
def hookmux_pre_model_switch(event: e.PreModelSwitch, ctx: HookContext) -> a.PreModelSwitchAnswer | None:
    """Called before the model is switched. ``permission`` deny/ask/allow decides it."""


@hookspec
def hookmux_post_model_switch(event: e.PostModelSwitch, ctx: HookContext) -> a.PostModelSwitchAnswer | None:
    """Called after the model was switched. ``additional_context`` reaches Claude."""


@hookspec
def hookmux_elicitation(event: e.Elicitation, ctx: HookContext) -> a.ElicitationAnswer | None:
    """Called when an MCP server asks the user for input. Matchers see ``mcp_server_name``.

    ``action`` accept (with ``content``), decline or cancel answers for the user;
    the most restrictive action wins the merge.
    """


@hookspec
def hookmux_elicitation_result(
    event: e.ElicitationResult, ctx: HookContext
) -> a.ElicitationResultAnswer | None:
    """Called with the user's answer to an elicitation, before the server gets it.

    Matchers see ``mcp_server_name``. ``action``/``content`` override the answer.
    """


@hookspec
def hookmux_cwd_changed(event: e.CwdChanged, ctx: HookContext) -> a.CwdChangedAnswer | None:
    """Called when the working directory changes (``old_cwd``, ``new_cwd``).

    ``watch_paths`` replaces the list of files watched for FileChanged.
    """


@hookspec
def hookmux_file_changed(event: e.FileChanged, ctx: HookContext) -> a.FileChangedAnswer | None:
    """Called when a watched file changes (``event``: change, add, unlink).

    Matchers see the file's name (Claude Code matches literal names here).
    """


@hookspec
def hookmux_directory_added(event: e.DirectoryAdded, ctx: HookContext) -> None:
    """Called when a working directory is added. Matchers see ``source``. Runs in the
    background; output is discarded."""


@hookspec
def hookmux_config_change(event: e.ConfigChange, ctx: HookContext) -> a.ConfigChangeAnswer | None:
    """Called when a settings file or skill changes. Matchers see ``source``.

    ``block`` silently rejects the change (policy settings cannot be blocked).
    """


@hookspec
def hookmux_instructions_loaded(event: e.InstructionsLoaded, ctx: HookContext) -> None:
    """Called when a CLAUDE.md or rules file is loaded. Matchers see ``load_reason``.
    Output is discarded."""


@hookspec
def hookmux_message_display(event: e.MessageDisplay, ctx: HookContext) -> a.MessageDisplayAnswer | None:
    """Called as assistant text is displayed (per batch of lines when interactive).

    ``display_content`` replaces what the user sees; Claude keeps the original.
    Fires very often: keep handlers cheap and matchers narrow.
    """


@hookspec
def hookmux_task_created(event: e.TaskCreated, ctx: HookContext) -> a.TaskCreatedAnswer | None:
    """Called when a task is created. ``block`` (with ``reason``) deletes it."""


@hookspec
def hookmux_task_completed(event: e.TaskCompleted, ctx: HookContext) -> a.TaskCompletedAnswer | None:
    """Called when a task is marked complete. ``block`` (with ``reason``) prevents
    completion (hookmux exits 2 with the reason on stderr); ``halt`` stops the teammate."""


@hookspec
def hookmux_teammate_idle(event: e.TeammateIdle, ctx: HookContext) -> a.TeammateIdleAnswer | None:
    """Called when a teammate goes idle. ``block`` (with ``reason``) keeps it working
    (exit code 2); ``halt`` stops it."""


@hookspec
def hookmux_worktree_create(event: e.WorktreeCreate, ctx: HookContext) -> a.WorktreeCreateAnswer | None:
    """Called instead of Claude Code's own ``git worktree add`` when hooks handle it.

    Answer ``worktree_path`` with the directory created; hookmux prints it as the
    last stdout line (command hooks) or ``worktreePath`` (http hooks).
    """


@hookspec
def hookmux_worktree_remove(event: e.WorktreeRemove, ctx: HookContext) -> None:
    """Called when a worktree is removed (``worktree_path``). Output is discarded."""


# -- events only another agent fires (``event.agent`` says which) -------------------


@hookspec
def hookmux_interrupt(event: e.Interrupt, ctx: HookContext) -> None:
    """Codex CLI only: called when the user interrupts a running turn (SIGINT).

    No matcher field. Codex gives it 1 s by default (3 s at most) and discards the
    output: observe and return None.
    """


@hookspec
def hookmux_pre_model_request(event: e.PreModelRequest, ctx: HookContext) -> None:
    """Codex CLI only: called before each request to the model API (``kind``:
    ``sampling`` or ``foreground_compaction``; ``request_id``, ``attempt_number``).

    No matcher field. Codex ignores the output, even a block: observe and return None.
    """


@hookspec
def hookmux_post_model_request(event: e.PostModelRequest, ctx: HookContext) -> None:
    """Codex CLI only: called after each model API request, with ``status``, ``error``,
    ``response_id`` and ``token_usage``.

    No matcher field. Codex ignores the output: observe and return None.
    """


@hookspec
def hookmux_before_model(event: e.BeforeModel, ctx: HookContext) -> a.BeforeModelAnswer | None:
    """Gemini CLI only: called before each main-loop model call, with ``llm_request``
    (``model``, text-only ``messages``, ``config``).

    No matcher field. ``block`` (with a ``reason``) skips the call; with ``llm_response``
    that response stands in for the model's. ``llm_request`` replaces the request.
    """


@hookspec
def hookmux_after_model(event: e.AfterModel, ctx: HookContext) -> a.AfterModelAnswer | None:
    """Gemini CLI only: called for each streamed chunk of a model reply, with
    ``llm_request`` and ``llm_response``.

    No matcher field. ``llm_response`` replaces the chunk; ``halt`` stops the agent.
    """


@hookspec
def hookmux_before_tool_selection(
    event: e.BeforeToolSelection, ctx: HookContext
) -> a.BeforeToolSelectionAnswer | None:
    """Gemini CLI only: called before the model chooses tools, with ``llm_request``.

    No matcher field. ``mode`` (NONE > ANY > AUTO) and ``allowed_functions`` (united)
    become the request's ``toolConfig``; the model API enforces them, not the CLI.
    """


# -- plugin services ------------------------------------------------------------


@hookspec
def hookmux_register_commands(cli: click.Group) -> None:
    """Called when the ``hookmux`` command line starts, never from ``hookmux run``.

    Add click commands or groups to ``cli``, as llm's ``register_commands``
    does: ``@cli.group() def ghap(): ...`` makes ``hookmux ghap ...``.
    """


@hookspec
def hookmux_status(home: str) -> dict[str, Any] | None:
    """Called by ``hookmux status``, never by ``hookmux run``: the plugin's health.

    Return a JSON-serialisable dict (or None to say nothing). It appears under
    ``plugins.<name>`` in ``hookmux status --json`` and as one ``plugin`` line of
    the text report: its ``summary`` string if it has one, else its scalar
    values. ``home`` is ``$HOOKMUX_HOME``. A plugin that raises is reported
    there as ``{"error": ...}``; the other plugins still report.
    """


@hookspec
def hookmux_serve_start(home: str, environ: Mapping[str, str]) -> None:
    """Called once by ``hookmux serve`` after it imported the plugins, never by ``hookmux run``.

    For work that belongs to the warm daemon rather than to an event, such as
    exporting what the core recorded (its records reach the store through the
    spool). Start a daemon thread and return at once: the call runs in the
    daemon's preload thread, before the first events are warm. ``home`` is
    ``$HOOKMUX_HOME``; ``environ`` is the daemon's own environment (read-only,
    without any session's ``CLAUDE_*`` or ``TRACEPARENT``). A plugin that raises
    is logged in the daemon's log; the others still start. Also called after
    each re-execution (a restart or an upgrade), in the new process.
    """


@hookspec
def hookmux_serve_stop(home: str) -> None:
    """Called once when ``hookmux serve`` stops or re-executes itself, after the events
    in flight were answered, never by ``hookmux run``.

    Flush and stop what :func:`hookmux_serve_start` started. The daemon waits
    at most 5 s for all plugins together (``SERVE_STOP_BUDGET``), then goes on:
    bound your own network timeouts. A plugin that raises is logged.
    """


@hookspec(firstresult=True)
def hookmux_config_schema() -> type[Any] | None:
    """Return the attrs class that validates this plugin's ``[plugins.<name>]`` table.

    Called on a plugin before its handlers run. The table (minus the reserved
    ``enabled`` key) is structured into the class with hookmux's strict cattrs
    converter; unknown keys and wrong types are reported with file and key, and
    the plugin is skipped for that event. The instance reaches handlers as
    ``ctx.config``. Return None (or do not implement it) for no settings.
    """
