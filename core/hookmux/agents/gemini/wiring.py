"""Which Gemini CLI hooks hookmux needs, where they go, and whether Gemini CLI will run them.

``hookmux install --agent gemini`` writes the ``hooks`` of ``~/.gemini/settings.json``
(user scope; ``$GEMINI_CLI_HOME/.gemini`` when set) or ``<project>/.gemini/settings.json``
(project scope), every other setting kept: one command hook per matcher group, named
``hookmux``, ``<abs>/hookmux run --agent=gemini --deadline=<s>`` (Gemini CLI runs it
with ``bash -c``), ``timeout`` in **milliseconds**. Matchers follow Gemini CLI's rules:
BeforeTool/AfterTool take an unanchored regex against Gemini's own tool names
(hookmux writes ``^(?:run_shell_command|write_file)$`` for handlers of ``Bash`` and
``Write``); SessionStart, SessionEnd and PreCompress compare the matcher as one exact
string (one group per name); the other events ignore matchers.

Trust: Gemini CLI runs no hook at all in an untrusted folder (``security.folderTrust``
is on by default; the user trusts a folder when Gemini CLI asks, recorded in
``~/.gemini/trustedFolders.json``), and announces project-level hooks once before
recording them in ``~/.gemini/trusted_hooks.json``. hookmux edits neither.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from hookmux.agents.gemini.adapter import NATIVE, NATIVE_TOOLS
from hookmux.agents.hookfiles import AgentWiring, budget, for_agent, hookmux_entries
from hookmux.routing.digest import routing_digest

AGENT = "gemini"
SCOPES = ("user", "project")
#: The name every hookmux hook carries (``hooksConfig.disabled`` lists names).
HOOK_NAME = "hookmux"
#: Native events, in the order Gemini CLI lists them.
ORDER = ("SessionStart", "SessionEnd", "BeforeAgent", "AfterAgent", "BeforeModel", "AfterModel",
         "BeforeToolSelection", "BeforeTool", "AfterTool", "PreCompress", "Notification")  # fmt: skip
TOOL_EVENTS = frozenset({"BeforeTool", "AfterTool"})
EXACT_EVENTS = frozenset({"SessionStart", "SessionEnd", "PreCompress"})
DEFAULT_CAP = 120
TRUST_STEPS = (
    "Gemini CLI runs no hook in an untrusted folder: trust the project when Gemini CLI asks "
    "(security.folderTrust). hookmux never trusts a folder for you."
)
PROJECT_HOOKS = (
    "Gemini CLI shows project-level hooks once ('project-level hooks have been detected') before it "
    "records them in ~/.gemini/trusted_hooks.json: review them then."
)


def gemini_dir(environ: Mapping[str, str] = os.environ) -> str:
    home = environ.get("GEMINI_CLI_HOME") or os.path.expanduser("~")
    return os.path.join(os.path.abspath(home), ".gemini")


def settings_path(scope: str, project: str, environ: Mapping[str, str] = os.environ) -> str:
    """``~/.gemini/settings.json`` or ``<project>/.gemini/settings.json``."""
    if scope == "user":
        return os.path.join(gemini_dir(environ), "settings.json")
    return os.path.join(project, ".gemini", "settings.json")


def _groups(native: str, handlers: list[Mapping[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Matcher groups in Gemini CLI's rules accepting every event the handlers want."""
    names: set[str] = set()
    catch_all = False
    for h in handlers:
        kind, data = h["matcher"]
        if kind == "exact":
            names.update(data)
        elif h["commands"] is not None and kind == "all" and native in TOOL_EVENTS:
            names.add("Bash")
        else:
            catch_all = True  # everything, or a regex over Claude Code's names Gemini does not use
    if native == "SessionStart" and names:
        names.add("startup")  # the staleness check runs at every session start
    if catch_all or not names or native not in TOOL_EVENTS | EXACT_EVENTS:
        return [{"hooks": [entry]}]
    if native in EXACT_EVENTS:
        return [{"matcher": name, "hooks": [dict(entry)]} for name in sorted(names)]
    tools = sorted({NATIVE_TOOLS.get(n, n) for n in names})
    return [{"matcher": "^(?:" + "|".join(re.escape(t) for t in tools) + ")$", "hooks": [entry]}]


def command(executable: str, deadline: float, digest: str | None = None) -> str:
    """``--wiring=<digest>``: at session start hookmux tells the user when the plugins changed
    since (a systemMessage, which Gemini CLI shows)."""
    argv = [executable, "run", f"--agent={AGENT}", f"--deadline={deadline:g}"]
    if digest:
        argv.append(f"--wiring={digest}")
    return shlex.join(argv)


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
    per_native: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    handled = []
    for event, native in NATIVE.items():
        handlers = [
            h
            for h in manifest.get("events", {}).get(event, ())
            if h["plugin"] in usable and for_agent(h, AGENT)
        ]
        if handlers:
            handled.append(event)
            per_native.setdefault(native, {})[event] = handlers
    digest = str(manifest.get("wiring") or routing_digest(manifest))
    events: dict[str, list[dict[str, Any]]] = {}
    for native in ORDER:
        by_event = per_native.get(native)
        if not by_event and native != "SessionStart":
            continue
        by_event = by_event or {"SessionStart": []}  # the staleness check runs at every session start
        # PostToolUse and PostToolUseFailure share AfterTool: one of them runs per call
        timeout, budget_s = max(
            budget(hs, handler_timeout, deadline, DEFAULT_CAP) for hs in by_event.values()
        )
        handlers = [h for hs in by_event.values() for h in hs]
        entry = {"type": "command", "name": HOOK_NAME, "command": command(executable, budget_s, digest),
                 "timeout": timeout * 1000}  # fmt: skip
        events[native] = _groups(native, handlers, entry)
    return AgentWiring(AGENT, executable, events, (), tuple(handled))


# -- trust -----------------------------------------------------------------------


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def folder_trusted(project: str, environ: Mapping[str, str] = os.environ) -> bool | None:
    """Whether Gemini CLI trusts ``project`` (True, False) or will ask (None), as it decides."""
    if environ.get("GEMINI_CLI_TRUST_WORKSPACE") == "false":
        return False
    if environ.get("GEMINI_CLI_TRUST_WORKSPACE") == "true":
        return True
    user = _read_json(os.path.join(gemini_dir(environ), "settings.json"))
    security = user.get("security") if isinstance(user, dict) else None
    folder_trust = security.get("folderTrust") if isinstance(security, dict) else None
    if isinstance(folder_trust, dict) and folder_trust.get("enabled") is False:
        return True
    path = environ.get("GEMINI_CLI_TRUSTED_FOLDERS_PATH") or os.path.join(
        gemini_dir(environ), "trustedFolders.json"
    )
    rules = _read_json(path)
    if not isinstance(rules, dict):
        return None
    target = os.path.realpath(project)
    best, verdict = -1, None
    for rule, level in rules.items():
        base = os.path.dirname(rule) if level == "TRUST_PARENT" else rule
        base = os.path.realpath(base)
        if (target == base or target.startswith(base.rstrip("/") + "/")) and len(rule) > best:
            best, verdict = len(rule), level
    if verdict == "DO_NOT_TRUST":
        return False
    return True if verdict in ("TRUST_FOLDER", "TRUST_PARENT") else None


def skipped_hooks(
    document: Mapping[str, Any],
    path: str,
    scope: str,  # noqa: ARG001 - the folder trust decides for both scopes
    project: str,
    environ: Mapping[str, str] = os.environ,
) -> list[tuple[str, str]]:
    """(``problem`` or ``warn``, why) Gemini CLI will or may skip the hookmux hooks in
    ``document`` (empty: none known)."""
    if not hookmux_entries(document):
        return []
    problems: list[tuple[str, str]] = []
    config = document.get("hooksConfig")
    if isinstance(config, dict):
        if config.get("enabled") is False:
            problems.append(("problem", f"{path}: hooksConfig.enabled is false: Gemini CLI runs no hook"))
        disabled = config.get("disabled")
        if isinstance(disabled, list) and HOOK_NAME in disabled:
            problems.append(
                ("problem", f"{path}: hooksConfig.disabled lists {HOOK_NAME!r}: Gemini CLI skips hookmux")
            )
    trusted = folder_trusted(project, environ)
    if trusted is False:
        problems.append(
            ("problem", f"{project} is not a trusted folder: Gemini CLI runs no hook there. {TRUST_STEPS}")
        )
    elif trusted is None:
        problems.append(
            ("warn", f"{project} is not trusted yet: Gemini CLI asks, and runs no hook until you trust it")
        )
    return problems
