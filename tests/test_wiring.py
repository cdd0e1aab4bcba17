"""What `hookmux install` writes, computed from real plugin objects (hookmux.agents.claude.wiring)."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

import pytest

from hookmux import hookimpl
from hookmux.agents.claude.wiring import (
    Wiring,
    WiringError,
    apply_wiring,
    bash_rule,
    compute_wiring,
    event_budget,
    hookmux_handlers,
    is_hookmux_handler,
    path_rule,
    remove_wiring,
)
from hookmux.protocol.events import hookspec_name
from hookmux.routing.digest import routing_digest
from hookmux.routing.discovery import build_manifest

EXE = "/opt/venv/bin/hookmux"


def handler(event: str = "PreToolUse", name: str | None = None, **opts: Any) -> Any:
    spec = hookspec_name(event)

    def fn() -> None:
        return None

    fn.__name__ = name or spec
    return hookimpl(specname=spec, **opts)(fn)


def plugin(*handlers: Any, **attrs: Any) -> SimpleNamespace:
    return SimpleNamespace(**{h.__name__: h for h in handlers}, **attrs)


def manifest_of(**plugins: Any) -> dict[str, Any]:
    return build_manifest([(n, f"<test:{n}>", None, None, (lambda o=o: o)) for n, o in plugins.items()])


def wire(manifest: dict[str, Any], *, disabled: tuple[str, ...] = (), **kw: Any) -> Wiring:
    return compute_wiring(manifest, executable=EXE, enabled=lambda n: n not in disabled, **kw)


def plan(wiring: Wiring, event: str) -> list[tuple[str | None, str | None]]:
    """(matcher, if) per group of ``event``."""
    return [(g.get("matcher"), g["hooks"][0].get("if")) for g in wiring.events.get(event, [])]


# -- rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("globs", "rule"),
    [
        (["git push*"], "Bash(git push*)"),
        (["hmtest-deny*", "hmtest-rewrite*", "hmtest-crash*"], "Bash(hmtest-*)"),
        (["git push --force*", "git push -f*"], "Bash(git push -*)"),
        (["make"], "Bash(make*)"),  # an exact command: the rule is a prefix, broader
        (["rm -rf *"], "Bash(rm -rf *)"),
        (['echo "a*'], "Bash(echo *)"),  # cut before a quote: Claude Code tests unquoted words
        (["cat x > out*"], "Bash(cat x *)"),  # cut before a redirection: Claude Code drops those
        (["git  push*"], "Bash(git*)"),  # Claude Code normalises runs of spaces
        (["ls | grep x*"], "Bash(ls *)"),
    ],
)
def test_bash_rule_is_a_literal_prefix_claude_code_sees(globs: list[str], rule: str) -> None:
    assert bash_rule(globs) == rule


@pytest.mark.parametrize(
    "globs",
    [
        ["*hmtest-context*"],  # a leading wildcard could sit in a redirection target Claude Code drops
        ["FOO=1 make*"],  # Claude Code strips leading assignments before matching
        ["git push*", "rm -rf*"],  # nothing in common: one rule cannot cover both
        ["?it*"],
        [" git*"],
        [],
    ],
)
def test_bash_rule_refuses_what_claude_code_would_not_match(globs: list[str]) -> None:
    assert bash_rule(globs) is None


@pytest.mark.parametrize(
    ("tool", "globs", "rule"),
    [
        ("Edit", ["*.py"], "Edit(//**/*.py)"),  # a name at any depth, anywhere, like hookmux
        ("Write", ["src/**"], "Write(//**/src/**)"),  # relative to any root (project or cwd)
        ("Edit", ["./src/*.py", "src/*.py"], "Edit(//**/src/*.py)"),
        ("Edit", ["**/*.ts"], "Edit(//**/*.ts)"),
        ("Read", ["/etc/*"], "Read(//etc/*)"),  # absolute
        ("NotebookEdit", ["*.ipynb"], "NotebookEdit(//**/*.ipynb)"),
        ("Edit", ["*.py", "*.pyi"], "Edit(//**/*.py*)"),  # several globs: their common literal
        ("Edit", ["src/**/*.py", "src/**/*.ts"], "Edit(//**/*src*)"),  # a directory covers its files
        ("Edit", ["[ab].py"], "Edit(//**/*.py*)"),  # classes are not copied
        ("Edit", ["my file.txt"], "Edit(//**/*file.txt*)"),
    ],
)
def test_path_rule_anchors_globs_at_the_root(tool: str, globs: list[str], rule: str) -> None:
    assert path_rule(tool, globs) == rule


def test_path_rule_without_a_common_literal_gives_up() -> None:
    assert path_rule("Edit", ["*.py", "Makefile"]) is None
    assert path_rule("Edit", ["*"]) is None


# -- entries --------------------------------------------------------------------


def test_events_no_plugin_handles_are_not_wired_but_session_start_always_is() -> None:
    wiring = wire(manifest_of())
    assert list(wiring.events) == ["SessionStart"]
    assert plan(wiring, "SessionStart") == [("startup", None)]
    assert wiring.handled == ()


def test_each_entry_is_the_exec_form_command_with_deadline_and_digest() -> None:
    manifest = manifest_of(guard=plugin(handler(matcher="Bash", commands=["git push*"])))
    wiring = wire(manifest)
    (group,) = wiring.events["PreToolUse"]
    assert group == {
        "matcher": "Bash",
        "hooks": [
            {
                "type": "command",
                "command": EXE,
                "args": ["run", "--deadline=10.4", f"--wiring={manifest['wiring']}"],
                "timeout": 13,
                "if": "Bash(git push*)",
            }
        ],
    }
    assert wiring.digest == manifest["wiring"] == routing_digest(manifest)


def test_file_tools_get_one_rule_each_because_an_edit_rule_does_not_cover_write() -> None:
    manifest = manifest_of(
        py=plugin(handler("PostToolUse", matcher="Edit|Write|MultiEdit", paths=["*.py"])),
    )
    assert plan(wire(manifest), "PostToolUse") == [
        ("MultiEdit", None),  # no verified rule for this tool
        ("Edit", "Edit(//**/*.py)"),
        ("Write", "Write(//**/*.py)"),
    ]


def test_one_unconditional_handler_takes_the_rule_away_from_its_tool() -> None:
    """Handlers differing only in `if` both run: a tool is in exactly one group."""
    manifest = manifest_of(
        guard=plugin(handler(matcher="Bash", commands=["git push*"])),
        logger=plugin(handler(matcher="Bash|Edit")),
        py=plugin(handler(matcher="Edit|Write", paths=["*.py"])),
    )
    assert plan(wire(manifest), "PreToolUse") == [("Bash|Edit", None), ("Write", "Write(//**/*.py)")]


def test_rules_of_several_plugins_on_one_tool_are_generalised_into_one() -> None:
    manifest = manifest_of(
        push=plugin(handler(matcher="Bash", commands=["git push*"])),
        commit=plugin(handler(matcher="Bash", commands=["git commit*"])),
    )
    assert plan(wire(manifest), "PreToolUse") == [("Bash", "Bash(git *)")]


def test_commands_without_a_matcher_mean_the_shell_tools() -> None:
    manifest = manifest_of(guard=plugin(handler(commands=["rm -rf*"])))
    assert plan(wire(manifest), "PreToolUse") == [("PowerShell", None), ("Bash", "Bash(rm -rf*)")]


def test_command_globs_never_match_file_tools_so_those_are_left_out() -> None:
    manifest = manifest_of(guard=plugin(handler(matcher="Bash|Edit", commands=["rm*"])))
    assert plan(wire(manifest), "PreToolUse") == [("Bash", "Bash(rm*)")]


def test_a_regex_matcher_that_may_reach_a_tool_keeps_that_tool_unfiltered() -> None:
    manifest = manifest_of(
        mcp=plugin(handler(matcher="^mcp__.*")),
        anyb=plugin(handler(matcher="^B")),
        guard=plugin(handler(matcher="Bash|Write", commands=["git*"], paths=["*.md"])),
        edit=plugin(handler(matcher="Edit", paths=["*.md"])),
    )
    wiring = wire(manifest)
    matcher, rule = plan(wiring, "PreToolUse")[0]
    assert rule is None
    assert matcher == "^(?:Bash)$|(?:^B)|(?:^mcp__.*)"  # in handler order
    assert plan(wiring, "PreToolUse")[1:] == [("Edit", "Edit(//**/*.md)")]


def test_paths_without_a_matcher_wire_every_tool_and_say_why() -> None:
    manifest = manifest_of(docs=plugin(handler(paths=["*.md"])))
    wiring = wire(manifest)
    assert plan(wiring, "PreToolUse") == [(None, None)]
    assert any("docs.hookmux_pre_tool_use" in n and "matcher such as 'Edit|Write'" in n for n in wiring.notes)


def test_python_only_regex_becomes_a_catch_all_rather_than_a_matcher_claude_code_cannot_compile() -> None:
    manifest = manifest_of(x=plugin(handler(matcher="(?i)^bash$")))
    assert plan(wire(manifest), "PreToolUse") == [(None, None)]


def test_if_only_on_the_tool_events_claude_code_evaluates_it_on() -> None:
    manifest = manifest_of(
        denied=plugin(handler("PermissionDenied", matcher="Bash", commands=["git*"])),
        asked=plugin(handler("PermissionRequest", matcher="Bash", commands=["git*"])),
        failed=plugin(handler("PostToolUseFailure", matcher="Bash", commands=["pytest*"])),
    )
    wiring = wire(manifest)
    assert plan(wiring, "PermissionDenied") == [("Bash", None)]
    assert plan(wiring, "PermissionRequest") == [("Bash", "Bash(git*)")]
    assert plan(wiring, "PostToolUseFailure") == [("Bash", "Bash(pytest*)")]


def test_fields_cannot_be_a_rule() -> None:
    manifest = manifest_of(x=plugin(handler(matcher="Agent", fields={"tool_input.subagent_type": "x"})))
    assert plan(wire(manifest), "PreToolUse") == [("Agent", None)]


def test_other_events_take_the_union_of_the_matchers() -> None:
    manifest = manifest_of(
        a=plugin(handler("Notification", matcher="permission_prompt")),
        b=plugin(handler("Notification", matcher="idle_prompt|permission_prompt")),
        c=plugin(handler("SessionStart", matcher="resume")),
        d=plugin(handler("Stop")),
        e=plugin(handler("FileChanged", matcher=".envrc|.env")),
    )
    wiring = wire(manifest)
    assert plan(wiring, "Notification") == [("idle_prompt|permission_prompt", None)]
    assert plan(wiring, "SessionStart") == [("resume|startup", None)]  # startup: the staleness check
    assert plan(wiring, "Stop") == [(None, None)]
    assert plan(wiring, "FileChanged") == [(".env|.envrc", None)]
    assert set(wiring.handled) == {"Notification", "SessionStart", "Stop", "FileChanged"}


def test_a_catch_all_session_start_handler_removes_the_matcher() -> None:
    manifest = manifest_of(c=plugin(handler("SessionStart")))
    assert plan(wire(manifest), "SessionStart") == [(None, None)]


def test_disabled_and_broken_plugins_are_not_wired() -> None:
    def broken() -> Any:
        raise ImportError("missing dependency")

    manifest = build_manifest(
        [
            ("off", "<test:off>", None, None, lambda: plugin(handler("Stop"))),
            ("bad", "<test:bad>", None, None, broken),
        ]
    )
    assert list(wire(manifest, disabled=("off",)).events) == ["SessionStart"]
    assert "Stop" in wire(manifest).events


# -- timeouts -------------------------------------------------------------------


def test_timeout_is_the_sum_of_budgets_plus_margin_and_the_deadline_answers_in_time() -> None:
    manifest = manifest_of(
        a=plugin(handler(matcher="Bash", timeout=30)),
        b=plugin(handler(matcher="Bash")),  # the default handler_timeout
        c=plugin(handler(matcher="Bash", timeout=1, background=True)),  # runs after the answer
    )
    (group,) = wire(manifest, handler_timeout=10).events["PreToolUse"]
    handler_ = group["hooks"][0]
    assert handler_["timeout"] == 50  # 40 s of handlers is 80 % of it
    assert "--deadline=40" in handler_["args"]


@pytest.mark.parametrize(
    ("event", "budgets", "timeout", "deadline"),
    [
        ("Stop", [], 5, 3.0),
        ("Stop", [0.5], 5, 3.0),
        ("Stop", [10.0, 10.0], 25, 20.0),
        ("Stop", [500.0], 120, 96.0),  # capped at 2 minutes
        ("UserPromptSubmit", [10.0, 10.0, 10.0], 30, 24.0),  # Claude Code's 30 s: the user waits
        ("MessageDisplay", [10.0], 10, 8.0),
        ("SessionEnd", [10.0], 5, 3.0),  # a SessionEnd timeout delays Claude Code's exit
    ],
)
def test_event_budget(event: str, budgets: list[float], timeout: int, deadline: float) -> None:
    handlers = [{"timeout": b} for b in budgets]
    assert event_budget(event, handlers, 10.0) == (timeout, deadline)
    assert deadline < timeout


def test_configured_deadline_sets_the_budget() -> None:
    assert event_budget("Stop", [{"timeout": None}] * 5, 10.0, deadline=4.0) == (6, 4.0)


# -- digest ---------------------------------------------------------------------


def test_digest_changes_with_routing_not_with_priority() -> None:
    base = manifest_of(a=plugin(handler(matcher="Bash", commands=["git*"], priority=10)))
    same = manifest_of(a=plugin(handler(matcher="Bash", commands=["git*"], priority=90)))
    other = manifest_of(a=plugin(handler(matcher="Bash", commands=["git push*"])))
    more = manifest_of(a=plugin(handler(matcher="Bash", commands=["git*"])), b=plugin(handler("Stop")))
    assert base["wiring"] == same["wiring"] == routing_digest(base)
    assert len({base["wiring"], other["wiring"], more["wiring"]}) == 3


# -- status line ----------------------------------------------------------------


def test_a_plugin_status_line_is_run_through_the_hookmux_executable() -> None:
    manifest = manifest_of(
        spec=plugin(handler("Stop"), HOOKMUX_STATUSLINE=["spec", "line"]),
        bad=plugin(handler("Stop"), HOOKMUX_STATUSLINE="not a list"),
    )
    assert manifest["plugins"]["bad"]["statusline"] is None
    assert any("HOOKMUX_STATUSLINE ignored" in p for p in manifest["plugins"]["bad"]["problems"])
    wiring = wire(manifest)
    assert wiring.statusline == {"type": "command", "command": f"{EXE} spec line"}
    assert wire(manifest, disabled=("spec",)).statusline is None


# -- settings -------------------------------------------------------------------

FOREIGN = {"type": "command", "command": "/usr/local/bin/lint-on-save", "timeout": 20}
USER_STATUSLINE = {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0}


def existing_settings() -> dict[str, Any]:
    """A settings file a user really has: permissions, env, a statusLine, foreign hooks,
    and a hand-wired `hookmux run` sharing a matcher group with a foreign hook."""
    return {
        "$schema": "https://json.schemastore.org/claude-code-settings.json",
        "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
        "env": {"FOO": "bar"},
        "statusLine": copy.deepcopy(USER_STATUSLINE),
        "hooks": {
            "PostToolUse": [
                {"matcher": "Edit|Write", "hooks": [copy.deepcopy(FOREIGN)]},
                {
                    "matcher": "Bash",
                    "hooks": [
                        {"type": "command", "command": "hookmux run", "timeout": 30},
                        {"type": "command", "command": "notify-send", "args": ["bash ran"]},
                    ],
                },
            ],
            "Stop": [{"hooks": [{"type": "prompt", "prompt": "Is the task done? $ARGUMENTS"}]}],
        },
        "model": "opus",
    }


@pytest.fixture
def wiring() -> Wiring:
    return wire(
        manifest_of(
            guard=plugin(handler(matcher="Bash", commands=["git push*"])),
            ctx=plugin(handler("PostToolUse", matcher="Bash")),
        )
    )


def without_hookmux(settings: dict[str, Any]) -> dict[str, Any]:
    return remove_wiring(settings)


def test_apply_keeps_every_other_setting_and_foreign_hook(wiring: Wiring) -> None:
    before = existing_settings()
    new, notes = apply_wiring(before, wiring)
    assert before == existing_settings()  # the input is not modified
    for key in ("$schema", "permissions", "env", "statusLine", "model"):
        assert new[key] == before[key]
    assert list(new) == list(before)  # key order kept
    post = new["hooks"]["PostToolUse"]
    assert post[0] == {"matcher": "Edit|Write", "hooks": [FOREIGN]}
    # hookmux's new entry takes the place of the hand-wired one; its neighbour stays
    assert post[1] == wiring.events["PostToolUse"][0]
    assert post[2] == {
        "matcher": "Bash",
        "hooks": [{"type": "command", "command": "notify-send", "args": ["bash ran"]}],
    }
    assert new["hooks"]["Stop"] == before["hooks"]["Stop"]
    assert new["hooks"]["PreToolUse"] == wiring.events["PreToolUse"]
    assert new["hooks"]["SessionStart"] == wiring.events["SessionStart"]
    assert notes == []


def test_apply_is_idempotent(wiring: Wiring) -> None:
    once, _ = apply_wiring(existing_settings(), wiring)
    twice, _ = apply_wiring(once, wiring)
    assert twice == once
    assert json.dumps(twice) == json.dumps(once)  # same order too


def test_reinstall_replaces_entries_of_plugins_that_left(wiring: Wiring) -> None:
    once, _ = apply_wiring(existing_settings(), wiring)
    smaller = wire(manifest_of(ctx=plugin(handler("PostToolUse", matcher="Bash"))))
    again, _ = apply_wiring(once, smaller)
    assert "PreToolUse" not in again["hooks"]
    assert [h for _, _, h in hookmux_handlers(again)] == [
        g["hooks"][0] for gs in smaller.events.values() for g in gs
    ]


def test_uninstall_removes_exactly_hookmux(wiring: Wiring) -> None:
    installed, _ = apply_wiring(existing_settings(), wiring)
    removed = remove_wiring(installed)
    expected = existing_settings()
    # the hand-wired `hookmux run` is hookmux's too; its neighbour keeps the group
    expected["hooks"]["PostToolUse"][1]["hooks"] = [
        {"type": "command", "command": "notify-send", "args": ["bash ran"]}
    ]
    assert removed == expected
    assert hookmux_handlers(removed) == []


def test_uninstall_of_a_file_hookmux_created_leaves_nothing(wiring: Wiring) -> None:
    installed, _ = apply_wiring({}, wiring)
    assert remove_wiring(installed) == {}


def test_status_line_set_only_when_none_is_configured() -> None:
    wiring = wire(manifest_of(spec=plugin(handler("Stop"), HOOKMUX_STATUSLINE=["spec", "line"])))
    new, notes = apply_wiring({}, wiring)
    assert new["statusLine"] == wiring.statusline
    kept, notes = apply_wiring(existing_settings(), wiring)
    assert kept["statusLine"] == USER_STATUSLINE
    assert notes and "--force" in notes[0]
    forced, notes = apply_wiring(existing_settings(), wiring, force_statusline=True)
    assert forced["statusLine"] == wiring.statusline
    assert remove_wiring(forced).get("statusLine") is None  # uninstall removes hookmux's own
    gone, _ = apply_wiring(new, wire(manifest_of()))  # the plugin left: so does its status line
    assert "statusLine" not in gone


@pytest.mark.parametrize(
    "settings",
    [{"hooks": []}, {"hooks": {"SessionStart": {"matcher": "x"}}}],
)
def test_malformed_hooks_are_refused_not_overwritten(settings: dict[str, Any], wiring: Wiring) -> None:
    with pytest.raises(WiringError):
        apply_wiring(settings, wiring)


def test_malformed_foreign_entries_are_kept_untouched(wiring: Wiring) -> None:
    settings = {"hooks": {"Stop": "not a list", "PreToolUse": ["junk", {"matcher": "X"}]}}
    new, _ = apply_wiring(settings, wiring)
    assert new["hooks"]["Stop"] == "not a list"
    assert new["hooks"]["PreToolUse"][:2] == ["junk", {"matcher": "X"}]


@pytest.mark.parametrize(
    ("handler_", "ours"),
    [
        ({"type": "command", "command": "/v/bin/hookmux", "args": ["run", "--wiring=x"]}, True),
        ({"type": "command", "command": "hookmux run --deadline 3"}, True),
        ({"type": "command", "command": "C:\\venv\\Scripts\\hookmux.exe", "args": ["run"]}, True),
        ({"type": "command", "command": "/v/bin/hookmux", "args": ["doctor"]}, False),
        ({"type": "command", "command": "echo hookmux run"}, False),
        ({"type": "command", "command": "/usr/bin/env", "args": ["hookmux", "run"]}, False),
        ({"type": "http", "url": "http://127.0.0.1:9/hookmux"}, False),
        ({"type": "command", "command": "'unbalanced"}, False),
    ],
)
def test_what_counts_as_a_hookmux_handler(handler_: dict[str, Any], ours: bool) -> None:
    assert is_hookmux_handler(handler_) is ours
