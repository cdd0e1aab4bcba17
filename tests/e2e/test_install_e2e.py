"""`hookmux install` behind the real Claude Code 2.1.330.

* Claude Code, configured only by what `hookmux install --scope project` wrote, runs the
  plugins for the calls they want and starts no hookmux process for the others
  (counted by a ``sitecustomize`` on the hooks' PYTHONPATH that logs each Python
  process running the hookmux script, before hookmux itself runs).
* The `if` rules hookmux.agents.claude.wiring writes are never narrower than hookmux's own
  matching: every call hookmux would route to a plugin, Claude Code lets through.
* Claude Code's deduplication, which the one-rule-per-tool design relies on.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hookmux.agents.claude.wiring import bash_rule, path_rule
from hookmux.routing.matching import compile_matcher, handler_accepts
from hookmux.testing import hookmux_executable
from tests.e2e.conftest import Workspace
from tests.plugin_site import install_plugin
from tests.support.claude_cli import run_claude
from tests.support.messages_api import MessagesAPI, Text, ToolUse

pytestmark = pytest.mark.e2e

COUNTER = """\
import io, json, os, sys
if os.path.basename(sys.argv[0]) == "hookmux" and sys.argv[1:2] == ["run"]:
    data = sys.stdin.buffer.read()
    event = json.loads(data)
    with open(os.environ["HOOKMUX_E2E_PROCESSES"], "a") as log:
        log.write(json.dumps({"event": event["hook_event_name"], "tool_use_id": event.get("tool_use_id"),
                              "tool": event.get("tool_name"), "pid": os.getpid()}) + "\\n")
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
"""

RECORD = """\
import json, sys
event = json.load(sys.stdin)
with open(sys.argv[1], "a", encoding="utf-8") as log:
    log.write(json.dumps({"label": sys.argv[2], "event": event}) + "\\n")
"""


def install(workspace: Workspace, *args: str, **extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKMUX", "CLAUDE"))}
    env.update(HOME=str(workspace.home_dir), HOOKMUX_HOME=str(workspace.root / "install-state"), **extra)
    proc = subprocess.run(
        [
            hookmux_executable(),
            "install",
            "--scope",
            "project",
            "--project-dir",
            str(workspace.project_dir),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "install: wrote" in proc.stdout, proc.stdout + proc.stderr
    return json.loads((workspace.project_dir / ".claude" / "settings.json").read_text())


def test_claude_code_starts_hookmux_only_for_calls_a_plugin_wants(claude: Path, workspace: Workspace) -> None:
    settings = install(workspace)
    # what the test plugins need (see tests/test_install.py): Bash commands starting with
    # hmtest before the call, every Bash call after it (`*hmtest-context*` has no safe rule)
    assert [(g["matcher"], g["hooks"][0].get("if")) for g in settings["hooks"]["PreToolUse"]] == [
        ("Bash", "Bash(hmtest-*)")
    ]
    assert [(g["matcher"], g["hooks"][0].get("if")) for g in settings["hooks"]["PostToolUse"]] == [
        ("Bash", None)
    ]
    assert "Stop" not in settings["hooks"] and "SessionEnd" not in settings["hooks"]

    counter = workspace.root / "counter"
    counter.mkdir()
    (counter / "sitecustomize.py").write_text(COUNTER)
    processes = workspace.root / "processes.ndjson"
    marker = workspace.project_dir / "must-not-exist"
    notes = workspace.project_dir / "notes.txt"
    script = [
        ToolUse("Bash", {"command": f"hmtest-deny now; touch {marker}", "description": "d"}, id="toolu_deny"),
        ToolUse("Bash", {"command": "echo hmtest-context", "description": "c"}, id="toolu_ctx"),
        ToolUse("Bash", {"command": "echo plain", "description": "p"}, id="toolu_plain"),
        ToolUse("Write", {"file_path": str(notes), "content": "draft\n"}, id="toolu_write"),
        ToolUse("Read", {"file_path": str(notes)}, id="toolu_read"),
        ToolUse(
            "Edit", {"file_path": str(notes), "old_string": "draft", "new_string": "final"}, id="toolu_edit"
        ),
        Text("All done."),
    ]
    env = {"PYTHONPATH": str(counter), "HOOKMUX_E2E_PROCESSES": str(processes)}
    with MessagesAPI(script) as api:
        run = run_claude(
            claude, workspace.project_dir, workspace.home_dir, api.url, timeout=120, extra_env=env
        )
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        results = {r["tool_use_id"]: r for r in api.tool_results()}
        sent = api.text_sent_to_model()

    # the hooks fired for the calls the plugins want
    assert results["toolu_deny"]["is_error"] is True and "alpha refuses" in results["toolu_deny"]["content"]
    assert not marker.exists()
    assert "alpha-context for toolu_ctx" in sent and "beta-context for toolu_ctx" in sent, describe
    assert notes.read_text() == "final\n"

    started = collections.Counter(
        (p["event"], p["tool_use_id"]) for p in map(json.loads, processes.read_text().splitlines())
    )
    assert started == {
        ("SessionStart", None): 1,  # the staleness check (and nothing else to say)
        ("UserPromptSubmit", None): 1,  # alpha takes prompts (by field, no matcher)
        ("PreToolUse", "toolu_deny"): 1,  # `if: Bash(hmtest-*)`
        ("PostToolUse", "toolu_ctx"): 1,
        ("PostToolUse", "toolu_plain"): 1,  # no rule after Bash: spare, not missed
    }, describe
    # no process for: PreToolUse echo (the rule), Write/Read/Edit (the matcher), Stop,
    # SessionEnd and PostToolBatch (no plugin)


PYDOCS = """
from hookmux import hookimpl
from hookmux.protocol.answers import PostToolUseAnswer

@hookimpl(matcher="Edit|Write", paths=["*.py"])
def hookmux_post_tool_use(event):
    return PostToolUseAnswer(additional_context="pydocs: " + event.tool_input["file_path"].rsplit("/", 1)[-1])
"""


def test_an_edit_of_a_file_no_plugin_cares_about_starts_no_hookmux(
    claude: Path, workspace: Workspace
) -> None:
    site = workspace.root / "site"
    install_plugin(site, "pydocs", PYDOCS)
    disabled = "alpha,beta,faulty,guarded,guards"  # only pydocs: the test plugins are in this venv too
    (workspace.home_dir / ".config" / "hookmux").mkdir(parents=True)
    (workspace.home_dir / ".config" / "hookmux" / "config.toml").write_text(
        f"[hookmux]\ndisabled = {disabled.split(',')}\n"
    )
    settings = install(workspace, PYTHONPATH=str(site), XDG_CONFIG_HOME=str(workspace.home_dir / ".config"))
    assert [(g["matcher"], g["hooks"][0]["if"]) for g in settings["hooks"]["PostToolUse"]] == [
        ("Edit", "Edit(//**/*.py)"),
        ("Write", "Write(//**/*.py)"),
    ]
    counter = workspace.root / "counter"
    counter.mkdir()
    (counter / "sitecustomize.py").write_text(COUNTER)
    processes = workspace.root / "processes.ndjson"
    project = workspace.project_dir
    (project / "app.py").write_text("x = 1\n")
    (project / "README.md").write_text("draft\n")
    script = [
        ToolUse("Read", {"file_path": str(project / "README.md")}, id="toolu_read_md"),
        ToolUse(
            "Edit",
            {"file_path": str(project / "README.md"), "old_string": "draft", "new_string": "final"},
            id="toolu_md",
        ),
        ToolUse("Read", {"file_path": str(project / "app.py")}, id="toolu_read_py"),
        ToolUse(
            "Edit",
            {"file_path": str(project / "app.py"), "old_string": "x = 1", "new_string": "x = 2"},
            id="toolu_py",
        ),
        ToolUse("Write", {"file_path": str(project / "notes.txt"), "content": "n\n"}, id="toolu_txt"),
        Text("All done."),
    ]
    env = {"PYTHONPATH": f"{counter}:{site}", "HOOKMUX_E2E_PROCESSES": str(processes)}
    with MessagesAPI(script) as api:
        run = run_claude(claude, project, workspace.home_dir, api.url, timeout=120, extra_env=env)
        describe = f"{run.describe()}\n{api.describe()}"
        assert run.returncode == 0, describe
        sent = api.text_sent_to_model()
    assert "pydocs: app.py" in sent and "pydocs: README.md" not in sent, describe
    assert (project / "README.md").read_text() == "final\n"
    started = collections.Counter(
        (p["event"], p["tool_use_id"]) for p in map(json.loads, processes.read_text().splitlines())
    )
    assert started == {("SessionStart", None): 1, ("PostToolUse", "toolu_py"): 1}, describe


# -- the rules, checked against the real CLI ----------------------------------------

BASH_GLOBS = [
    ["hmtest-deny*"],
    ["git push*"],
    ["hmtest-deny*", "hmtest-rewrite*"],
    ["rm -rf *"],
    ["cat x > out*"],
    ['echo "a*'],
    ["make"],
    ["git push --force*", "git push -f*"],
]
COMMANDS = [
    "hmtest-deny now",
    "echo x && hmtest-deny",
    "true; hmtest-rewrite x",
    "FOO=1 hmtest-deny",
    "git push origin main",
    "git push --force",
    "git push -f",
    "git  push",
    "git status",
    "ls | git push",
    "(git push)",
    "timeout 5 git push",
    "rm -rf build",
    "rm -r build",
    "cat x > out.txt",
    'echo "a b"',
    "make",
    "make test",
    "echo nothing",
]
PATH_GLOBS = [
    ["*.py"],
    ["src/**"],
    ["*.py", "*.pyi"],
    ["src/**/*.py", "src/**/*.ts"],
    ["docs/*.md"],
    ["**/*.ts"],
    ["README.md"],
    ["/OUTSIDE/*"],
]


def recorder(script: Path, log: Path, label: str, rule: str | None = None) -> dict[str, Any]:
    handler: dict[str, Any] = {
        "type": "command",
        "command": sys.executable,
        "args": [str(script), str(log), label],
    }
    if rule is not None:
        handler["if"] = rule
    return handler


def run_rules(
    claude: Path,
    workspace: Workspace,
    hooks: dict[str, list[tuple[str, list[tuple[str, str | None]]]]],
    script: list[Any],
    allowed: str = "Bash Write Edit Read",
) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]], str]:
    """(witnessed payload per call, labels fired per call, diagnostics)."""
    record = workspace.root / "record.py"
    record.write_text(RECORD)
    log = workspace.root / "record.ndjson"
    workspace.write_settings(
        {
            "hooks": {
                event: [
                    {"matcher": m, "hooks": [recorder(record, log, *h) for h in handlers]}
                    for m, handlers in groups
                ]
                for event, groups in hooks.items()
            }
        }
    )
    with MessagesAPI([*script, Text("done")]) as api:
        run = run_claude(
            claude, workspace.project_dir, workspace.home_dir, api.url, timeout=180, allowed_tools=allowed
        )
        describe = f"{run.describe()}\n{api.describe()}"
    assert run.returncode == 0, describe
    seen: dict[str, dict[str, Any]] = {}
    fired: dict[str, set[str]] = collections.defaultdict(set)
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        event = entry["event"]
        key = event.get("tool_use_id") or json.dumps(event["tool_input"], sort_keys=True)
        if entry["label"] == "witness":
            seen[key] = event
        else:
            fired[key].add(entry["label"])
    return seen, fired, describe


def hookmux_matches(
    payload: dict[str, Any], tool: str, commands: list[str] | None, paths: list[str] | None
) -> bool:
    handler = {"matcher": compile_matcher(tool), "commands": commands, "paths": paths, "fields": None}
    roots = [payload["cwd"]]
    return handler_accepts(handler, payload, "tool_name", roots)


def test_bash_rules_let_through_every_command_hookmux_would_route(claude: Path, workspace: Workspace) -> None:
    rules = {f"bash{i}": bash_rule(globs) for i, globs in enumerate(BASH_GLOBS)}
    assert all(rules.values()), rules
    hooks = {"PreToolUse": [("Bash", [("witness", None), *rules.items()])]}
    script = [
        ToolUse("Bash", {"command": c, "description": "x"}, id=f"toolu_c{i}") for i, c in enumerate(COMMANDS)
    ]
    seen, fired, describe = run_rules(claude, workspace, hooks, script)
    assert len(seen) == len(COMMANDS), describe
    for i, globs in enumerate(BASH_GLOBS):
        label = f"bash{i}"
        skipped = 0
        for key, payload in seen.items():
            if hookmux_matches(payload, "Bash", globs, None):
                assert label in fired[key], (rules[label], payload["tool_input"]["command"], describe)
            skipped += label not in fired[key]
        assert skipped, f"{rules[label]} filtered nothing"  # the rule is a filter, not a formality


def test_path_rules_let_through_every_path_hookmux_would_route(claude: Path, workspace: Workspace) -> None:
    outside = workspace.root / "outside"
    outside.mkdir()
    globs_list = [[g.replace("/OUTSIDE", str(outside)) for g in globs] for globs in PATH_GLOBS]
    tools = ("Edit", "Write", "Read")
    labels = {f"{tool}{i}": (tool, globs) for tool in tools for i, globs in enumerate(globs_list)}
    rules = {label: path_rule(tool, globs) for label, (tool, globs) in labels.items()}
    assert all(rules.values()), rules
    hooks = {
        "PreToolUse": [
            ("Edit|Write|Read", [("witness", None)]),
            *(
                (tool, [(label, rules[label]) for label, (t, _) in labels.items() if t == tool])
                for tool in tools
            ),
        ]
    }
    project = workspace.project_dir
    (project / "src").mkdir()
    (project / "src" / "b.py").write_text("x = 1\n")
    files = ["a.py", "src/b.py", "src/deep/c.txt", "src/d.ts", "web/e.ts", "docs/x.md", "docs/y.txt",
             "README.md", "notes/README.md", "stubs/f.pyi", "Makefile", str(outside / "g.py")]  # fmt: skip
    script: list[Any] = [
        ToolUse("Write", {"file_path": f if f.startswith("/") else str(project / f), "content": "x\n"})
        for f in files
    ]
    script.append(ToolUse("Write", {"file_path": "rel.py", "content": "x\n"}))  # relative to the cwd
    script.append(ToolUse("Read", {"file_path": str(project / "src" / "b.py")}))
    script.append(
        ToolUse("Edit", {"file_path": str(project / "src" / "b.py"), "old_string": "x", "new_string": "y"})
    )
    script.append(ToolUse("Read", {"file_path": str(project / "Makefile")}))
    seen, fired, describe = run_rules(claude, workspace, hooks, script)
    assert len(seen) == len(script), describe
    for label, (tool, globs) in labels.items():
        relevant = [k for k, p in seen.items() if p["tool_name"] == tool]
        assert relevant, tool
        for key in relevant:
            if hookmux_matches(seen[key], tool, None, globs):
                assert label in fired[key], (rules[label], seen[key]["tool_input"], describe)
        if tool == "Write":
            assert any(label not in fired[k] for k in relevant), f"{rules[label]} filtered nothing"


def test_rules_on_permission_requests(claude: Path, workspace: Workspace) -> None:
    """PermissionRequest evaluates `if` too (Write is not allowed here, so it asks)."""
    rule = path_rule("Write", ["*.json"])
    hooks = {"PermissionRequest": [("Write", [("witness", None), ("json", rule)])]}
    target = workspace.project_dir / "meta" / "status.json"
    other = workspace.project_dir / "meta" / "status.txt"
    script = [
        ToolUse("Write", {"file_path": str(target), "content": "{}"}),
        ToolUse("Write", {"file_path": str(other), "content": "x"}),
    ]
    seen, fired, describe = run_rules(claude, workspace, hooks, script, allowed="Read")
    by_path = {p["tool_input"]["file_path"]: key for key, p in seen.items()}
    assert set(by_path) == {str(target), str(other)}, describe
    assert fired[by_path[str(target)]] == {"json"}
    assert fired[by_path[str(other)]] == set()


def test_claude_code_runs_a_handler_once_per_distinct_if(claude: Path, workspace: Workspace) -> None:
    """Why each tool gets one rule: identical handlers in several matching groups run once,
    but handlers that differ only in `if` each run when their rule matches."""
    hooks = {
        "PreToolUse": [
            ("Bash", [("same", None)]),
            ("Bash|Write", [("same", None)]),
            ("Ba.*", [("same", None)]),
            ("Bash", [("rules", "Bash(git *)"), ("rules", "Bash(ls*)")]),
            ("Bash", [("witness", None)]),
        ]
    }
    script = [ToolUse("Bash", {"command": "git status && ls", "description": "x"}, id="toolu_both")]
    _, _, describe = run_rules(claude, workspace, hooks, script)
    log = [json.loads(line)["label"] for line in (workspace.root / "record.ndjson").read_text().splitlines()]
    assert collections.Counter(log) == {"same": 1, "rules": 2, "witness": 1}, describe
