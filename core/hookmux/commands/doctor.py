"""``hookmux doctor``: check everything between Claude Code and the plugins, one line per problem."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

import attrs
import click

from hookmux.agents.claude.settings import SCOPES, hookmux_executable, read_settings, settings_path
from hookmux.agents.claude.wiring import (
    FEATURE_VERSIONS,
    TOKEN_VAR,
    WIRING_ARG,
    WiringError,
    handler_option,
    hookmux_handlers,
    is_hookmux_http_handler,
    is_hookmux_run,
)
from hookmux.state.launcher import launcher_problem, launcher_python, script_imports_re

OK, WARN, PROBLEM, INFO = "ok", "warn", "problem", "info"
_MARKS = {OK: ("ok  ", "green"), WARN: ("warn", "yellow"), PROBLEM: ("FAIL", "red"), INFO: ("info", None)}


@attrs.frozen
class Check:
    area: str
    status: str
    message: str


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def claude_version(claude: str | None) -> tuple[str | None, str]:
    """(version, the executable or why none) from ``claude --version``."""
    executable = claude or shutil.which("claude")
    if executable is None:
        return None, "not found on PATH"
    try:
        proc = subprocess.run(
            [executable, "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "DISABLE_AUTOUPDATER": "1"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{executable}: cannot run: {exc}"
    found = re.search(r"\b(\d+\.\d+\.\d+)\b", proc.stdout)
    if proc.returncode != 0 or found is None:
        return None, f"{executable} --version printed no version (exit {proc.returncode})"
    return found.group(1), executable


def _check_executable(checks: list[Check]) -> str | None:
    """Checks the console script; returns the program ``install`` wires (the launcher)."""
    from hookmux.commands.install import hook_executable

    try:
        exe = hookmux_executable()
    except WiringError as exc:
        checks.append(Check("executable", PROBLEM, str(exc)))
        return None
    try:
        with open(exe, "rb") as fh:
            first = fh.readline(4096).decode("utf-8", "replace").strip()
    except OSError:
        first = ""
    if first.startswith("#!") and "/shims/" in first:
        checks.append(
            Check("executable", PROBLEM, f"{exe} starts a pyenv shim ({first}); reinstall hookmux in a venv")
        )
    else:
        checks.append(Check("executable", OK, exe))
    return hook_executable()


def _check_manifest(checks: list[Check], home: str) -> dict[str, Any] | None:
    from hookmux.routing.manifest import load_manifest
    from hookmux.routing.manifestfile import manifest_file, read_manifest

    path = manifest_file(home)
    fresh = read_manifest(path) is not None
    try:
        manifest = load_manifest(home)
    except Exception as exc:  # noqa: BLE001 - report, do not crash the doctor
        checks.append(Check("manifest", PROBLEM, f"cannot build the plugin manifest: {exc}"))
        return None
    state = "fresh" if fresh else "was stale or missing, rebuilt now"
    count = len(manifest["plugins"])
    checks.append(Check("manifest", OK, f"{path}: {state}; {count} plugin(s)"))
    return manifest


def _check_plugins(checks: list[Check], manifest: dict[str, Any], project: str) -> None:
    from hookmux.config import load_settings
    from hookmux.routing.discovery import load_target
    from hookmux.routing.plugins import make_plugin_manager

    settings = load_settings(project)
    for error in settings.errors:
        checks.append(Check("config", PROBLEM, error))
    pm = make_plugin_manager()
    for name, record in sorted(manifest["plugins"].items()):
        origin = record["dist"] or record["target"]
        if record["error"]:
            checks.append(
                Check(
                    "plugin",
                    PROBLEM,
                    f"{name} ({origin}) cannot be loaded: {record['error']}; reinstall or uninstall {origin}",
                )
            )
            continue
        for problem in record["problems"]:
            checks.append(Check("plugin", WARN, f"{name}: {problem}"))
        try:
            obj = load_target(record["target"])
            pm.register(obj, name=name)
        except Exception as exc:  # noqa: BLE001
            checks.append(Check("plugin", PROBLEM, f"{name} ({origin}) does not import: {exc}"))
            continue
        schema: Any = None
        for impl in pm.hook.hookmux_config_schema.get_hookimpls():
            if impl.plugin_name == name:
                try:
                    schema = impl.function()
                except Exception as exc:  # noqa: BLE001
                    checks.append(Check("config", PROBLEM, f"{name}: hookmux_config_schema raised {exc!r}"))
        _, errors = settings.plugin_config(name, schema)
        for error in errors:
            checks.append(Check("config", PROBLEM, error))
        enabled = "enabled" if settings.plugin_enabled(name) else "disabled"
        if not errors:
            checks.append(Check("plugin", OK, f"{name} {record['version'] or ''} imports ({enabled})"))


def _check_home(checks: list[Check], home: str) -> None:
    from hookmux.state.paths import ensure_private_dir

    try:
        ensure_private_dir(home)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".doctor-"):
            pass
    except OSError as exc:
        checks.append(
            Check("state", PROBLEM, f"{home} is not writable ({exc}); set HOOKMUX_HOME to a writable dir")
        )
        return
    checks.append(Check("state", OK, f"{home} is writable"))


def _entries(found: Any) -> list[str]:
    return sorted(json.dumps([e, m, h], sort_keys=True) for e, m, h in found)


def _check_scopes(
    checks: list[Check], project: str, exe: str | None, manifest: dict[str, Any] | None
) -> bool:
    """Checks the wiring of each scope; True when some scope uses an ``if`` rule."""
    from hookmux.commands.install import expected_wiring

    wired, uses_if = [], False
    http_scopes: list[tuple[str, int | None]] = []
    for scope in SCOPES:
        path = settings_path(scope, project)
        fix = f"run `hookmux install --scope {scope}`"
        try:
            settings, text = read_settings(path)
        except WiringError as exc:
            checks.append(Check(f"settings:{scope}", PROBLEM, f"{exc} (Claude Code ignores it)"))
            continue
        if settings.get("disableAllHooks") is True:
            checks.append(Check(f"settings:{scope}", WARN, f"{path}: disableAllHooks is true: no hook runs"))
        found = hookmux_handlers(settings)
        if not found:
            state = "not wired" if text is not None else "no file"
            checks.append(Check(f"settings:{scope}", INFO, f"{path}: {state}"))
            continue
        wired.append(scope)
        uses_if = uses_if or any("if" in h for _, _, h in found)
        problems = []
        http = [h for _, _, h in found if is_hookmux_http_handler(h)]
        if http:
            http_scopes.append((scope, _port(http[0])))
        commands = {h.get("command") for _, _, h in found if h.get("type") == "command"}
        for command in sorted(str(c) for c in commands):
            if not os.path.isfile(command) and not shutil.which(command):
                problems.append(f"runs {command}, which does not exist: {fix}")
            elif exe and command != exe:
                problems.append(_wrong_program(command, exe, fix))
            elif trouble := _launcher_trouble(command):
                problems.append(f"{trouble}: {fix}")
        if any("args" not in h for _, _, h in found if h.get("type") == "command"):
            problems.append(f"a hookmux hook uses the shell form (no `args`): {fix}")
        if manifest is not None and not problems:
            digests = {handler_option(h, WIRING_ARG) for _, _, h in found if is_hookmux_run(h)}
            if digests != {manifest.get("wiring")}:
                problems.append(f"written for other plugins than the ones installed now: {fix}")
            elif exe:
                try:
                    transport = "http" if http else "command"
                    expected, _ = expected_wiring(scope, project, transport, _port(http[0]) if http else None)
                except WiringError:
                    expected = None
                if expected is not None and _entries(found) != _entries(
                    (e, g.get("matcher"), h)
                    for e, gs in expected.events.items()
                    for g in gs
                    for h in g["hooks"]
                ):
                    problems.append(f"differs from what install would write now (config changed?): {fix}")
        for problem in problems:
            checks.append(Check(f"settings:{scope}", PROBLEM, f"{path}: {problem}"))
        if not problems:
            events = sorted({e for e, _, _ in found})
            checks.append(Check(f"settings:{scope}", OK, f"{path}: wired for {', '.join(events)}"))
    for scope, port in http_scopes:
        _check_serve(checks, scope, project, port)
        _check_port_owner(checks, port)
    if not wired:
        checks.append(
            Check("settings", PROBLEM, "hookmux is not wired into Claude Code: run `hookmux install`")
        )
    elif len(wired) > 1:
        checks.append(
            Check(
                "settings",
                WARN,
                f"hookmux is wired in {' and '.join(wired)}: where the entries differ Claude Code runs "
                "each, and plugins answer twice; `hookmux uninstall --scope ...` all but one",
            )
        )
    return uses_if


def _wrong_program(command: str, exe: str, fix: str) -> str:
    """Why a hook's program is not the one ``install`` would wire now."""
    try:
        console_script = hookmux_executable()
    except WiringError:
        console_script = None
    if command == console_script:
        slow = (
            "it imports `re` before hookmux starts (pip < 25.2), about half an interpreter start per event"
            if script_imports_re(command)
            else "its speed depends on the pip that wrote it"
        )
        return f"runs pip's console script {command}, a slow launcher: {slow}; {fix} (wires {exe})"
    trouble = _launcher_trouble(command)
    if trouble:
        return f"{trouble}: {fix} from the right venv"
    return f"runs {command}, not this environment's {exe}: {fix} from the right venv"


def _launcher_trouble(command: str) -> str | None:
    """What is wrong with a hookmux launcher (Python or native) for this environment, or None
    (also when ``command`` is no launcher)."""
    from hookmux.entry import nativelauncher

    python_launcher = nativelauncher.python_launcher_of(command)
    if python_launcher is not None:
        return launcher_problem(python_launcher) or nativelauncher.problem(command, python_launcher)
    if launcher_python(command) is not None:
        return launcher_problem(command)
    return None


def _port(handler: dict[str, Any]) -> int | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(str(handler.get("url"))).port
    except ValueError:
        return None


def _check_trust(checks: list[Check], manifest: dict[str, Any], project: str) -> None:
    """Each sensitive key an untrusted project file sets (ignored), and the managed files."""
    import shlex

    from hookmux.config import load_settings
    from hookmux.routing.trustnotice import plugin_schemas

    settings = load_settings(project)
    for path in settings.managed_files:
        checks.append(Check("trust", INFO, f"managed file {path}: its keys override every other source"))
    ignored = settings.ignored_keys(plugin_schemas(manifest, list(settings.plugin_tables)))
    for key in ignored:
        why = f"invalid ({key.reason})" if key.reason else f"untrusted {key.sensitivity}"
        checks.append(
            Check(
                "trust",
                WARN,
                f"{key.key} = {json.dumps(key.value)} from {key.file} ignored: {why}; "
                f"in force: {key.in_force}",
            )
        )
    if ignored:
        command = f"hookmux trust --project-dir {shlex.quote(project)}"
        checks.append(Check("trust", INFO, f"review the project's files, then `{command}` applies them"))


def _check_port_owner(checks: list[Check], port: int | None) -> None:
    """The http hooks' port must not be another user's: it would receive every event and the token."""
    from hookmux.state.portowner import squatter_warning

    warning = squatter_warning(port) if port is not None else None
    if warning:
        checks.append(Check("serve", PROBLEM, warning))


def _check_serve(checks: list[Check], scope: str, project: str, port: int | None) -> None:
    """The http transport needs the daemon, its token where Claude Code reads it, the port."""
    from hookmux.commands.install import token_settings_path
    from hookmux.daemon.files import read_token
    from hookmux.entry import control
    from hookmux.state.paths import hookmux_home
    from hookmux.state.ports import describe_holder, port_holder

    home = hookmux_home()
    token = read_token(home, create=False)
    path = token_settings_path(scope, project)
    try:
        env = read_settings(path)[0].get("env") or {}
    except WiringError:
        env = {}
    if token is None or env.get(TOKEN_VAR) != token:
        checks.append(
            Check(
                "serve",
                PROBLEM,
                f"{path}: env {TOKEN_VAR} is not the token of {home}: http hooks get 401; "
                f"run `hookmux install --scope {scope} --transport http`",
            )
        )
    info = control.ping(home)
    holder = port_holder(port) if port is not None else None
    # another user's listener is the port owner check's (a security problem of its own)
    mine = holder is not None and holder.get("uid") in (None, os.getuid())
    taken = mine and (info is None or info.get("http_port") != str(port))
    if taken and port is not None and holder is not None:
        # Another process answers the hooks' URL: they fail (or reach a stranger).
        checks.append(
            Check(
                "serve",
                PROBLEM,
                f"hooks post to port {port}, but {describe_holder(holder, port)}: stop it, or run "
                f"`hookmux install --scope {scope} --transport http` again, which picks a free port "
                "for this home",
            )
        )
    elif info is None:
        checks.append(
            Check(
                "serve",
                WARN,
                "hookmux serve is not running: the next session start starts it "
                "(until then, http hooks are not answered); `hookmux serve` starts it now",
            )
        )
    elif port is not None and info.get("http_port") != str(port):
        problem = info.get("http_error") or f"it listens on {info.get('http_port') or 'no port'}"
        checks.append(Check("serve", PROBLEM, f"hooks post to port {port}, but {problem}"))
    else:
        checks.append(
            Check("serve", OK, f"hookmux serve (pid {info.get('pid')}) answers on 127.0.0.1:{port}")
        )


def _check_claude(checks: list[Check], claude: str | None, uses_if: bool) -> None:
    version, where = claude_version(claude)
    if version is None:
        need = FEATURE_VERSIONS["args"]
        checks.append(
            Check("claude", INFO, f"Claude Code {where}: cannot check its version (need >= {need})")
        )
        return
    used = {"args": True, "if": uses_if}
    old = [
        f"`{feature}` (since {FEATURE_VERSIONS[feature]})"
        for feature, is_used in used.items()
        if is_used and _version_tuple(version) < _version_tuple(FEATURE_VERSIONS[feature])
    ]
    if old:
        checks.append(
            Check(
                "claude",
                PROBLEM,
                f"Claude Code {version} ({where}) is too old for {', '.join(old)} that hookmux install "
                "writes: update Claude Code",
            )
        )
    else:
        checks.append(
            Check("claude", OK, f"Claude Code {version} ({where}) supports the settings hookmux writes")
        )


def _check_agent(checks: list[Check], agent: str, project: str, codex: str | None = None) -> None:
    """Codex CLI's or Gemini CLI's hook files: wired, current, and run by the agent."""
    from hookmux.commands.agentwiring import check
    from hookmux.commands.install import hook_executable

    for entry in check(agent, project, hook_executable(), codex):
        area = f"{agent} {entry['scope']}"
        if entry.get("status") is None and entry["problems"]:
            checks.extend(Check(area, PROBLEM, p) for p in entry["problems"])
            continue
        if entry["status"] == "not wired":
            checks.append(Check(area, INFO, f"{entry['file']}: not wired"))
            continue
        if not entry["problems"] and not entry["warnings"]:
            checks.append(Check(area, OK, f"{entry['file']}: {entry['hooks']} hookmux hook(s), current"))
        checks.extend(Check(area, WARN, w) for w in entry["warnings"])
        checks.extend(Check(area, PROBLEM, p) for p in entry["problems"])


def run_checks(
    project: str, claude: str | None, agent: str = "claude", codex: str | None = None
) -> list[Check]:
    from hookmux.state.paths import hookmux_home

    home = hookmux_home()
    checks: list[Check] = []
    exe = _check_executable(checks)
    manifest = _check_manifest(checks, home)
    if manifest is not None:
        _check_plugins(checks, manifest, project)
        _check_trust(checks, manifest, project)
    _check_home(checks, home)
    if agent in ("claude", "all"):
        uses_if = _check_scopes(checks, project, exe, manifest)
        _check_claude(checks, claude, uses_if)
    for other in ("codex", "gemini"):
        if agent in (other, "all"):
            _check_agent(checks, other, project, codex)
    return checks


def register(cli: click.Group) -> None:
    @cli.command("doctor")
    @click.option(
        "--project-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Project whose settings and config are checked (default: current directory).",
    )
    @click.option(
        "--claude", "claude", default=None, help="Claude Code executable (default: claude on PATH)."
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON for scripts.")
    @click.option(
        "--agent",
        type=click.Choice(("claude", "codex", "gemini", "all")),
        default="claude",
        show_default=True,
        help="The agent whose wiring is checked: Codex CLI's and Gemini CLI's checks include the hooks "
        "the agent will skip (untrusted hooks, an untrusted folder).",
    )
    @click.option(
        "--codex",
        default=None,
        help="Codex CLI executable asked (codex app-server, read only) which hooks it trusts, "
        "including hooks changed since (default: codex on PATH; '' reads the recorded trust only).",
    )
    def doctor_command(
        project_dir: str | None, claude: str | None, as_json: bool, agent: str, codex: str | None
    ) -> None:
        """Check the wiring of each settings scope, the executable, the manifest, each
        plugin, the config, the state directory and Claude Code's version (--agent: Codex
        CLI's and Gemini CLI's hook files and trust, or all).

        Exits 1 when something needs fixing, with one actionable line per problem.
        """
        project = os.path.abspath(project_dir or os.getcwd())
        if codex is None and agent in ("codex", "all"):
            codex = shutil.which("codex")
        checks = run_checks(project, claude, agent, codex or None)
        problems = [c for c in checks if c.status == PROBLEM]
        if as_json:
            click.echo(
                json.dumps({"ok": not problems, "checks": [attrs.asdict(c) for c in checks]}, indent=2)
            )
        else:
            for check in checks:
                mark, colour = _MARKS[check.status]
                click.echo(click.style(mark, fg=colour) + f" {check.area:<16} {check.message}")
            if problems:
                click.secho(f"{len(problems)} problem(s) found", fg="red", bold=True)
            else:
                click.secho("everything looks right", fg="green")
        if problems:
            sys.exit(1)  # ctx.exit(1) would be lost: cli.main drops click's return code
