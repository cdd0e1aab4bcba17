"""``hookmux install`` / ``hookmux uninstall``: wire hookmux into a Claude Code settings file."""

from __future__ import annotations

import os
from typing import Any

import click

from hookmux.agents.claude.settings import (
    SCOPES,
    diff_text,
    hookmux_executable,
    read_settings,
    render_settings,
    settings_path,
)
from hookmux.agents.claude.wiring import (
    TOKEN_VAR,
    Wiring,
    WiringError,
    apply_wiring,
    compute_wiring,
    hookmux_handlers,
    is_hookmux_http_handler,
    remove_wiring,
)
from hookmux.commands.settingsfile import finish, masked, write_file

SCOPE_HELP = (
    "user: ~/.claude/settings.json (every project); project: .claude/settings.json (committed, "
    "so the absolute path reaches your team); local: .claude/settings.local.json (this checkout, yours)."
)


def _scope_options(func: Any) -> Any:
    func = click.option("--dry-run", is_flag=True, help="Print the change as a unified diff; write nothing.")(
        func
    )
    func = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON for scripts.")(func)
    func = click.option(
        "--project-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Project for the project and local scopes (default: current directory).",
    )(func)
    return click.option(
        "--scope", type=click.Choice(SCOPES), default="user", show_default=True, help=SCOPE_HELP
    )(func)


AGENT_CHOICES = ("claude", "codex", "gemini", "all")
AGENT_HELP = (
    "The coding agent to wire: claude (Claude Code's settings.json), codex (Codex CLI's hooks.json), "
    "gemini (Gemini CLI's settings.json) or all (with --json: one JSON document per agent, Codex, Gemini "
    "CLI, Claude Code). Codex and Gemini CLI have the user and project scopes."
)


def _other_agents(agent: str, scope: str, transport: str = "command") -> list[str]:
    """The non-Claude agents ``--agent`` names, after checking the options suit them."""
    others = [a for a in ("codex", "gemini") if agent in (a, "all")]
    if others and scope == "local":
        raise click.ClickException(
            "--scope local is Claude Code's; Codex CLI and Gemini CLI: user or project"
        )
    if others and transport == "http":
        raise click.ClickException(
            "Codex CLI and Gemini CLI have no http hooks: their command hooks relay to `hookmux serve`"
        )
    return others


def serve_port() -> int:
    """The port ``hookmux serve`` listens on: the user's config and variables decide
    (the daemon serves every project)."""
    from hookmux.config import load_settings
    from hookmux.entry.control import default_port

    return load_settings(None).core.serve_port or default_port()


def choose_port(*, record: bool) -> tuple[int, list[str]]:
    """The port http hooks post to, and what the user should know about it.

    A configured port is used as it is (when another process holds it, the note says
    which and what to do). Else this home's port (:mod:`hookmux.state.ports`); when
    another process holds it, the next free one. ``record``: written into the home, so
    its daemon listens where the hooks post.
    """
    from hookmux.config import load_settings
    from hookmux.entry import control
    from hookmux.state import ports
    from hookmux.state.paths import hookmux_home

    home = hookmux_home()
    configured = load_settings(None).core.serve_port
    port = configured or ports.home_port(home)
    notes = []
    holder = ports.port_holder(port)
    holder_home = holder.get("home") if holder is not None else None
    ours = isinstance(holder_home, str) and os.path.realpath(holder_home) == os.path.realpath(home)
    if holder is not None and not ours:
        taken = ports.describe_holder(holder, port)
        if configured:
            notes.append(
                f"{taken}: hookmux serve cannot listen there; stop that process, or choose another "
                "port (HOOKMUX_SERVE_PORT or [hookmux] serve_port) and run `hookmux install "
                "--transport http` again"
            )
        else:
            free = ports.free_port_near(port + 1)
            if free is None:
                last = ports.FIRST_PORT + ports.PORT_RANGE - 1
                notes.append(f"{taken}, and no port of {ports.FIRST_PORT}-{last} is free: stop that process")
            else:
                notes.append(f"{taken}: this home's hookmux serve gets port {free} instead")
                port = free
    if record and not configured:
        try:
            ports.record_port(home, port)
        except OSError as exc:
            raise click.ClickException(f"cannot record the port in {ports.port_file(home)}: {exc}") from None
    info = control.ping(home)
    if info is not None and info.get("http_port") != str(port):
        notes.append(
            f"hookmux serve (pid {info.get('pid')}) of this home listens on "
            f"{info.get('http_port') or 'no port'}, not {port}: `hookmux serve stop` (the next session "
            "start starts it again on the right port)"
        )
    return port, notes


def hook_executable(*, write: bool = False) -> str:
    """The program the hooks run (see :func:`wired_program`)."""
    return wired_program(write=write)[0]


def wired_program(*, write: bool = False) -> tuple[str, str | None]:
    """The program the hooks run, and why it is not the native launcher when it is not.

    The native launcher (:mod:`hookmux.entry.nativelauncher`, built where a C compiler is
    found) relays events without starting Python; it hands everything else to this
    environment's Python launcher (:mod:`hookmux.state.launcher`), which is wired itself
    when no native launcher can be built. Both are written or refreshed when ``write``.
    pip's console script is wired only when no shebang can name the interpreter."""
    from hookmux.entry import nativelauncher
    from hookmux.state import launcher
    from hookmux.state.paths import hookmux_home

    reason = launcher.unusable_reason()
    if reason is not None:
        return hookmux_executable(), reason
    home = hookmux_home()
    python_launcher = launcher.launcher_path(home)
    binary = nativelauncher.native_path(python_launcher)
    if not write:
        return (binary, None) if os.path.exists(binary) else (python_launcher, None)
    launcher.prune_launchers(home)
    launcher.write_launcher(home)
    why = nativelauncher.build(binary, python_launcher)
    return (python_launcher, why) if why else (binary, None)


def expected_wiring(
    scope: str,
    project: str,
    transport: str = "command",
    port: int | None = None,
    executable: str | None = None,
) -> tuple[Wiring, tuple[str, ...]]:
    """What ``hookmux install --scope SCOPE`` would write now, and config errors."""
    from hookmux.config import load_settings
    from hookmux.routing.manifest import load_manifest
    from hookmux.state.paths import hookmux_home

    manifest = load_manifest(hookmux_home())
    # The user scope serves every project: only the user config and variables decide.
    config = load_settings(None if scope == "user" else project)
    only = os.environ.get("HOOKMUX_PLUGINS")  # the same load filter `hookmux run` applies
    keep = None if only is None else {p.strip() for p in only.split(",") if p.strip()}
    wiring = compute_wiring(
        manifest,
        executable=executable or hook_executable(),
        enabled=lambda name: config.plugin_enabled(name) and (keep is None or name in keep),
        handler_timeout=config.core.handler_timeout,
        deadline=config.core.deadline,
        transport=transport,
        port=(port or serve_port()) if transport == "http" else None,
    )
    return wiring, config.errors


def _in_file(path: str, exc: Exception) -> str:
    text = str(exc)
    return text if text.startswith(path) else f"{path}: {text}"


def _describe(wiring: Wiring) -> list[str]:
    lines = []
    for event, groups in wiring.events.items():
        for group in groups:
            handler = group["hooks"][0]
            where = f" matcher {group['matcher']}" if "matcher" in group else " (every call)"
            rule = f" if {handler['if']}" if "if" in handler else ""
            lines.append(f"  {event:<19}{where}{rule}  timeout {handler['timeout']} s")
    return lines


def _other_scopes(scope: str, project: str) -> list[str]:
    found = []
    for other in SCOPES:
        if other == scope:
            continue
        path = settings_path(other, project)
        try:
            settings, _ = read_settings(path)
        except WiringError:
            continue
        if hookmux_handlers(settings):
            found.append(f"{other} ({path})")
    return found


def token_settings_path(scope: str, project: str) -> str:
    """The settings file whose ``env`` carries the token: the scope's own file, except
    for the project scope, whose settings.json is committed: settings.local.json."""
    return settings_path("local" if scope == "project" else scope, project)


def with_token(settings: dict[str, Any], token: str | None) -> dict[str, Any]:
    """``settings`` with ``env.HOOKMUX_TOKEN`` set to ``token`` (None: removed)."""
    new = dict(settings)
    env = new.get("env")
    env = dict(env) if isinstance(env, dict) else {}
    if token is None:
        env.pop(TOKEN_VAR, None)
    else:
        env[TOKEN_VAR] = token
    if env:
        new["env"] = env
    else:
        new.pop("env", None)
    return new


def uses_http(settings: dict[str, Any]) -> bool:
    return any(is_hookmux_http_handler(h) for _, _, h in hookmux_handlers(settings))


def _token_file_change(
    scope: str, project: str, token: str | None, dry_run: bool, as_json: bool
) -> dict[str, Any] | None:
    """Set (or, when nothing needs it, remove) the token in settings.local.json for the
    project scope. Returns what was done, for the report."""
    path = token_settings_path(scope, project)
    try:
        current, before = read_settings(path)
    except WiringError as exc:
        raise click.ClickException(_in_file(path, exc)) from None
    if token is None and (uses_http(current) or TOKEN_VAR not in (current.get("env") or {})):
        return None
    new = with_token(current, token)
    if new == current and before is not None:
        return None
    after = render_settings(new, before)
    backup = write_file(
        path, before, after, "local", changed=True, dry_run=dry_run, private=token is not None
    )
    if dry_run and not as_json:
        click.echo(masked(diff_text(path, before, after), token))
    elif not as_json:
        click.echo(f"{'wrote' if token else 'removed'} the hookmux token in {path}")
    return {"file": path, "token": token is not None, "backup": backup}


def register(cli: click.Group) -> None:
    @cli.command("install")
    @_scope_options
    @click.option(
        "--transport",
        type=click.Choice(["command", "http"]),
        default="command",
        show_default=True,
        help="command: Claude Code starts `hookmux run` per event. http: a warm `hookmux serve` daemon.",
    )
    @click.option("--force", is_flag=True, help="Replace your own statusLine with a plugin's.")
    @click.option("--agent", type=click.Choice(AGENT_CHOICES), default="claude", show_default=True,
                  help=AGENT_HELP)  # fmt: skip
    def install_command(
        scope: str,
        project_dir: str | None,
        as_json: bool,
        dry_run: bool,
        transport: str,
        force: bool,
        agent: str,
    ) -> None:
        """Write hookmux's hooks into a Claude Code settings file.

        Only the events your installed, enabled plugins handle are wired, each
        with the narrowest matcher (and, where the plugins' conditions allow, an
        `if` rule), so Claude Code starts hookmux only for calls some plugin
        wants. Idempotent; the previous file is backed up under
        $HOOKMUX_HOME/backups; every other setting and hook is kept.

        --agent codex|gemini|all wires Codex CLI ($CODEX_HOME/hooks.json or .codex/hooks.json)
        and Gemini CLI (~/.gemini/settings.json or .gemini/settings.json) the same way, with
        their own matcher rules, and says how to trust the hooks in each agent.
        """
        project = os.path.abspath(project_dir or os.getcwd())
        others = _other_agents(agent, scope, transport)
        if others:
            from hookmux.commands import agentwiring

            try:
                executable = hook_executable(write=not dry_run)
            except OSError as exc:
                raise click.ClickException(f"cannot write the hook launcher: {exc}") from None
            for other in others:
                agentwiring.install(
                    other, scope, project, executable=executable, dry_run=dry_run, as_json=as_json
                )
            if agent != "all":
                return
        path = settings_path(scope, project)
        port, port_notes = choose_port(record=not dry_run) if transport == "http" else (None, [])
        try:
            # --dry-run names the launcher without writing it
            executable, not_native = wired_program(write=not dry_run)
        except OSError as exc:
            raise click.ClickException(f"cannot write the hook launcher: {exc}") from None
        try:
            wiring, config_errors = expected_wiring(scope, project, transport, port, executable)
            current, before = read_settings(path)
            new, notes = apply_wiring(current, wiring, force_statusline=force)
        except WiringError as exc:
            raise click.ClickException(_in_file(path, exc)) from None
        token = None
        token_path = token_settings_path(scope, project)
        if transport == "http":
            from hookmux.daemon.files import read_token
            from hookmux.state.paths import hookmux_home

            token = read_token(hookmux_home())
        # The token lives next to the handlers that use it (user or local scope), never in
        # the committed project file; the command transport needs none.
        new = with_token(new, token if token_path == path else None)
        token_change = None
        if token_path != path:
            token_change = _token_file_change(scope, project, token, dry_run, as_json)
        notes = [*(f"config: {e}" for e in config_errors), *wiring.notes, *notes, *port_notes]
        from hookmux.state.launcher import unusable_reason

        no_launcher = unusable_reason()
        if no_launcher:
            notes.append(f"the hooks run pip's console script {executable}: no launcher, {no_launcher}")
        elif not_native:
            notes.append(
                f"the hooks run the Python launcher {executable} (an interpreter start per event): "
                f"no native launcher, {not_native}"
            )
        others = _other_scopes(scope, project)
        if others:
            notes.append(
                f"hookmux is also wired in {', '.join(others)}: where the entries differ, Claude Code "
                "runs both and every plugin answers twice; `hookmux uninstall --scope ...` the other one"
            )
        if scope == "project":
            notes.append(
                f"{path} is usually committed, and it names {wiring.executable}, which exists on this "
                "machine only; --scope local keeps the wiring to yourself"
            )
        from hookmux.routing.manifest import load_manifest
        from hookmux.state.paths import hookmux_home

        manifest = load_manifest(hookmux_home())
        for name, record in sorted(manifest["plugins"].items()):
            if record["error"]:
                notes.append(f"plugin {name} is not wired: it cannot be loaded ({record['error']})")
        if transport == "http":
            notes.append(
                f"http hooks post to 127.0.0.1:{port}, answered by `hookmux serve` (started by the "
                "SessionStart hook `hookmux serve ensure`, or now with `hookmux serve`); its token is in "
                f"{token_path} (env {TOKEN_VAR}, mode 0600)"
            )
        summary = [f"hookmux {wiring.executable} wired for:", *_describe(wiring)]
        if not wiring.handled:
            summary.append("  (no enabled plugin handles any event: only the SessionStart check is wired)")
        after = render_settings(new, before)
        finish(
            action="install",
            scope=scope,
            path=path,
            before=before,
            after=after,
            changed=new != current or before is None,
            dry_run=dry_run,
            as_json=as_json,
            extra={
                "executable": wiring.executable,
                "digest": wiring.digest,
                "hooks": wiring.events,
                "statusLine": new.get("statusLine"),
                "transport": transport,
                "port": port,
                "token_file": token_change,
            },
            summary=summary,
            notes=notes,
            secret=token,
            private=token is not None and token_path == path,
        )

    @cli.command("uninstall")
    @_scope_options
    @click.option("--agent", type=click.Choice(AGENT_CHOICES), default="claude", show_default=True,
                  help=AGENT_HELP)  # fmt: skip
    def uninstall_command(
        scope: str, project_dir: str | None, as_json: bool, dry_run: bool, agent: str
    ) -> None:
        """Remove hookmux's hooks (and its statusLine) from a Claude Code settings file
        (--agent: Codex CLI's hooks.json, Gemini CLI's settings.json, or all).

        Exactly the handlers that run `hookmux run` go; other hooks in the same
        matcher groups and every other setting stay. The previous file is backed up.
        """
        project = os.path.abspath(project_dir or os.getcwd())
        others = _other_agents(agent, scope)
        if others:
            from hookmux.commands import agentwiring

            for other in others:
                agentwiring.uninstall(other, scope, project, dry_run=dry_run, as_json=as_json)
            if agent != "all":
                return
        path = settings_path(scope, project)
        try:
            current, before = read_settings(path)
            new = remove_wiring(current)
        except WiringError as exc:
            raise click.ClickException(_in_file(path, exc)) from None
        if TOKEN_VAR in (new.get("env") or {}) and not uses_http(new):
            new = with_token(new, None)
        if token_settings_path(scope, project) != path:
            _token_file_change(scope, project, None, dry_run, as_json)
        removed = len(hookmux_handlers(current))
        changed = new != current
        finish(
            action="uninstall",
            scope=scope,
            path=path,
            before=before,
            after=render_settings(new, before) if changed else (before or ""),
            changed=changed,
            dry_run=dry_run,
            as_json=as_json,
            extra={"removed": removed},
            summary=[f"removed {removed} hookmux handler(s)"] if changed else [],
            notes=[],
        )
