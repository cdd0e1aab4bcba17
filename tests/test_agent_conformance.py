"""One plugin, three agents: equivalent events from Claude Code, Codex CLI and Gemini CLI
reach the same handlers with the same canonical view, and their answers mean the same
in each agent's own shape.

Table-driven from the captured payloads: Claude Code 2.1.330 (``tests/data/cc-2.1.330-
events.ndjson``), Codex CLI 0.171.0 and Gemini CLI 0.61.0 (``tests/data/agents/``). The
machine paths the captures replaced by ``$WORK``, ``$PROJECT_DIR`` and ``$HOME`` become
the test's directory.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest
from conftest import real_payloads

from hookmux import hookimpl
from hookmux.protocol.answers import (
    PostToolUseAnswer,
    PreCompactAnswer,
    PreToolUseAnswer,
    SessionStartAnswer,
    StopAnswer,
    UserPromptSubmitAnswer,
)
from hookmux.protocol.eventmodels import HookEvent, ToolEvent
from hookmux.testing import run_event

DATA = Path(__file__).parent / "data" / "agents"
HSO = "hookSpecificOutput"

#: (case, Claude Code's (event, tool), Codex's, Gemini CLI's); None: the agent has no such event.
Selector = tuple[str, str | None] | None
EQUIVALENT: list[tuple[str, Selector, Selector, Selector]] = [
    ("session start", ("SessionStart", None), ("SessionStart", None), ("SessionStart", None)),
    ("prompt", ("UserPromptSubmit", None), ("UserPromptSubmit", None), ("BeforeAgent", None)),
    ("shell call", ("PreToolUse", "Bash"), ("PreToolUse", "Bash"), ("BeforeTool", "run_shell_command")),
    ("shell result", ("PostToolUse", "Bash"), ("PostToolUse", "Bash"), ("AfterTool", "run_shell_command")),
    ("file write", ("PreToolUse", "Write"), ("PreToolUse", "apply_patch"), ("BeforeTool", "write_file")),
    ("file read", ("PreToolUse", "Read"), None, ("BeforeTool", "read_file")),
    ("file edit", ("PreToolUse", "Edit"), None, ("BeforeTool", "replace")),
    ("end of turn", ("Stop", None), ("Stop", None), ("AfterAgent", None)),
    ("session end", ("SessionEnd", None), ("SessionEnd", None), ("SessionEnd", None)),
    ("compaction", None, ("PreCompact", None), ("PreCompress", None)),
]
AGENTS = ("claude", "codex", "gemini")
#: case -> what the probe's answer means where the agent honours it, and the agents that do not
EXPECTED: dict[str, tuple[tuple[str, str] | None, frozenset[str]]] = {
    "session start": (("context", "probe: session context"), frozenset()),
    "prompt": (("context", "probe: prompt context"), frozenset()),
    "shell call": (("refuse", "probe refuses Bash"), frozenset()),
    "shell result": (("context", "probe saw Bash"), frozenset()),
    "file write": (("refuse", "probe refuses Write"), frozenset()),
    "file read": (("refuse", "probe refuses Read"), frozenset()),
    "file edit": (("refuse", "probe refuses Edit"), frozenset()),
    "end of turn": (("refuse", "probe: one more thing"), frozenset()),
    "session end": (None, frozenset()),  # observe only, everywhere
    "compaction": (None, frozenset({"codex", "gemini"})),  # a block Claude Code honours; these do not
}


def _payloads(agent: str, root: Path) -> list[dict[str, Any]]:
    if agent == "claude":
        return real_payloads()
    name = {"codex": "codex-0.171.0-events.ndjson", "gemini": "gemini-0.61.0-events.ndjson"}[agent]
    text = (DATA / name).read_text()
    for placeholder in ("$WORK", "$PROJECT_DIR", "$HOME"):
        text = text.replace(placeholder, str(root))
    return [json.loads(line)["payload"] for line in text.splitlines() if line.strip()]


def payload(agent: str, selector: tuple[str, str | None], root: Path) -> dict[str, Any]:
    event, tool = selector
    found = [
        p for p in _payloads(agent, root) if p["hook_event_name"] == event and p.get("tool_name") == tool
    ]
    if agent == "codex" and event == "Stop":
        found = [p for p in found if not p.get("stop_hook_active")]
    return found[0]


# -- the probe plugin: one handler per canonical event, recording what it saw -------

SEEN: list[dict[str, Any]] = []


def _view(event: HookEvent) -> dict[str, Any]:
    view: dict[str, Any] = {"event": event.hook_event_name, "agent": event.agent}
    if isinstance(event, ToolEvent):
        view["tool"] = event.tool_name
        view["command"] = isinstance(event.command, str) and bool(event.command)
        view["file"] = bool(event.file_path) and Path(str(event.file_path)).is_absolute()
        response = getattr(event, "tool_response", None)
        if response is not None:
            view["stdout"] = isinstance(response, dict) and isinstance(response.get("stdout"), str)
    return view


@hookimpl
def hookmux_session_start(event: HookEvent) -> SessionStartAnswer:
    SEEN.append(_view(event))
    return SessionStartAnswer(additional_context="probe: session context")


@hookimpl
def hookmux_user_prompt_submit(event: HookEvent) -> UserPromptSubmitAnswer:
    SEEN.append(_view(event))
    return UserPromptSubmitAnswer(additional_context="probe: prompt context")


@hookimpl
def hookmux_pre_tool_use(event: ToolEvent) -> PreToolUseAnswer:
    SEEN.append(_view(event))
    return PreToolUseAnswer(permission="deny", reason=f"probe refuses {event.tool_name}")


@hookimpl
def hookmux_post_tool_use(event: ToolEvent) -> PostToolUseAnswer:
    SEEN.append(_view(event))
    return PostToolUseAnswer(additional_context=f"probe saw {event.tool_name}")


@hookimpl
def hookmux_stop(event: HookEvent) -> StopAnswer:
    SEEN.append(_view(event))
    return StopAnswer(block=True, reason="probe: one more thing")


@hookimpl
def hookmux_session_end(event: HookEvent) -> None:
    SEEN.append(_view(event))


@hookimpl
def hookmux_pre_compact(event: HookEvent) -> PreCompactAnswer:
    SEEN.append(_view(event))
    return PreCompactAnswer(block=True, reason="probe: not now")


PROBE = types.SimpleNamespace(**{n: v for n, v in globals().items() if n.startswith("hookmux_")})


def meaning(agent: str, output: dict[str, Any] | None) -> tuple[str, str] | None:
    """What an agent's output says, whatever its shape: (kind, text)."""
    if output is None:
        return None
    hso = output.get(HSO, {})
    if agent == "gemini" and output.get("decision") == "deny":
        return ("refuse", output["reason"])
    if hso.get("permissionDecision") == "deny":
        return ("refuse", hso["permissionDecisionReason"])
    if output.get("decision") == "block":
        return ("refuse", output["reason"])
    if "additionalContext" in hso:
        return ("context", hso["additionalContext"])
    raise AssertionError(f"{agent}: unexpected output {output}")


def routed(agent: str, selector: Selector, root: Path) -> tuple[dict[str, Any], Any]:
    assert selector is not None
    SEEN.clear()
    run = run_event(payload(agent, selector, root), {"probe": PROBE}, agent=agent)
    (view,) = SEEN
    return view, run


@pytest.mark.parametrize(("case", "claude", "codex", "gemini"), EQUIVALENT, ids=[c[0] for c in EQUIVALENT])
def test_equivalent_events_reach_the_same_handler_with_the_same_view(
    case: str, claude: Selector, codex: Selector, gemini: Selector, tmp_path: Path
) -> None:
    selectors = dict(zip(AGENTS, (claude, codex, gemini), strict=True))
    views = {}
    for agent, selector in selectors.items():
        if selector is None:
            continue
        view, _ = routed(agent, selector, tmp_path)
        assert view.pop("agent") == agent
        views[agent] = view
    assert len(views) >= 2
    first = next(iter(views.values()))
    assert all(v == first for v in views.values()), views


@pytest.mark.parametrize(("case", "claude", "codex", "gemini"), EQUIVALENT, ids=[c[0] for c in EQUIVALENT])
def test_the_same_answer_means_the_same_in_each_agents_shape(
    case: str, claude: Selector, codex: Selector, gemini: Selector, tmp_path: Path
) -> None:
    meanings: dict[str, tuple[str, str] | None] = {}
    notes: dict[str, list[str]] = {}
    for agent, selector in zip(AGENTS, (claude, codex, gemini), strict=True):
        if selector is None:
            continue
        _, run = routed(agent, selector, tmp_path)
        meanings[agent] = meaning(agent, run.output)
        notes[agent] = run.notes
    expected, not_honoured = EXPECTED[case]
    for agent, value in meanings.items():
        if agent in not_honoured:
            # an answer the agent does not honour is not emitted, and said so
            assert value is None
            assert any(n.startswith(f"{agent}: ") and "not emitted" in n for n in notes[agent]), (
                agent,
                notes,
            )
        else:
            assert value == expected, (agent, value)
            assert notes[agent] == [], (agent, notes[agent])
