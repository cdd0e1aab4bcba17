"""``hookmux install/uninstall/doctor --agent codex|gemini``: the other agents' hook files.

Codex CLI: ``$CODEX_HOME/hooks.json`` or ``<project>/.codex/hooks.json``; Gemini CLI:
the ``hooks`` of ``~/.gemini/settings.json`` or ``<project>/.gemini/settings.json``. As for
Claude Code: only the events the enabled plugins handle for that agent, the narrowest
matchers the agent's own rules allow, idempotent, atomic, backed up under
``$HOOKMUX_HOME/backups``, every foreign hook and setting kept. Each agent's trust step
is the user's: ``install`` says exactly what to do, ``doctor`` finds the hooks the agent
will skip; hookmux never records trust on the user's behalf.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import click

from hookmux.agents.claude.settings import read_settings, render_settings
from hookmux.agents.claude.wiring import WiringError, handler_argv, rewire
from hookmux.agents.hookfiles import AgentWiring, describe, hookmux_entries
from hookmux.agents.registry import TITLES
from hookmux.commands.settingsfile import finish

AGENTS = ("codex", "gemini")


def wiring_module(agent: str) -> ModuleType:
    if agent == "codex":
        from hookmux.agents.codex import wiring as codex

        return codex
    from hookmux.agents.gemini import wiring as gemini

    return gemini


def hook_file(agent: str, scope: str, project: str, environ: Mapping[str, str] = os.environ) -> str:
    module = wiring_module(agent)
    if agent == "codex":
        return str(module.hooks_path(scope, project, environ))
    return str(module.settings_path(scope, project, environ))


def expected(agent: str, scope: str, project: str, executable: str) -> tuple[AgentWiring, tuple[str, ...]]:
    """What ``hookmux install --agent AGENT --scope SCOPE`` would write now, and config errors."""
    from hookmux.config import load_settings
    from hookmux.routing.manifest import load_manifest
    from hookmux.state.paths import hookmux_home

    manifest = load_manifest(hookmux_home())
    config = load_settings(None if scope == "user" else project)
    only = os.environ.get("HOOKMUX_PLUGINS")
    keep = None if only is None else {p.strip() for p in only.split(",") if p.strip()}
    wiring: AgentWiring = wiring_module(agent).compute_wiring(
        manifest,
        executable=executable,
        enabled=lambda name: config.plugin_enabled(name) and (keep is None or name in keep),
        handler_timeout=config.core.handler_timeout,
        deadline=config.core.deadline,
    )
    return wiring, config.errors


def trust_steps(agent: str, scope: str) -> list[str]:
    module = wiring_module(agent)
    steps = [str(module.TRUST_STEPS)]
    if scope == "project":
        steps.append(str(module.PROJECT_TRUST if agent == "codex" else module.PROJECT_HOOKS))
    return steps


def _order(agent: str) -> tuple[str, ...]:
    if agent == "codex":
        from hookmux.agents.codex.adapter import EVENTS

        return tuple(EVENTS)
    from hookmux.agents.gemini.wiring import ORDER

    return ORDER


def install(agent: str, scope: str, project: str, *, executable: str, dry_run: bool, as_json: bool) -> None:
    path = hook_file(agent, scope, project)
    try:
        wiring, config_errors = expected(agent, scope, project, executable)
        current, before = read_settings(path)
        new = rewire(current, wiring.events, _order(agent))
    except WiringError as exc:
        raise click.ClickException(str(exc) if str(exc).startswith(path) else f"{path}: {exc}") from None
    # a missing file is created only when there is something to wire
    changed = new != current or (before is None and bool(wiring.events))
    notes = [*(f"config: {e}" for e in config_errors), *wiring.notes]
    if agent == "codex" and changed and hookmux_entries(current):
        notes.append("hookmux's hooks changed: Codex skips a changed hook until you trust it again in /hooks")
    steps = trust_steps(agent, scope)
    unit = "ms" if agent == "gemini" else "s"
    summary = [f"hookmux {wiring.executable} wired into {TITLES[agent]} for:", *describe(wiring.events, unit)]
    if not wiring.handled:
        summary.append(f"  (no enabled plugin handles any {TITLES[agent]} event: nothing is wired)")
    summary += [f"next: {step}" for step in steps]
    if scope == "project":
        notes.append(f"{path} names {wiring.executable}, which exists on this machine only")
    after = render_settings(new, before)
    finish(
        action="install", scope=scope, path=path, before=before, after=after, changed=changed,
        dry_run=dry_run, as_json=as_json, summary=summary, notes=notes, agent=agent,
        extra={"executable": wiring.executable, "hooks": wiring.events, "trust": steps},
    )  # fmt: skip


def uninstall(agent: str, scope: str, project: str, *, dry_run: bool, as_json: bool) -> None:
    path = hook_file(agent, scope, project)
    try:
        current, before = read_settings(path)
        new = rewire(current, {}, ())
    except WiringError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    removed = len(hookmux_entries(current))
    changed = new != current
    after = render_settings(new, before) if changed else (before or "")
    summary = [f"removed {removed} hookmux hook(s)"] if changed else []
    finish(
        action="uninstall", scope=scope, path=path, before=before, after=after, changed=changed,
        dry_run=dry_run, as_json=as_json, summary=summary, notes=[], agent=agent, extra={"removed": removed},
    )  # fmt: skip


def check(agent: str, project: str, executable: str, codex: str | None = None) -> list[dict[str, Any]]:
    """For ``hookmux doctor --agent``: per scope, the file, whether it is wired as ``install``
    would wire it now, and the hooks the agent will skip (``problems``) or may skip
    (``warnings``), each with what to do. ``codex``: a Codex CLI executable to ask for its
    own trust verdicts (else the recorded trust is read)."""
    module = wiring_module(agent)
    results = []
    statuses: dict[str, str] | None = None
    asked = ""
    if agent == "codex" and codex:
        verdicts = module.trust_statuses(codex, project)
        if isinstance(verdicts, str):
            asked = f"{verdicts}; the trust Codex recorded was read instead"
        else:
            statuses = verdicts
    for scope in module.SCOPES:
        path = hook_file(agent, scope, project)
        entry: dict[str, Any] = {"agent": agent, "scope": scope, "file": path, "problems": [], "warnings": []}
        try:
            current, _ = read_settings(path)
        except WiringError as exc:
            entry["problems"].append(str(exc))
            results.append(entry)
            continue
        found = hookmux_entries(current)
        entry["hooks"] = len(found)
        if not found:
            entry["status"] = "not wired"
            results.append(entry)
            continue
        wiring, _ = expected(agent, scope, project, executable)
        up_to_date = rewire(current, wiring.events, _order(agent)) == current
        entry["status"] = "wired" if up_to_date else "stale"
        if not up_to_date:
            entry["warnings"].append(
                f"the plugins' wiring changed since it was installed: run "
                f"`hookmux install --agent {agent} --scope {scope}` again"
            )
        for _, _, _, handler in found:
            argv = handler_argv(handler) or [""]
            program = argv[0]
            if program and not os.access(program, os.X_OK):
                entry["problems"].append(f"{program} is not an executable file: run `hookmux install` again")
                break
        extra = {"statuses": statuses} if agent == "codex" else {}
        for level, message in module.skipped_hooks(current, path, scope, project, **extra):
            entry["problems" if level == "problem" else "warnings"].append(message)
        if asked:
            entry["warnings"].append(asked)
        results.append(entry)
    return results
