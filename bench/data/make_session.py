"""Render ``bench/scenario.py``'s session into ``session.ndjson``: one hook event per line.

The payloads have the shapes Claude Code 2.1.330 sends (``tests/data/cc-2.1.330-events.ndjson``:
the same fields, in the same order, the same ``tool_response`` layouts per tool):
SessionStart, then per user turn a UserPromptSubmit, for each tool call a
PreToolUse and a PostToolUse (PostToolUseFailure for a failing Bash command;
nothing after a PreToolUse a hook refused), a PostToolBatch after each
assistant turn, and a Stop; a SessionEnd closes the session.

Paths are written as ``@PROJECT@`` (the throw-away project) and ``@HOME@`` (its
HOME, which holds the transcript); the benchmarks substitute them. Run it again
after changing the scenario; it writes the same bytes for the same scenario::

    python bench/data/make_session.py [--out bench/data/session.ndjson]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenario import PROMPTS, SESSION_ID, ToolCall, tool_calls

PROJECT = "@PROJECT@"
TRANSCRIPT = f"@HOME@/.claude/projects/-bench-project/{SESSION_ID}.jsonl"
PROMPT_IDS = (
    "a3f1c2d4-0b1e-4c6a-9f7e-11aa22bb33c1",
    "b4e2d3c5-1c2f-4d7b-8e6f-22bb33cc44d2",
    "c5d3e4f6-2d3a-4e8c-9d5e-33cc44dd55e3",
)
DURATION_MS = {"Read": 4, "Edit": 6, "Write": 5, "Bash": 18}
LAST_MESSAGES = (
    "Implemented config loading and the importer; tests pass except one flaky case.",
    "Added the storage layer and CLI wiring; 12 tests pass.",
    "Fixed the importer regression; all tests pass and the increment is checked off.",
)


def base(event: str, turn: int | None, *, effort: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {"session_id": SESSION_ID, "transcript_path": TRANSCRIPT, "cwd": PROJECT}
    if turn is not None:
        payload["prompt_id"] = PROMPT_IDS[turn - 1]
        payload["permission_mode"] = "default"
        if effort:
            payload["effort"] = {"level": "medium"}
    payload["hook_event_name"] = event
    return payload


def tool_events(call: ToolCall, use_id: str) -> list[dict[str, Any]]:
    pre = base("PreToolUse", call.turn)
    pre.update(tool_name=call.name, tool_input=call.input, tool_use_id=use_id)
    if call.stream_only and call.response is None and call.exit_code == 0:
        return [pre]  # a hook refused the call: the tool never ran
    if call.exit_code:
        post = base("PostToolUseFailure", call.turn)
        post.update(tool_name=call.name, tool_input=call.input, tool_use_id=use_id,
                    error=call.summary, is_interrupt=False, duration_ms=420)  # fmt: skip
    else:
        post = base("PostToolUse", call.turn)
        duration = 420 if "pytest" in str(call.input.get("command", "")) else DURATION_MS[call.name]
        post.update(tool_name=call.name, tool_input=call.input, tool_response=call.response,
                    tool_use_id=use_id, duration_ms=duration)  # fmt: skip
    return [pre, post]


def session_events() -> list[dict[str, Any]]:
    calls = tool_calls(PROJECT)
    events: list[dict[str, Any]] = [{**base("SessionStart", None), "source": "startup"}]
    for turn in (1, 2, 3):
        events.append({**base("UserPromptSubmit", turn, effort=False), "prompt": PROMPTS[turn - 1]})
        batches: dict[int, list[tuple[ToolCall, str]]] = {}
        for index, call in enumerate(calls):
            if call.turn == turn:
                batches.setdefault(call.batch, []).append((call, f"toolu_bench_{index + 1:03d}"))
        for batch in batches.values():
            for call, use_id in batch:
                events.extend(tool_events(call, use_id))
            summary = [{"tool_name": c.name, "tool_input": c.input, "tool_use_id": u,
                        "tool_response": c.summary or "PreToolUse:Write hook error: refused"}
                       for c, u in batch]  # fmt: skip
            events.append({**base("PostToolBatch", turn), "tool_calls": summary})
        stop = base("Stop", turn)
        stop.update(stop_hook_active=False, last_assistant_message=LAST_MESSAGES[turn - 1],
                    background_tasks=[], session_crons=[])  # fmt: skip
        events.append(stop)
    end = base("SessionEnd", 3, effort=False)
    del end["permission_mode"]
    events.append({**end, "reason": "other"})
    return events


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("session.ndjson"))
    args = parser.parse_args()
    events = session_events()
    text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
    args.out.write_text(text, encoding="utf-8")
    counts = Counter(e["hook_event_name"] for e in events)
    print(f"{args.out}: {len(events)} events, " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
