"""Which Codex CLI hooks hookmux needs, where they go, and whether Codex will run them.

``hookmux install --agent codex`` writes ``$CODEX_HOME/hooks.json`` (user scope,
``~/.codex`` by default) or ``<project>/.codex/hooks.json`` (project scope): one
command hook per matcher group, ``<abs>/hookmux run --agent=codex --deadline=<s>``
(Codex runs it with ``bash -c``, so the command is shell-quoted; it has no exec form
and no http type), with ``timeout`` in seconds. Matchers follow Codex's rules: an
anchored regex against ``tool_name`` (PreToolUse, PostToolUse, PermissionRequest) or
``source`` (SessionStart); ``Edit``/``Write`` handlers also name ``apply_patch``.

Trust: Codex runs a non-managed hook only once the user trusted it (``/hooks`` in the
TUI stores ``hooks.state."<hooks.json>:<event>:<group>:<handler>".trusted_hash`` in
``$CODEX_HOME/config.toml``), and skips an untrusted or changed hook **silently** in
``codex exec``; project hooks load only in a trusted project. hookmux never writes
that trust itself: ``install`` says what to do, ``doctor`` finds what Codex will skip.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from hookmux.agents.codex.adapter import EVENTS, MAX_TIMEOUTS
from hookmux.agents.hookfiles import AgentWiring, budget, for_agent, hookmux_entries
from hookmux.protocol.events import hookspec_name

AGENT = "codex"
SCOPES = ("user", "project")
#: Events whose matcher Codex tests, and against which field.
MATCHED = {"PreToolUse": "tool_name", "PostToolUse": "tool_name", "PermissionRequest": "tool_name",
           "SessionStart": "source"}  # fmt: skip
#: Canonical edit tools: Codex matches them against its ``apply_patch`` calls too.
EDIT_TOOLS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit"})
DEFAULT_CAP = 120
TRUST_STEPS = (
    "Codex runs a hook only after you trust it, and skips an untrusted or changed hook silently "
    "in `codex exec`: start `codex`, type /hooks and trust the hookmux entries (again after each "
    "`hookmux install` that changed them). hookmux never trusts them for you."
)
PROJECT_TRUST = (
    "Codex loads .codex/hooks.json only in a trusted project: trust this project when codex asks "
    "(or run `codex exec --trust ...` once)."
)


def codex_home(environ: Mapping[str, str] = os.environ) -> str:
    base = environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")
    return os.path.abspath(os.path.expanduser(base))


def hooks_path(scope: str, project: str, environ: Mapping[str, str] = os.environ) -> str:
    """``$CODEX_HOME/hooks.json`` or ``<project>/.codex/hooks.json``."""
    if scope == "user":
        return os.path.join(codex_home(environ), "hooks.json")
    return os.path.join(project, ".codex", "hooks.json")


def _matcher(event: str, handlers: list[Mapping[str, Any]]) -> str | None:
    """One anchored Codex matcher accepting every call the handlers want; None: all."""
    if event not in MATCHED:
        return None
    names: set[str] = set()
    for h in handlers:
        kind, data = h["matcher"]
        if kind == "exact":
            names.update(data)
        elif h["commands"] is not None and event != "SessionStart" and kind == "all":
            names.add("Bash")  # command globs only ever match the shell tool
        else:
            return None  # a catch-all, or a regex written for hookmux's unanchored search
    if event != "SessionStart" and names & EDIT_TOOLS:
        names.add("apply_patch")
    return "|".join(re.escape(n) for n in sorted(names)) or None


def command(executable: str, deadline: float) -> str:
    return shlex.join([executable, "run", f"--agent={AGENT}", f"--deadline={deadline:g}"])


def compute_wiring(
    manifest: Mapping[str, Any],
    *,
    executable: str,
    enabled: Callable[[str], bool],
    handler_timeout: float = 10.0,
    deadline: float | None = None,
) -> AgentWiring:
    plugins = manifest.get("plugins", {})
    usable = {n for n, r in plugins.items() if r.get("error") is None and enabled(n)}
    events: dict[str, list[dict[str, Any]]] = {}
    handled = []
    notes: list[str] = []
    for native, event in EVENTS.items():
        handlers = [
            h
            for h in manifest.get("events", {}).get(event, ())
            if h["plugin"] in usable and for_agent(h, AGENT)
        ]
        if not handlers:
            continue
        handled.append(event)
        timeout, budget_s = budget(handlers, handler_timeout, deadline, MAX_TIMEOUTS.get(event, DEFAULT_CAP))
        entry = {"type": "command", "command": command(executable, budget_s), "timeout": timeout}
        matcher = _matcher(event, handlers)
        group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [entry]
        events[native] = [group]
        if matcher is None and event in MATCHED and event != "SessionStart":
            notes.append(f"{event}: every tool call starts hookmux (a handler matches by regex or takes all)")
    return AgentWiring(AGENT, executable, events, tuple(notes), tuple(handled))


# -- trust -----------------------------------------------------------------------


def trust_key(path: str, event: str, group: int, handler: int) -> str:
    """The key under which Codex records its trust in one hook."""
    return f"{path}:{hookspec_name(event).removeprefix('hookmux_')}:{group}:{handler}"


def _config(environ: Mapping[str, str]) -> dict[str, Any]:
    import tomllib

    try:
        with open(os.path.join(codex_home(environ), "config.toml"), "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def trust_statuses(
    codex: str, cwd: str, environ: Mapping[str, str] = os.environ, timeout: float = 30.0
) -> dict[str, str] | str:
    """Codex's own verdict on every hook it sees from ``cwd``: key -> ``trusted``,
    ``untrusted`` or ``modified`` (asked through ``codex app-server``'s ``hooks/list``, a
    read-only query, as the TUI's /hooks screen does), or why it could not be asked."""
    import json
    import subprocess

    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"clientInfo": {"name": "hookmux", "version": "1"}},
        },
        {"jsonrpc": "2.0", "method": "initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "hooks/list", "params": {"cwds": [cwd]}},
    ]
    try:
        proc = subprocess.Popen([codex, "app-server"], cwd=cwd, env=dict(environ), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    except OSError as exc:
        return f"cannot run {codex}: {exc}"
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
        proc.stdin.flush()
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        while selector.select(timeout):
            line = proc.stdout.readline()
            if not line:
                break
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("id") == 2:
                if "error" in message:
                    return f"codex app-server hooks/list failed: {message['error']}"
                hooks = [h for e in message["result"].get("data", []) for h in e.get("hooks", [])]
                return {str(h.get("key")): str(h.get("trustStatus")) for h in hooks}
        return f"codex app-server did not list its hooks within {timeout:g} s"
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def skipped_hooks(
    document: Mapping[str, Any],
    path: str,
    scope: str,
    project: str,
    environ: Mapping[str, str] = os.environ,
    statuses: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(``problem`` or ``warn``, why) for each hookmux hook in ``document`` Codex will or may
    skip (empty: none known to be skipped).

    With ``statuses`` (Codex's own verdicts, :func:`trust_statuses`), a hook Codex calls
    ``untrusted`` or ``modified`` is skipped. Without: a hook without a recorded trust is
    skipped for sure; one whose trust was recorded runs unless it changed since (Codex
    compares a hash this check cannot recompute).
    """
    config = _config(environ)
    problems: list[tuple[str, str]] = []
    if scope == "project":
        projects = config.get("projects", {})
        level = projects.get(project, {}).get("trust_level") if isinstance(projects, dict) else None
        if level != "trusted":
            problems.append(
                ("problem", f"project {project} is not trusted: Codex ignores {path}. {PROJECT_TRUST}")
            )
    state = config.get("hooks", {}).get("state", {}) if isinstance(config.get("hooks"), dict) else {}
    for event, g, h, _ in hookmux_entries(document):
        keys = (trust_key(os.path.realpath(path), event, g, h), trust_key(path, event, g, h))
        if statuses is not None:
            status = next((statuses[k] for k in keys if k in statuses), None)
            if status == "modified":
                why = f"{event} hook changed since you trusted it: `codex exec` skips it silently. "
                why += TRUST_STEPS
                problems.append(("problem", why))
            elif status != "trusted":
                why = f"{event} hook is {status or 'not listed'} in Codex, which skips it. {TRUST_STEPS}"
                problems.append(("problem", why))
            continue
        entry = state.get(keys[0]) or state.get(keys[1])
        if not isinstance(entry, dict) or not entry.get("trusted_hash"):
            problems.append(
                ("problem", f"{event} hook is not trusted: `codex exec` skips it silently. {TRUST_STEPS}")
            )
    return problems
