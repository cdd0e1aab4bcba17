"""Trust: a repository's hookmux files cannot redirect, expose or weaken what the user set up.

Real files, the real trust store, the real ``hookmux`` console script; the test plugins
(alpha denies ``hmtest-deny``, has a ``greeting`` setting) stand in for a guard.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import attrs
import pytest
from test_install import Env

from hookmux.config import (
    DESTINATION,
    PLAIN,
    PROTECTION,
    CoreConfig,
    SettingsCache,
    key_sensitivity,
    load_settings,
)
from hookmux.state import trust
from hookmux.testing import HookmuxCLI, hookmux_executable, make_event


@pytest.fixture
def hm(hookmux_cli: HookmuxCLI, tmp_path: Path) -> Env:
    env = Env(hookmux_cli, tmp_path)
    env.extra.update(HOOKMUX_PLUGINS="alpha", HOOKMUX_MANAGED_CONFIG=str(tmp_path / "managed.toml"))
    return env


def environ(hm: Env) -> dict[str, str]:
    return {k: v for k, v in hm.env().items() if not k.startswith(("HOOKMUX_DISABLED", "CLAUDE_"))}


def user_file(hm: Env) -> Path:
    path = hm.cli.config_home / "hookmux" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def project_file(project: Path) -> Path:
    return project / ".claude" / "hookmux.toml"


def managed_file(hm: Env) -> Path:
    return Path(hm.extra["HOOKMUX_MANAGED_CONFIG"])


# -- hookmux trust ----------------------------------------------------------------------


def test_trust_records_each_file_privately_and_a_change_needs_trust_again(hm: Env, project: Path) -> None:
    shared = project_file(project)
    shared.write_text('[plugins.alpha]\ngreeting = "hi"\n')
    local = project / ".claude" / "hookmux.local.toml"
    local.write_text("[hookmux]\nstore_raw = true\n")
    result = hm("trust", "--project-dir", str(project), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [e["path"] for e in report["trusted"]] == [str(shared), str(local)]
    assert [k["key"] for k in report["now_applied"]] == ["hookmux.store_raw"]
    store = Path(trust.trust_dir(environ(hm)))
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    entries = sorted(store.glob("*.json"))
    assert len(entries) == 2 and all(stat.S_IMODE(e.stat().st_mode) == 0o600 for e in entries)

    assert load_settings(str(project), environ(hm)).core.store_raw is True
    local.write_text("[hookmux]\nstore_raw = true\n# one more line\n")
    assert load_settings(str(project), environ(hm)).core.store_raw is False

    listed = json.loads(hm("trust", "--list", "--json").stdout)
    assert {e["path"]: e["state"] for e in listed} == {str(shared): "trusted", str(local): "changed"}
    shared.unlink()
    assert "missing" in hm("trust", "--list").stdout

    revoked = hm("trust", "--revoke", "--project-dir", str(project))
    assert revoked.returncode == 0 and f"revoked: {local}" in revoked.stdout
    assert json.loads(hm("trust", "--list", "--json").stdout) == []


def test_trust_says_clearly_when_there_is_nothing_to_trust(hm: Env, project: Path) -> None:
    result = hm("trust", "--project-dir", str(project))
    assert result.returncode == 1
    assert "nothing to trust" in result.stderr and "Traceback" not in result.stderr
    both = hm("trust", "--revoke", "--list")
    assert both.returncode == 64 and "--revoke and --list do not go together" in both.stderr


def test_a_trusted_path_trusts_only_that_content(hm: Env, project: Path, tmp_path: Path) -> None:
    """The digest is of the content, the entry of the path and the content: a copy of a
    trusted file in another project, or another file with the same path's old content, is not trusted."""
    text = b"[hookmux]\nstore_raw = true\n"
    trust.trust(str(project_file(project)), text, environ(hm))
    directory = trust.trust_dir(environ(hm))
    assert trust.is_trusted(str(project_file(project)), text, directory)
    assert not trust.is_trusted(str(project_file(tmp_path / "other")), text, directory)
    assert not trust.is_trusted(str(project_file(project)), text + b" ", directory)


# -- the core's keys --------------------------------------------------------------------

#: Each sensitive [hookmux] key, with a value that weakens what the user set up.
CORE_SENSITIVE: dict[str, Any] = {
    "disabled": ["alpha"],
    "handler_timeout": 0.5,
    "deadline": 1.0,
    "store_raw": True,
    "retention_days": 3650.0,
    "breaker_threshold": 1,
    "breaker_cooldown": 86400.0,
    "breaker_window": 1,
    "breaker_max_failure_rate": 0.01,
    "serve_port": 61999,
}


def test_every_sensitive_core_key_is_reviewed_here() -> None:
    declared = {
        f.name
        for f in attrs.fields(CoreConfig)
        if f.metadata.get("hookmux_trust") in (DESTINATION, PROTECTION)
    }
    assert declared - {"required"} == set(CORE_SENSITIVE)


@pytest.mark.parametrize("key", sorted(CORE_SENSITIVE))
def test_a_sensitive_core_key_applies_from_a_project_only_once_trusted(
    hm: Env, project: Path, key: str
) -> None:
    value = CORE_SENSITIVE[key]
    default = getattr(CoreConfig(), key)
    env = environ(hm)

    def core_value() -> Any:
        found = getattr(load_settings(str(project), env).core, key)
        return list(found) if isinstance(found, tuple) else found

    shaped = list(default) if isinstance(default, tuple) else default
    line = f"[hookmux]\n{key} = {json.dumps(value)}\n"
    project_file(project).write_text(line)
    assert core_value() == shaped
    ignored = load_settings(str(project), env).ignored
    assert [(i.key, i.file, i.in_force) for i in ignored] == [
        (f"hookmux.{key}", str(project_file(project)), "default")
    ]
    assert hm("trust", "--project-dir", str(project)).returncode == 0
    assert core_value() == value
    project_file(project).write_text(line + "\n")
    assert core_value() == shaped
    project_file(project).unlink()
    user_file(hm).write_text(line)
    assert core_value() == value
    project_file(project).write_text(line)
    hm("trust", "--project-dir", str(project))
    managed = shaped if default is not None else value + 1  # deadline, serve_port: no default to write
    managed_file(hm).write_text(f"[hookmux]\n{key} = {json.dumps(managed)}\n")
    assert core_value() == managed
    assert load_settings(str(project), env).sources[f"hookmux.{key}"] == str(managed_file(hm))


def test_plain_keys_and_safer_values_apply_from_an_untrusted_project(hm: Env, project: Path) -> None:
    user_file(hm).write_text('[hookmux]\nstore_raw = true\ndisabled = ["alpha", "beta"]\n')
    project_file(project).write_text('[hookmux]\ndedupe_ttl = 9\nstore_raw = false\ndisabled = ["beta"]\n')
    settings = load_settings(str(project), environ(hm))
    assert settings.core.dedupe_ttl == 9.0  # plain
    assert settings.core.store_raw is False  # storing less is safer
    assert settings.core.disabled == ("beta",)  # re-enabling alpha, turning nothing more off
    assert settings.ignored == ()


def test_turning_a_plugin_off_needs_trust_turning_it_on_does_not(hm: Env, project: Path) -> None:
    user_file(hm).write_text("[plugins.beta]\nenabled = false\n")
    project_file(project).write_text("[plugins.alpha]\nenabled = false\n[plugins.beta]\nenabled = true\n")
    settings = load_settings(str(project), environ(hm))
    assert settings.plugin_enabled("alpha") and settings.plugin_enabled("beta")
    assert [i.key for i in settings.ignored] == ["plugins.alpha.enabled"]


def test_an_untrusted_project_cannot_switch_a_guard_off(hm: Env, project: Path) -> None:
    """The issue's case through the real `hookmux run`: disabled from the project file, the
    guard still denies; once trusted, the project's choice applies."""
    project_file(project).write_text('[hookmux]\ndisabled = ["alpha"]\n[plugins.alpha]\nenabled = false\n')
    event = make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": "hmtest-deny x"})
    denied = hm.cli.run(event, env=hm.extra)
    assert denied.output is not None, denied.stderr
    assert denied.output["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert hm("trust", "--project-dir", str(project)).returncode == 0
    assert hm.cli.run(event, env=hm.extra).stdout == b""


def test_a_bad_value_from_an_untrusted_project_is_left_out_not_the_plugin(hm: Env, project: Path) -> None:
    from hookmux_testplugins import alpha

    project_file(project).write_text('[plugins.alpha]\ngreeting = 5\nmood = "odd"\n')
    settings = load_settings(str(project), environ(hm))
    config, errors = settings.plugin_config("alpha", alpha.AlphaConfig)
    assert errors == [] and config.greeting == "alpha-context"
    left_out = settings.ignored_keys({"alpha": alpha.AlphaConfig})
    assert sorted(k.key for k in left_out) == ["plugins.alpha.greeting", "plugins.alpha.mood"]
    assert all("expected a string" in k.reason or "mood" in k.reason for k in left_out)
    hm("trust", "--project-dir", str(project))  # the user vouches for it: the plugin sits out
    assert load_settings(str(project), environ(hm)).plugin_config("alpha", alpha.AlphaConfig)[1]


# -- the managed file -------------------------------------------------------------------


def test_the_managed_file_wins_over_user_project_and_environment(hm: Env, project: Path) -> None:
    user_file(hm).write_text("[hookmux]\ndedupe_ttl = 5\n")
    project_file(project).write_text('[hookmux]\ndedupe_ttl = 6\n[plugins.alpha]\ngreeting = "project"\n')
    managed_file(hm).write_text('[hookmux]\ndedupe_ttl = 60\n[plugins.alpha]\ngreeting = "managed"\n')
    env = {**environ(hm), "HOOKMUX_DEDUPE_TTL": "7", "HOOKMUX__ALPHA__GREETING": "env"}
    settings = load_settings(str(project), env)
    assert settings.core.dedupe_ttl == 60.0
    assert settings.plugin_tables["alpha"]["greeting"] == "managed"
    assert settings.managed_files == (str(managed_file(hm)),)

    report = json.loads(hm("config", "show", "--project-dir", str(project), "--json").stdout)
    row = next(v for v in report["hookmux"] if v["key"] == "hookmux.dedupe_ttl")
    assert row == {
        "key": "hookmux.dedupe_ttl",
        "value": 60.0,
        "source": str(managed_file(hm)),
        "managed": True,
    }
    text = hm("config", "show", "--project-dir", str(project)).stdout
    assert "(managed: cannot be overridden)" in next(
        x for x in text.splitlines() if x.startswith("dedupe_ttl")
    )


def test_required_plugins_run_whatever_the_user_or_a_project_says(hm: Env, project: Path) -> None:
    managed_file(hm).write_text('[hookmux]\nrequired = ["alpha"]\n')
    user_file(hm).write_text('[hookmux]\ndisabled = ["alpha"]\n[plugins.alpha]\nenabled = false\n')
    project_file(project).write_text("[plugins.alpha]\nenabled = false\n")
    hm("trust", "--project-dir", str(project))
    assert load_settings(str(project), environ(hm)).plugin_enabled("alpha")
    event = make_event("PreToolUse", cwd=project, tool_name="Bash", tool_input={"command": "hmtest-deny x"})
    for variables in ({"HOOKMUX_DISABLED": "alpha"}, {"HOOKMUX_PLUGINS": "beta"}):
        run = hm.cli.run(event, env={**hm.extra, **variables})
        assert run.output is not None, (variables, run.stderr)
        assert run.output["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_only_the_managed_file_requires_plugins(hm: Env, project: Path) -> None:
    user_file(hm).write_text('[hookmux]\nrequired = ["alpha"]\n')
    settings = load_settings(str(project), environ(hm))
    assert settings.core.required == ()
    assert any("hookmux.required: only the managed file" in e for e in settings.errors)


# -- config show, the notice ------------------------------------------------------------


def test_config_show_marks_each_ignored_key(hm: Env, project: Path) -> None:
    project_file(project).write_text(
        '[hookmux]\nstore_raw = true\n[plugins.alpha]\ngreeting = "/etc/passwd"\n'
    )
    report = json.loads(hm("config", "show", "--project-dir", str(project), "--json").stdout)
    assert {i["key"] for i in report["ignored"]} == {"hookmux.store_raw", "plugins.alpha.greeting"}
    assert report["trust_command"] == f"hookmux trust --project-dir {project}"
    values = {v["key"]: v for v in report["hookmux"]}
    for plugin in report["plugins"].values():
        values.update({v["key"]: v for v in plugin["values"]})
    assert values["hookmux.store_raw"]["value"] is False
    assert values["hookmux.store_raw"]["ignored"]["sensitivity"] == "protection"
    greeting = values["plugins.alpha.greeting"]
    assert (greeting["value"], greeting["source"]) == ("alpha-context", "default")
    assert greeting["ignored"] == {"file": str(project_file(project)), "value": "/etc/passwd",
                                   "sensitivity": "destination"}  # fmt: skip
    text = hm("config", "show", "--project-dir", str(project)).stdout
    assert "untrusted protection" in text and f"hookmux trust --project-dir {project}" in text


def session_start(hm: Env, project: Path, session: str) -> str | None:
    run = hm.cli.run(make_event("SessionStart", cwd=project, session_id=session), env=hm.extra)
    assert run.returncode == 0, run.stderr
    return run.output.get("systemMessage") if run.output else None


def test_the_user_is_told_once_per_session_and_file(hm: Env, project: Path) -> None:
    project_file(project).write_text("[hookmux]\nstore_raw = true\ndedupe_ttl = 5\n")
    first = session_start(hm, project, "s1")
    assert first is not None and "\n" not in first
    assert f"ignored hookmux.store_raw from {project_file(project)}" in first
    assert "dedupe_ttl" not in first and f"hookmux trust --project-dir {project}" in first
    assert session_start(hm, project, "s1") is None  # once per session (resume, compact)
    assert session_start(hm, project, "s2") is not None  # a new session is told
    project_file(project).write_text("[hookmux]\nstore_raw = true\ndedupe_ttl = 6\n")
    assert session_start(hm, project, "s1") is not None  # the file changed: told again
    hm("trust", "--project-dir", str(project))
    assert session_start(hm, project, "s3") is None


def test_only_the_user_can_silence_the_notice(hm: Env, project: Path) -> None:
    project_file(project).write_text(
        "[hookmux]\nstore_raw = true\n[plugins.hookmux-trust]\nenabled = false\n"
    )
    assert session_start(hm, project, "s1") is not None
    user_file(hm).write_text("[plugins.hookmux-trust]\nenabled = false\n")
    assert session_start(hm, project, "s2") is None
    report = json.loads(hm("config", "show", "--project-dir", str(project), "--json").stdout)
    assert not [e for e in report["errors"] if "hookmux-trust" in e]  # a built-in, not a missing plugin


def test_no_notice_without_sensitive_keys(hm: Env, project: Path) -> None:
    project_file(project).write_text('[hookmux]\ndedupe_ttl = 5\n[plugins.alpha]\ngreeting = "hello"\n')
    assert session_start(hm, project, "s1") is None


# -- guessing undeclared keys, the daemon's cache ---------------------------------------


def test_undeclared_paths_and_urls_are_destinations() -> None:
    @attrs.frozen
    class Undeclared:
        log_dir: str = ""
        endpoint: str = ""
        where: Path = Path()
        mode: str = "fast"
        count: int = 1
        marked: str = attrs.field(default="", metadata={"hookmux_trust": "plain"})

    fields = attrs.fields_dict(Undeclared)
    assert key_sensitivity(fields["log_dir"], "log_dir", "x") == DESTINATION
    assert key_sensitivity(fields["endpoint"], "endpoint", "x") == DESTINATION
    assert key_sensitivity(fields["where"], "where", "x") == DESTINATION
    assert key_sensitivity(fields["mode"], "mode", "https://127.0.0.1:9/") == DESTINATION
    assert key_sensitivity(fields["mode"], "mode", "~/notes") == DESTINATION
    assert key_sensitivity(fields["mode"], "mode", "../../outside") == DESTINATION
    assert key_sensitivity(fields["mode"], "mode", ["a", "x/../../y"]) == DESTINATION
    assert key_sensitivity(fields["mode"], "mode", "slow") == PLAIN
    assert key_sensitivity(fields["count"], "count", 3) == PLAIN
    assert key_sensitivity(fields["marked"], "marked", "/tmp/x") == PLAIN
    assert key_sensitivity(None, "upload_url", "x") == DESTINATION


@pytest.mark.parametrize("watch", [False, True])
def test_the_daemons_settings_follow_trust_at_once(hm: Env, project: Path, watch: bool) -> None:
    cache = SettingsCache(watch=watch)
    cache.SETTLED = 0.0
    env = environ(hm)
    project_file(project).write_text("[hookmux]\nstore_raw = true\n")
    os.utime(project_file(project), (1, 1))
    assert cache.load(str(project), env).core.store_raw is False
    assert hm("trust", "--project-dir", str(project)).returncode == 0
    assert cache.load(str(project), env).core.store_raw is True
    assert hm("trust", "--revoke", "--project-dir", str(project)).returncode == 0
    assert cache.load(str(project), env).core.store_raw is False


def test_trust_is_checked_only_for_a_sensitive_key(hm: Env, project: Path) -> None:
    """A project file of plain keys costs no look at the trust store."""
    store = Path(trust.trust_dir(environ(hm)))
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text("not a directory")  # any lookup in it would fail to find an entry, harmlessly
    project_file(project).write_text("[hookmux]\ndedupe_ttl = 5\n")
    settings = load_settings(str(project), environ(hm))
    assert settings._trusted == {}
    project_file(project).write_text("[hookmux]\nstore_raw = true\n")
    settings = load_settings(str(project), environ(hm))
    assert settings._trusted == {1: False}


def test_trust_has_help(hm: Env) -> None:
    result = hm("trust", "--help")
    assert result.returncode == 0
    assert "--revoke" in result.stdout and "--list" in result.stdout and "--json" in result.stdout


@pytest.mark.parametrize("text", ["hookmux = 3\n", "plugins = 5\n", "[plugins]\nalpha = 1\n"])
def test_a_project_cannot_wipe_the_users_tables_with_a_scalar(hm: Env, project: Path, text: str) -> None:
    user_file(hm).write_text('[hookmux]\nhandler_timeout = 3.0\n[plugins.alpha]\ngreeting = "mine"\n')
    project_file(project).write_text(text)
    settings = load_settings(str(project), environ(hm))
    assert settings.core.handler_timeout == 3.0
    assert settings.plugin_tables["alpha"]["greeting"] == "mine"
    assert any("expected a table; ignored" in e for e in settings.errors)


def test_the_notices_cheap_precheck_knows_the_plain_core_keys() -> None:
    """route decides without attrs whether SessionStart needs the notice: its list of plain
    [hookmux] keys must be CoreConfig's."""
    plain = {f.name for f in attrs.fields(CoreConfig) if f.metadata.get("hookmux_trust") == PLAIN}
    assert plain == trust.PLAIN_CORE_KEYS
    assert not trust.may_need_trust(b"# plain\n[hookmux]  # the core\ndedupe_ttl = 5\n\nmetrics=false\n")
    for text in (
        b"[hookmux]\nstore_raw = true\n",
        b'[plugins.alpha]\ngreeting = "x"\n',
        b"plugins.alpha.greeting = 1\n",
        b'[hookmux]\n"store_raw" = true\n',
        b"[ hookmux ]\ndedupe_ttl = 5\n[hookmux.x]\n",
        b"dedupe_ttl = 5\n",  # outside [hookmux]: an error the full path reports
        b"[hookmux]\ndisabled = [\n  'alpha',\n]\n",
    ):
        assert trust.may_need_trust(text), text


def test_a_session_start_in_a_project_of_plain_settings_costs_no_import(hm: Env, project: Path) -> None:
    """The notice's precheck reads the file as text: no TOML parser, no dispatch."""
    import sys

    project_file(project).write_text("[hookmux]\ndedupe_ttl = 5\n")
    start = json.dumps(make_event("SessionStart", cwd=project, session_id="s")).encode()
    hm.cli.run(start, env=hm.extra)  # builds the manifest
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", hookmux_executable(), "run"],
        input=start,
        capture_output=True,
        env=hm.env(),
        check=True,
    )
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if "|" in line}
    assert "hookmux.entry.route" in imported and "hookmux.state.trust" in imported
    assert not imported & {"tomllib", "attrs", "pluggy", "hookmux.routing.dispatch", "hookmux.config"}
    project_file(project).write_text("[hookmux]\nstore_raw = true\n")
    assert session_start(hm, project, "s") is not None  # and with a sensitive key, the notice
