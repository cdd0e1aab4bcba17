"""The README's support matrix is the one the adapters' tables generate, and says the truth."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from hookmux.agents.matrix import answer_rows, event_rows, markdown
from hookmux.testing import hookmux_executable

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_matrix_is_the_generated_one() -> None:
    found = re.search(
        r"<!-- agent-matrix:start -->\n(.*?)<!-- agent-matrix:end -->", README.read_text(), re.S
    )
    assert found is not None, "README.md lost its agent-matrix markers"
    assert found.group(1) == markdown(), "run `hookmux agents` and paste its output between the markers"


def test_hookmux_agents_prints_it() -> None:
    proc = subprocess.run([hookmux_executable(), "agents"], capture_output=True, text=True, check=True)
    assert proc.stdout == markdown()


def test_the_matrix_says_what_the_adapters_do() -> None:
    events = {row["event"]: row for row in event_rows()}
    assert events["PreToolUse"] == {"event": "PreToolUse", "claude": "PreToolUse", "codex": "PreToolUse",
                                    "gemini": "BeforeTool"}  # fmt: skip
    assert events["BeforeModel"]["claude"] is None and events["Interrupt"]["gemini"] is None
    answers = {(row["event"], row["field"]): row for row in answer_rows()}
    assert answers[("PreToolUse", "permission")]["codex"] == "deny only"
    assert answers[("PreToolUse", "updated_input")]["codex"] is None
    assert answers[("PreToolUse", "updated_input")]["gemini"] == "yes"
    assert answers[("SessionStart", "system_message")]["codex"] is None
    assert answers[("PostToolUse", "additional_context")]["gemini"] == "yes"
    assert answers[("PreToolUse", "additional_context")]["gemini"] is None


def test_every_cell_is_what_the_adapter_emits() -> None:
    import attrs

    from hookmux.agents.registry import adapter
    from hookmux.protocol.answers import answer_class
    from hookmux.protocol.render import Rendered

    samples = {"permission": "deny", "behavior": "deny", "mode": "NONE"}
    for row in answer_rows():
        field = attrs.fields_dict(answer_class(row["event"]))[row["field"]]  # type: ignore[arg-type]
        path = tuple(field.metadata["json"])
        emit = field.metadata.get("emit", "value")
        value = {"continue": False, "block": "block"}.get(emit, samples.get(row["field"], "x"))
        output: dict[str, object] = {}
        target = output
        for key in path[:-1]:
            target = target.setdefault(key, {})  # type: ignore[assignment]
        target[path[-1]] = value
        for agent in ("codex", "gemini"):
            if row[agent] is None and not events_fired(agent, row["event"]):
                continue
            module = adapter(agent)
            assert module is not None
            raw = {"hook_event_name": row["event"], "hookmux_agent": agent}
            rendered, notes = module.render(Rendered(output), raw)
            emitted = rendered is not None and rendered.payload is not None
            assert emitted is (row[agent] is not None), (agent, row, notes)


def events_fired(agent: str, event: str) -> bool:
    return any(r["event"] == event and r[agent] for r in event_rows())
