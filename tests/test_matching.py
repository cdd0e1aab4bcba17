"""Static matchers: Claude Code matcher strings, path globs, shell commands, fields.

Declarations are built the way the manifest builds them: ``hookimpl`` records the
options, ``compile_matcher`` turns the matcher into plain data.
"""

from __future__ import annotations

import copy
import json
import marshal
import types
from pathlib import Path
from typing import Any

import pytest

from hookmux.entry.route import matching_handlers
from hookmux.markers import IMPL_ATTR, hookimpl
from hookmux.protocol.events import MATCHER_FIELD, hookspec_name
from hookmux.routing.discovery import build_manifest
from hookmux.routing.matching import (
    any_path_matches,
    compile_matcher,
    event_commands,
    event_paths,
    handler_accepts,
    matcher_accepts,
    path_glob_match,
    split_shell,
    wildcard_match,
)

PROJ = "/home/user/proj"
ROOTS = (PROJ,)
PAYLOADS: list[dict[str, Any]] = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "cc-2.1.330-events.ndjson").read_text().splitlines()
    if line.strip()
]


def real(event: str, tool_name: str | None = None) -> dict[str, Any]:
    """A copy of the first captured payload of ``event`` (and ``tool_name``)."""
    for payload in PAYLOADS:
        if payload["hook_event_name"] != event:
            continue
        if tool_name is None or payload.get("tool_name") == tool_name:
            return copy.deepcopy(payload)
    raise LookupError(f"no captured {event} {tool_name or ''}")


def tool_event(tool_name: str, tool_input: dict[str, Any], *, cwd: str = PROJ) -> dict[str, Any]:
    return {
        "session_id": "s",
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": tool_input,
    }


def batch(*calls: tuple[str, dict[str, Any]], cwd: str = PROJ) -> dict[str, Any]:
    return {
        "session_id": "s",
        "cwd": cwd,
        "hook_event_name": "PostToolBatch",
        "tool_calls": [
            {"tool_name": name, "tool_input": tool_input, "tool_use_id": f"toolu_{i}", "tool_response": ""}
            for i, (name, tool_input) in enumerate(calls)
        ],
    }


def file_changed(file_path: str) -> dict[str, Any]:
    return {
        "session_id": "s",
        "cwd": PROJ,
        "hook_event_name": "FileChanged",
        "file_path": file_path,
        "event": "change",
    }


def declare(**options: Any) -> dict[str, Any]:
    """A handler declaration as the manifest stores it (see discovery.describe_plugin)."""

    def handler() -> None:
        pass

    hookimpl(**options)(handler)
    opts = getattr(handler, IMPL_ATTR)
    return {
        "matcher": compile_matcher(opts["matcher"]),
        "paths": opts["paths"],
        "commands": opts["commands"],
        "fields": opts["fields"],
    }


def accepts(declaration: dict[str, Any], raw: dict[str, Any], roots: tuple[str, ...] = ROOTS) -> bool:
    return handler_accepts(declaration, raw, MATCHER_FIELD[raw["hook_event_name"]], roots)


# -- Claude Code matcher strings ------------------------------------------------


@pytest.mark.parametrize(
    ("matcher", "value", "expected"),
    [
        # match-all forms
        ("*", "Bash", True),
        ("", "Bash", True),
        (None, "Bash", True),
        (" * ", "mcp__memory__create_entities", True),
        ("*", None, True),
        # exact lists with | and ,
        ("Edit|Write", "Edit", True),
        ("Edit|Write", "Write", True),
        ("Edit|Write", "Read", False),
        ("Edit|Write", "Edit|Write", False),
        ("Edit, Write", "Edit", True),
        ("Edit, Write", "Write", True),
        ("Edit, Write", "Read", False),
        ("Edit,Write", "Write", True),
        ("Bash | PowerShell", "PowerShell", True),
        # exact names are anchored
        ("Edit", "Edit", True),
        ("Edit", "NotebookEdit", False),
        ("Edit", "EditFile", False),
        ("code-reviewer", "code-reviewer", True),
        ("code-reviewer", "senior-code-reviewer", False),
        ("mcp__memory", "mcp__memory__create_entities", False),
        # anything else is an unanchored regex
        ("Edit.*", "Edit", True),
        ("Edit.*", "NotebookEdit", True),
        ("Edit.*", "Write", False),
        ("^Edit$", "NotebookEdit", False),
        ("^Edit$", "Edit", True),
        ("mcp__memory__.*", "mcp__memory__create_entities", True),
        ("mcp__memory__.*", "mcp__github__create_issue", False),
        ("mcp__.*__delete.*", "mcp__github__delete_repo", True),
        ("Notebook.*|Wri", "Write", True),
        # case-sensitive, in both kinds
        ("edit", "Edit", False),
        ("Edit|write", "Write", False),
        ("bash.*", "Bash", False),
        ("BASH", "Bash", False),
        # a value that is not a string matches only match-all
        ("Bash", None, False),
        ("Bash.*", 5, False),
        # an invalid regex matches nothing instead of raising
        ("Edit(", "Edit(", False),
    ],
)
def test_matcher_semantics(matcher: str | None, value: object, expected: bool) -> None:
    assert matcher_accepts(compile_matcher(matcher), value) is expected


@pytest.mark.parametrize(
    ("matcher", "spec"),
    [
        (None, ("all", None)),
        ("", ("all", None)),
        ("*", ("all", None)),
        ("Edit|Write", ("exact", ("Edit", "Write"))),
        ("Edit, Write", ("exact", ("Edit", "Write"))),
        (" Edit |Write|", ("exact", ("Edit", "Write"))),
        ("Edit.*", ("regex", "Edit.*")),
        ("mcp__memory__.*", ("regex", "mcp__memory__.*")),
        ("^Bash$", ("regex", "^Bash$")),
    ],
)
def test_compile_matcher_is_plain_marshalable_data(matcher: str | None, spec: tuple[str, Any]) -> None:
    compiled = compile_matcher(matcher)
    assert compiled == spec
    # the manifest is stored with marshal: the spec must survive it unchanged
    assert marshal.loads(marshal.dumps(compiled)) == spec


# -- wildcard_match -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*", "", True),
        ("*", "anything at all", True),
        ("*.py", "a.py", True),
        ("*.py", ".py", True),
        ("*.py", "a.pyc", False),
        ("*.py", "a.PY", False),
        ("a*b*c", "aXXbYYc", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "aXXbYY", False),
        ("**", "x", True),
        ("pytest*", "pytest -q tests/unit", True),
        ("pytest", "pytest -q", False),
        ("?", "a", True),
        ("?", "", False),
        ("?", "ab", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("??.md", "ab.md", True),
        ("[a-c]x", "ax", True),
        ("[a-c]x", "cx", True),
        ("[a-c]x", "dx", False),
        ("[a-c]x", "Bx", False),
        ("file[0-9].txt", "file7.txt", True),
        ("file[0-9].txt", "fileA.txt", False),
        ("[abc]", "b", True),
        ("[abc]", "d", False),
        ("[!x]", "y", True),
        ("[!x]", "x", False),
        ("[!a-c]z", "dz", True),
        ("[!a-c]z", "bz", False),
        ("[]]", "]", True),
        # an unclosed bracket is a literal [
        ("[", "[", True),
        ("a[b", "a[b", True),
        ("a[b", "ab", False),
        ("x[", "x[", True),
        ("*[", "abc[", True),
        ("*[", "abc", False),
        ("*.py", "", False),
    ],
)
def test_wildcard_match(pattern: str, text: str, expected: bool) -> None:
    assert wildcard_match(pattern, text) is expected


def test_star_only_patterns_match_as_the_general_glob_does() -> None:
    """Patterns with only ``*`` take a string-method shortcut; it must agree with the
    character-by-character matcher on every pattern and text."""
    import itertools
    import random

    from hookmux.routing.matching import _glob_match

    rng = random.Random(20261122)
    texts = ["".join(t) for n in range(6) for t in itertools.product("ab", repeat=n)]
    patterns = ["".join(rng.choice("ab**") for _ in range(rng.randint(0, 6))) for _ in range(400)]
    for pattern in patterns:
        for text in texts:
            assert wildcard_match(pattern, text) is _glob_match(pattern, text), (pattern, text)


# -- path_glob_match ------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "roots", "expected"),
    [
        # absolute patterns match absolute paths
        (f"{PROJ}/src/*.py", f"{PROJ}/src/a.py", ROOTS, True),
        (f"{PROJ}/src/*.py", f"{PROJ}/src/sub/a.py", ROOTS, False),
        (f"{PROJ}/src/*.py", f"{PROJ}/src/a.js", ROOTS, False),
        ("/etc/**", "/etc/nginx/nginx.conf", ROOTS, True),
        ("/etc/*.conf", f"{PROJ}/etc/x.conf", ROOTS, False),
        (f"{PROJ}/**/secret*", f"{PROJ}/a/b/secret.txt", ROOTS, True),
        # a pattern without / matches the file name at any depth
        ("*.py", f"{PROJ}/a.py", ROOTS, True),
        ("*.py", f"{PROJ}/a/b/c/d.py", ROOTS, True),
        ("*.py", "/elsewhere/d.py", ROOTS, True),
        ("tasks.md", f"{PROJ}/.specweave/increments/0001-demo/tasks.md", ROOTS, True),
        ("*.md", f"{PROJ}/notes.txt", ROOTS, False),
        ("proj", f"{PROJ}/x.py", ROOTS, False),
        # relative patterns are relative to a root
        ("src/*.py", f"{PROJ}/src/a.py", ROOTS, True),
        ("src/*.py", f"{PROJ}/src/sub/a.py", ROOTS, False),
        ("src/*.py", f"{PROJ}/lib/src/a.py", ROOTS, False),
        # ** is zero or more directories
        ("src/**/*.py", f"{PROJ}/src/a.py", ROOTS, True),
        ("src/**/*.py", f"{PROJ}/src/x/a.py", ROOTS, True),
        ("src/**/*.py", f"{PROJ}/src/x/y/z/a.py", ROOTS, True),
        ("src/**/*.py", f"{PROJ}/lib/a.py", ROOTS, False),
        ("src/**/*.py", f"{PROJ}/src/x/a.js", ROOTS, False),
        ("**/test_*.py", f"{PROJ}/test_a.py", ROOTS, True),
        ("**/test_*.py", f"{PROJ}/a/b/test_x.py", ROOTS, True),
        ("**/test_*.py", f"{PROJ}/a/b/x_test.py", ROOTS, False),
        ("docs/**", f"{PROJ}/docs/a/b.md", ROOTS, True),
        (".specweave/**/tasks.md", f"{PROJ}/.specweave/increments/0001-demo/tasks.md", ROOTS, True),
        # ./ prefix
        ("./src/*.py", f"{PROJ}/src/a.py", ROOTS, True),
        ("./*.py", f"{PROJ}/a.py", ROOTS, True),
        ("./*.py", f"{PROJ}/sub/a.py", ROOTS, False),
        # relative to each root given
        ("src/*.py", "/tmp/work/src/a.py", (PROJ, "/tmp/work"), True),
        ("src/*.py", "/tmp/work/src/a.py", ROOTS, False),
        ("./a.py", f"{PROJ}/sub/a.py", (PROJ, f"{PROJ}/sub"), True),
        ("src/*.py", f"{PROJ}/src/a.py", (f"{PROJ}/",), True),
        # paths outside the roots never match a relative pattern
        ("src/*.py", "/other/src/a.py", ROOTS, False),
        ("**/*.py", "/other/a.py", ROOTS, False),
        ("src/*.py", "/home/user/project/src/a.py", ROOTS, False),
        ("src/*.py", f"{PROJ}/src/a.py", (), False),
        # backslashes in a pattern are separators
        ("src\\*.py", f"{PROJ}/src/a.py", ROOTS, True),
    ],
)
def test_path_glob_match(pattern: str, path: str, roots: tuple[str, ...], expected: bool) -> None:
    assert path_glob_match(pattern, path, roots) is expected


# -- what an event touches -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (tool_event("Write", {"file_path": "/abs/x.py"}), ["/abs/x.py"]),
        (tool_event("Write", {"file_path": "src/a.py"}), [f"{PROJ}/src/a.py"]),
        (tool_event("Write", {"file_path": "src/a.py"}, cwd=f"{PROJ}/sub"), [f"{PROJ}/sub/src/a.py"]),
        (tool_event("Write", {"file_path": "./a.py"}), [f"{PROJ}/a.py"]),
        (tool_event("Read", {"file_path": "../other/x.py"}), ["/home/user/other/x.py"]),
        (tool_event("Read", {"file_path": f"{PROJ}/src/../a.py"}), [f"{PROJ}/a.py"]),
        (tool_event("Read", {"file_path": f"{PROJ}//src/./a.py"}), [f"{PROJ}/src/a.py"]),
        (tool_event("Edit", {"file_path": "src\\sub\\a.py"}), [f"{PROJ}/src/sub/a.py"]),
        (tool_event("NotebookEdit", {"notebook_path": "nb/analysis.ipynb"}), [f"{PROJ}/nb/analysis.ipynb"]),
        (tool_event("Bash", {"command": "cat a.py"}), []),
        (tool_event("Write", {"file_path": ""}), []),
        (tool_event("Write", {"file_path": 5}), []),
        (file_changed(f"{PROJ}/.envrc"), [f"{PROJ}/.envrc"]),
        (file_changed(".envrc"), [f"{PROJ}/.envrc"]),
        (
            batch(
                ("Read", {"file_path": "/abs/a.py"}),
                ("Bash", {"command": "ls"}),
                ("Edit", {"file_path": "b.py"}),
            ),
            ["/abs/a.py", f"{PROJ}/b.py"],
        ),
    ],
)
def test_event_paths(raw: dict[str, Any], expected: list[str]) -> None:
    assert event_paths(raw) == expected


def test_event_paths_of_captured_payloads() -> None:
    assert event_paths(real("PreToolUse", "Write")) == [f"{PROJ}/notes.txt"]
    assert event_paths(real("PostToolBatch")) == [f"{PROJ}/.specweave/increments/0001-demo/tasks.md"]
    assert event_paths(real("PreToolUse", "Bash")) == []
    assert event_paths(real("SessionStart")) == []


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("cd x && pytest -q", ["cd x && pytest -q", "cd x", "pytest -q"]),
        ("a || b; c | d\ne", ["a || b; c | d\ne", "a", "b", "c", "d", "e"]),
        ("pytest", ["pytest"]),
        ("  ls -la  ", ["ls -la"]),
        ("make && ", ["make &&", "make"]),
    ],
)
def test_split_shell(command: str, expected: list[str]) -> None:
    assert split_shell(command) == expected


@pytest.mark.parametrize(
    ("raw", "pattern", "expected"),
    [
        (tool_event("Bash", {"command": "cd x && pytest -q"}), "pytest*", True),
        (tool_event("Bash", {"command": "cd x && pytest -q"}), "cd *", True),
        (tool_event("Bash", {"command": "cd x && pytest -q"}), "rm*", False),
        (tool_event("Bash", {"command": "echo ok; rm -rf build"}), "rm -rf *", True),
        (tool_event("Bash", {"command": "git log | head"}), "head", True),
        (tool_event("PowerShell", {"command": "Set-Location x; pytest -q"}), "pytest*", True),
        # only shell tools have commands
        (tool_event("Write", {"command": "pytest -q", "file_path": "a"}), "pytest*", False),
        (tool_event("bash", {"command": "pytest -q"}), "pytest*", False),
        (tool_event("Bash", {"command": ["pytest"]}), "pytest*", False),
        (batch(("Read", {"file_path": "a"}), ("Bash", {"command": "pytest -x"})), "pytest*", True),
        (batch(("Read", {"file_path": "a"}), ("Write", {"file_path": "b"})), "*", False),
    ],
)
def test_event_commands(raw: dict[str, Any], pattern: str, expected: bool) -> None:
    assert any(wildcard_match(pattern, c) for c in event_commands(raw)) is expected


def test_event_commands_of_captured_payloads() -> None:
    assert event_commands(real("PreToolUse", "Bash")) == ["echo hello-from-bash"]
    assert event_commands(real("PreToolUse", "Write")) == []
    assert event_commands(real("Stop")) == []


# -- handler_accepts, end to end --------------------------------------------------


def test_declaration_shape_matches_the_manifest() -> None:
    decl = declare(
        matcher="Edit|Write", paths="*.py", commands=["pytest*", "tox*"], fields={"a.b": True, "c": [1, 2]}
    )
    assert decl == {
        "matcher": ("exact", ("Edit", "Write")),
        "paths": ("*.py",),
        "commands": ("pytest*", "tox*"),
        "fields": (("a.b", (True,)), ("c", (1, 2))),
    }


@pytest.mark.parametrize("raw", PAYLOADS, ids=lambda p: p["hook_event_name"])
def test_a_handler_without_matchers_accepts_every_event(raw: dict[str, Any]) -> None:
    assert accepts(declare(), raw) is True
    assert accepts(declare(matcher="*"), raw) is True


WRITE = real("PreToolUse", "Write")  # /home/user/proj/notes.txt
BASH = real("PreToolUse", "Bash")  # echo hello-from-bash
EDIT = real("PreToolUse", "Edit")  # .specweave/.../tasks.md, replace_all false


@pytest.mark.parametrize(
    ("options", "raw", "expected"),
    [
        ({"matcher": "Edit|Write"}, WRITE, True),
        ({"matcher": "Edit|Write"}, BASH, False),
        ({"matcher": "write"}, WRITE, False),
        ({"matcher": "Wr.*"}, WRITE, True),
        ({"paths": "*.txt"}, WRITE, True),
        ({"paths": ["*.py", "*.txt"]}, WRITE, True),
        ({"paths": "*.py"}, WRITE, False),
        ({"paths": "*.txt"}, BASH, False),
        ({"paths": ".specweave/**/tasks.md"}, EDIT, True),
        ({"paths": "/home/user/proj/*.txt"}, WRITE, True),
        ({"commands": "echo *"}, BASH, True),
        ({"commands": "rm *"}, BASH, False),
        ({"commands": "*"}, WRITE, False),
        # AND across kinds: every declared kind must accept
        ({"matcher": "Write", "paths": "*.txt"}, WRITE, True),
        ({"matcher": "Write", "paths": "*.py"}, WRITE, False),
        ({"matcher": "Edit", "paths": "*.txt"}, WRITE, False),
        ({"matcher": "Bash", "commands": "echo*"}, BASH, True),
        ({"matcher": "Bash", "commands": "rm*"}, BASH, False),
        ({"matcher": "Read", "commands": "echo*"}, BASH, False),
        ({"matcher": "Bash", "commands": "echo*", "fields": {"permission_mode": "default"}}, BASH, True),
        ({"matcher": "Bash", "commands": "echo*", "fields": {"permission_mode": "plan"}}, BASH, False),
        ({"paths": "*.md", "fields": {"tool_input.replace_all": False}}, EDIT, True),
        ({"paths": "*.md", "fields": {"tool_input.replace_all": True}}, EDIT, False),
        # dotted fields
        ({"fields": {"effort.level": ["low", "medium"]}}, BASH, True),
        ({"fields": {"effort.level": "high"}}, BASH, False),
        ({"fields": {"tool_input.command": "echo hello-from-bash"}}, BASH, True),
        ({"fields": {"tool_input.command.x": "echo hello-from-bash"}}, BASH, False),
        ({"fields": {"tool_name": "Bash", "cwd": "/elsewhere"}}, BASH, False),
        ({"fields": {"tool_name": ["Read", "Bash"], "cwd": PROJ}}, BASH, True),
    ],
)
def test_handler_accepts_tool_events(options: dict[str, Any], raw: dict[str, Any], expected: bool) -> None:
    assert accepts(declare(**options), raw) is expected


@pytest.mark.parametrize(
    ("value", "wanted", "expected"),
    [
        (True, True, True),
        (1, True, False),
        (True, 1, False),
        (False, 0, False),
        (0, False, False),
        (False, False, True),
        (1, 1, True),
        (2, [1, 2], True),
        (1, [True, 2], False),
        (True, [1, True], True),
        ("1", 1, False),
    ],
)
def test_fields_do_not_confuse_bools_and_ints(value: object, wanted: object, expected: bool) -> None:
    raw = tool_event("Edit", {"file_path": "a.py", "replace_all": value})
    assert accepts(declare(fields={"tool_input.replace_all": wanted}), raw) is expected


def test_relative_file_path_is_resolved_against_cwd_before_matching() -> None:
    raw = tool_event("Write", {"file_path": "x.py"}, cwd=f"{PROJ}/sub")
    assert accepts(declare(paths="sub/*.py"), raw) is True
    assert accepts(declare(paths="./x.py"), raw) is False
    assert accepts(declare(paths="./x.py"), raw, roots=(PROJ, f"{PROJ}/sub")) is True
    outside = tool_event("Write", {"file_path": "../../elsewhere/x.py"})
    assert accepts(declare(paths="**/x.py"), outside) is False
    assert accepts(declare(paths="x.py"), outside) is True


@pytest.mark.parametrize(
    ("matcher", "file_path", "expected"),
    [
        ("Makefile", f"{PROJ}/Makefile", True),
        ("Makefile", f"{PROJ}/sub/dir/Makefile", True),
        ("Makefile", f"{PROJ}/Makefile.bak", False),
        ("envrc|Makefile", f"{PROJ}/Makefile", True),
        ("proj", f"{PROJ}/Makefile", False),
        ("Makefile", "C:\\proj\\Makefile", True),
        (".envrc|.env", f"{PROJ}/.env", True),
        (".envrc|.env", f"{PROJ}/.envrc", True),
    ],
)
def test_file_changed_matcher_tests_the_file_name(matcher: str, file_path: str, expected: bool) -> None:
    assert accepts(declare(matcher=matcher), file_changed(file_path)) is expected


@pytest.mark.parametrize(
    ("matcher", "file_path"),
    [
        (".env", f"{PROJ}/.env.local"),
        (".envrc|.env", f"{PROJ}/my.envrc"),
        (".env", f"{PROJ}/xenv"),
    ],
)
def test_file_changed_matcher_names_are_literal(matcher: str, file_path: str) -> None:
    """Claude Code splits a FileChanged matcher on '|' into literal file names."""
    assert routed("hookmux_file_changed", file_changed(file_path), matcher=matcher) is False
    name = file_path.rsplit("/", 1)[1].removeprefix("my")
    assert routed("hookmux_file_changed", file_changed(f"{PROJ}/sub/{name}"), matcher=f"{name}|x") is True


@pytest.mark.parametrize(
    ("options", "raw", "expected"),
    [
        ({"matcher": "Edit|Write"}, batch(("Read", {"file_path": "a"}), ("Write", {"file_path": "b"})), True),
        ({"matcher": "Edit|Write"}, batch(("Read", {"file_path": "a"}), ("Bash", {"command": "ls"})), False),
        ({"matcher": "mcp__.*"}, batch(("Read", {}), ("mcp__memory__read", {})), True),
        ({"matcher": "Write"}, batch(), False),
        (
            {"paths": "src/*.py"},
            batch(("Read", {"file_path": "README"}), ("Edit", {"file_path": "src/a.py"})),
            True,
        ),
        (
            {"paths": "src/*.py"},
            batch(("Read", {"file_path": "README"}), ("Edit", {"file_path": "a.py"})),
            False,
        ),
        ({"commands": "pytest*"}, batch(("Read", {"file_path": "a"}), ("Bash", {"command": "pytest"})), True),
        ({"matcher": "Read"}, real("PostToolBatch"), True),
        ({"matcher": "Bash"}, real("PostToolBatch"), False),
    ],
)
def test_post_tool_batch_matches_when_any_call_matches(
    options: dict[str, Any], raw: dict[str, Any], expected: bool
) -> None:
    assert accepts(declare(**options), raw) is expected


@pytest.mark.parametrize(
    ("event", "matcher", "expected"),
    [
        ("SessionStart", "startup|resume", True),
        ("SessionStart", "clear", False),
        ("SessionStart", "Startup", False),
        ("SessionEnd", "other", True),
        ("SessionEnd", "logout", False),
    ],
)
def test_matcher_on_other_events_uses_their_matcher_field(event: str, matcher: str, expected: bool) -> None:
    assert accepts(declare(matcher=matcher), real(event)) is expected


@pytest.mark.parametrize("event", ["UserPromptSubmit", "Stop"])
def test_matcher_on_an_event_without_matcher_support_is_ignored(event: str) -> None:
    """Claude Code ignores such a matcher; hookmux runs the handler too, and reports the mistake."""
    assert MATCHER_FIELD[event] is None
    assert routed(hookspec_name(event), real(event), matcher="Bash") is True
    manifest = build_manifest([probe_plugin(hookspec_name(event), matcher="Bash")])
    assert manifest["plugins"]["probe"]["problems"] == [
        f"handler: matcher ignored, {event} events have no matcher field (use fields= to filter them)"
    ]


def probe_plugin(hook: str, **declaration: Any) -> tuple[str, str, None, None, Any]:
    def handler() -> None:
        return None

    plugin = types.SimpleNamespace(**{hook: hookimpl(handler, **declaration)})
    return ("probe", "<probe>", None, None, lambda: plugin)


def routed(hook: str, raw: dict[str, Any], **declaration: Any) -> bool:
    """Whether the real discovery + hot-path matching route ``raw`` to a handler declared so."""
    manifest = build_manifest([probe_plugin(hook, **declaration)])
    return bool(matching_handlers(raw, manifest, environ={}))


def test_a_remembered_path_match_is_remembered_per_project_root() -> None:
    # The same glob and file answer differently from another project root; the second
    # asking (remembered) answers as the first did.
    for _ in range(2):
        assert any_path_matches(["src/*.py"], ["/p/src/a.py"], ("/p",))
        assert not any_path_matches(["src/*.py"], ["/p/src/a.py"], ("/q",))
        assert not any_path_matches(["src/*.py", "*.md"], ["/p/src/a.txt", "/q/src/b.py"], ("/p",))
        assert any_path_matches(["src/*.py", "*.md"], ["/p/src/a.txt", "/x/README.md"], ("/p",))
