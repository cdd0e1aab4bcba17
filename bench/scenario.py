"""The benchmark's workload: one coding session on a SpecWeave project.

Shared by the recorded event stream (``bench/data/make_session.py`` renders it
into ``bench/data/session.ndjson``), the throw-away project every benchmark
creates (:func:`project_files`) and the scripted real Claude Code session
(``bench/claude_session.py``). Deterministic: no clock, no randomness.

The session is the one seed 002 (SpecWeave ADR-0070) describes: rapid Edit and
Write calls on source files during active coding, among them edits of the
increment's ``tasks.md`` and ``spec.md`` (task and AC check-offs) and of its
``metadata.json``, test runs through Bash (passing and failing), three user
prompts (the task, short praise, short criticism) and a Stop after each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SPECWEAVE_DATA = REPO / "plugins" / "specstatus" / "tests" / "data"
FEEDBACK_TRANSCRIPT = (
    REPO / "plugins" / "feedback" / "tests" / "data" / "fbe223b5-dff1-4358-a4ef-41c9e2786bce.jsonl"
)

SESSION_ID = "5e55b0a1-7c1d-4b8e-9d4f-2a6c0b3e9f10"
DONE_INCREMENT = "0045-living-docs-external-sync"
ACTIVE_INCREMENT = "0048-external-tool-import-enhancement"
PENDING_TASKS = ("T-005", "T-006", "T-007", "T-008")
ACS = ("AC-US3-01", "AC-US3-02", "AC-US3-03", "AC-US3-04", "AC-US3-05")
SOURCES = ("sync.py", "config.py", "importer.py", "models.py", "storage.py", "cli.py")

PROMPTS = (
    "Implement incremental sync for the Jira importer (increment 0048): config loading, "
    "the importer and its tests. Check off tasks.md and the ACs in spec.md as you go.",
    "nailed it, thanks",
    "that's totally wrong",
)


def source_text(name: str, version: int = 0) -> str:
    """A source file of the project, as it reads after ``version`` edits."""
    stem = name.removesuffix(".py")
    lines = [f'"""bench_app.{stem}: part of the importer."""', "", "from __future__ import annotations", ""]
    for i in range(12):
        lines += [f"def {stem}_step_{i}(value: int) -> int:", f"    return value + {i + version * 100}", ""]
    return "\n".join(lines)


def active_spec() -> str:
    """spec.md of the active increment: frontmatter status ``active``, five open ACs."""
    acs = "\n".join(f"- [ ] **{ac}**: the importer handles case {i + 1}" for i, ac in enumerate(ACS))
    return (
        "---\n"
        f"increment: {ACTIVE_INCREMENT}\n"
        "title: 'ConfigManager & Jira Auto-Discovery'\n"
        "priority: P1\n"
        "status: active\n"
        "type: feature\n"
        "created: 2025-11-20T09:00:00.000Z\n"
        "started: 2025-11-20T09:00:00.000Z\n"
        "---\n\n"
        "# ConfigManager & Jira Auto-Discovery\n\n"
        "## User Story US-003: Three-Tier Dependency Loading\n\n"
        "### Acceptance Criteria\n\n"
        f"{acs}\n"
    )


def active_tasks() -> str:
    """tasks.md of the active increment: SpecWeave's 0048 with T-005..T-008 still open."""
    text = (SPECWEAVE_DATA / "0048-tasks-us-linked.md").read_text(encoding="utf-8")
    for task in PENDING_TASKS:
        head = text.index(f"### {task}:")
        status = text.index("**Status**: [x] completed", head)
        text = text[:status] + "**Status**: [ ] pending" + text[status + len("**Status**: [x] completed") :]
    return text


def active_metadata(last_activity: str = "2025-11-20T09:00:00.000Z") -> str:
    meta = {
        "id": ACTIVE_INCREMENT,
        "status": "active",
        "type": "feature",
        "created": "2025-11-20T09:00:00.000Z",
        "started": "2025-11-20",
        "lastActivity": last_activity,
    }
    return json.dumps(meta, indent=2) + "\n"


def project_files() -> dict[str, str]:
    """Relative path -> content of the throw-away project (SpecWeave tree from the plugin tests)."""
    done = f".specweave/increments/{DONE_INCREMENT}"
    active = f".specweave/increments/{ACTIVE_INCREMENT}"
    files = {
        f"{done}/spec.md": (SPECWEAVE_DATA / "0045-spec.md").read_text(encoding="utf-8"),
        f"{done}/tasks.md": (SPECWEAVE_DATA / "0045-tasks.md").read_text(encoding="utf-8"),
        f"{done}/metadata.json": (SPECWEAVE_DATA / "0045-metadata.json").read_text(encoding="utf-8"),
        f"{active}/spec.md": active_spec(),
        f"{active}/tasks.md": active_tasks(),
        f"{active}/metadata.json": active_metadata(),
        ".specweave/state/active-increment.json": json.dumps({"ids": [ACTIVE_INCREMENT]}) + "\n",
        "tests/test_sync.py": "from bench_app.sync import sync_step_0\n\n\ndef test_step() -> None:\n    assert sync_step_0(1) == 1\n",
    }
    for name in SOURCES:
        files[f"src/bench_app/{name}"] = source_text(name)
    return files


@dataclass
class ToolCall:
    """One tool call of the session and what the tool answered."""

    turn: int
    name: str
    input: dict[str, Any]
    response: Any = None
    #: Bash: the exit code (non-zero: PostToolUseFailure instead of PostToolUse)
    exit_code: int = 0
    #: the calls answered in one assistant turn (parallel calls share a batch number)
    batch: int = 0
    #: what Claude Code sends the model in PostToolBatch (a string per call)
    summary: str = ""
    #: the real Claude Code session leaves this call out (it changes what later calls see)
    stream_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def tool_calls(project: str) -> list[ToolCall]:
    """The session's 76 tool calls over three user turns, paths under ``project``."""
    calls: list[ToolCall] = []
    versions = dict.fromkeys(SOURCES, 0)
    tasks_text = active_tasks()
    spec_text = active_spec()
    last_activity = ["2025-11-20T09:00:00.000Z"]
    active = f"{project}/.specweave/increments/{ACTIVE_INCREMENT}"
    batch = [0]

    def add(turn: int, name: str, tool_input: dict[str, Any], response: Any, summary: str, **kw: Any) -> None:
        batch[0] += 0 if kw.pop("same_batch", False) else 1
        calls.append(ToolCall(turn, name, tool_input, response, batch=batch[0], summary=summary, **kw))

    def read(turn: int, rel: str, content: str, same_batch: bool = False) -> None:
        path = f"{project}/{rel}" if not rel.startswith("/") else rel
        lines = content.count("\n") + 1
        response = {"type": "text", "file": {"filePath": path, "content": content, "numLines": lines,
                                             "startLine": 1, "totalLines": lines}}  # fmt: skip
        numbered = "\n".join(f"{i + 1}\t{line}" for i, line in enumerate(content.splitlines()))
        add(turn, "Read", {"file_path": path}, response, numbered, same_batch=same_batch)

    def edit(turn: int, path: str, old: str, new: str, original: str) -> None:
        response = {"filePath": path, "oldString": old, "newString": new, "originalFile": original,
                    "structuredPatch": [{"oldStart": 1, "oldLines": 1, "newStart": 1, "newLines": 1,
                                         "lines": [f"-{old.splitlines()[-1]}", f"+{new.splitlines()[-1]}"]}],
                    "userModified": False, "replaceAll": False}  # fmt: skip
        summary = f"The file {path} has been updated successfully."
        add(turn, "Edit", {"file_path": path, "old_string": old, "new_string": new, "replace_all": False},
            response, summary)  # fmt: skip

    def edit_source(turn: int, name: str) -> None:
        path = f"{project}/src/bench_app/{name}"
        version = versions[name]
        before = source_text(name, version)
        stem = name.removesuffix(".py")
        old = f"    return value + {version * 100}\n"
        new = f"    return value + {(version + 1) * 100}\n"
        versions[name] = version + 1
        edit(turn, path, f"def {stem}_step_0(value: int) -> int:\n{old}",
             f"def {stem}_step_0(value: int) -> int:\n{new}", before)  # fmt: skip

    def write(turn: int, rel: str, content: str) -> None:
        path = f"{project}/{rel}"
        response: dict[str, Any] = {"type": "create", "filePath": path, "content": content, "structuredPatch": [],
                    "originalFile": None, "userModified": False}  # fmt: skip
        add(turn, "Write", {"file_path": path, "content": content}, response,
            f"File created successfully at: {path}")  # fmt: skip

    def bash(turn: int, command: str, description: str, stdout: str, exit_code: int = 0) -> None:
        if exit_code:
            response: Any = None
            summary = f"Exit code {exit_code}\n{stdout}"
        else:
            response = {"stdout": stdout, "stderr": "", "interrupted": False, "isImage": False,
                        "noOutputExpected": False}  # fmt: skip
            summary = stdout
        add(turn, "Bash", {"command": command, "description": description}, response, summary,
            exit_code=exit_code)  # fmt: skip

    def check_task(turn: int, task: str) -> None:
        nonlocal tasks_text
        head = tasks_text.index(f"### {task}:")
        status = tasks_text.index("**Status**: [ ] pending", head)
        old = tasks_text[head : status + len("**Status**: [ ] pending")]
        new = old.replace("**Status**: [ ] pending", "**Status**: [x] completed")
        edit(turn, f"{active}/tasks.md", old, new, tasks_text)
        tasks_text = tasks_text.replace(old, new)

    def check_ac(turn: int, ac: str) -> None:
        nonlocal spec_text
        old = f"- [ ] **{ac}**"
        edit(turn, f"{active}/spec.md", old, f"- [x] **{ac}**", spec_text)
        spec_text = spec_text.replace(old, f"- [x] **{ac}**")

    def touch_metadata(turn: int, stamp: str) -> None:
        original = active_metadata(last_activity[0])
        edit(turn, f"{active}/metadata.json", f'"lastActivity": "{last_activity[0]}"',
             f'"lastActivity": "{stamp}"', original)  # fmt: skip
        last_activity[0] = stamp

    def pytest(turn: int, failing: bool) -> None:
        if failing:
            out = "..F.........\n1 failed, 11 passed in 0.52s"
            bash(turn, "python -m pytest -q tests/test_sync.py", "Run the sync tests", out, exit_code=1)
        else:
            bash(turn, "python -m pytest -q tests/test_sync.py", "Run the sync tests",
                 "............\n12 passed in 0.41s")  # fmt: skip

    # Turn 1: orient, then code, test, check off.
    # (Claude Code refuses to edit a file the session has not read.)
    read(1, f".specweave/increments/{ACTIVE_INCREMENT}/tasks.md", active_tasks())
    read(1, f".specweave/increments/{ACTIVE_INCREMENT}/spec.md", active_spec(), same_batch=True)
    read(1, f".specweave/increments/{ACTIVE_INCREMENT}/metadata.json", active_metadata(), same_batch=True)
    for i, name in enumerate(SOURCES):
        read(1, f"src/bench_app/{name}", source_text(name), same_batch=i > 0)
    bash(1, "git status --short", "Show working tree status", " M src/bench_app/sync.py")
    for i, name in enumerate(SOURCES[:4]):
        edit_source(1, name)
        write(1, f"src/bench_app/gen_{i}.py", f'"""Generated helpers {i}."""\n\nVALUE = {i}\n')
        edit_source(1, name)
        pytest(1, failing=i % 2 == 0)
        edit_source(1, "sync.py")
    check_task(1, "T-005")
    check_ac(1, "AC-US3-01")
    touch_metadata(1, "2025-11-20T10:15:00.000Z")
    edit_source(1, "cli.py")
    pytest(1, failing=False)
    check_ac(1, "AC-US3-02")
    # Turn 2: after praise, more of the same at a higher edit rate.
    for i, name in enumerate(SOURCES):
        edit_source(2, name)
        edit_source(2, "storage.py")
        if i % 2:
            pytest(2, failing=i == 3)
        write(2, f"tests/test_gen_{i}.py", f"def test_gen_{i}() -> None:\n    assert {i} == {i}\n")
    check_task(2, "T-006")
    check_ac(2, "AC-US3-03")
    check_task(2, "T-007")
    touch_metadata(2, "2025-11-20T11:40:00.000Z")
    bash(2, "git diff --stat", "Show the diff", " 12 files changed, 140 insertions(+), 12 deletions(-)")
    # Turn 3: after criticism: fix, an invalid metadata.json write (refused by
    # hookmux-metadata), final checks.
    for name in SOURCES[:4]:
        edit_source(3, name)
    pytest(3, failing=True)
    edit_source(3, "importer.py")
    pytest(3, failing=False)
    invalid = json.loads(active_metadata(last_activity[0]))
    invalid["status"] = "done"
    write(3, f".specweave/increments/{ACTIVE_INCREMENT}/metadata.json", json.dumps(invalid, indent=2) + "\n")
    calls[-1].stream_only = True
    calls[-1].response = None  # refused: no PostToolUse
    check_task(3, "T-008")
    check_ac(3, "AC-US3-04")
    check_ac(3, "AC-US3-05")
    touch_metadata(3, "2025-11-20T12:05:00.000Z")
    edit_source(3, "models.py")
    pytest(3, failing=False)
    return calls
