"""Which Claude Code hook entries hookmux needs, and how they go into a settings dict.

Pure functions over plain data (the plugin manifest, a parsed ``settings.json``),
used by ``hookmux install``/``uninstall``/``doctor``. Nothing here reads or writes files.

What ``hookmux install`` writes for each event some enabled plugin handles:

* one handler per matcher group, always the same exec-form command for the
  event: ``<abs>/hookmux run --deadline=<s> --wiring=<digest>`` with a
  ``timeout`` derived from the handlers' budgets. Claude Code runs identical
  handlers (same command, args and ``if``) once per event even when several
  groups match, so overlapping groups never start hookmux twice;
* a ``matcher`` that is the union of the handlers' matchers (exact tool names
  where possible);
* on tool events, for a tool whose every handler has a condition Claude Code's
  permission rules can express, a group of its own with an ``if`` rule, so
  calls no plugin wants start no process. Claude Code 2.1.330 treats handlers
  that differ only in ``if`` as different handlers and runs each whose rule
  matches: a call matching two rules would start hookmux twice and every
  plugin would answer twice. So each tool gets at most one rule (the plugins'
  conditions generalised into one broader rule), and a tool with a rule is
  never also reached by the group without one.

Rules emitted (each checked against the real Claude Code 2.1.330, see
``tests/e2e/test_install_e2e.py``):

* ``Bash(<prefix>*)`` where every handler's ``commands`` globs start with a
  literal command prefix. Claude Code tests the rule on each subcommand after
  removing quotes, leading ``VAR=value`` assignments and redirections, so a
  prefix is cut before any quote, ``$``, redirection or separator, and globs
  starting with a wildcard or an assignment get no rule. Known differences,
  both where hookmux's plain-text matching sees a command that is not one:
  hookmux splits on ``;``/``|``/``&&`` even inside quotes, and ``git*`` also
  matches ``git=1 ls``; Claude Code does neither.
* ``Edit(...)``, ``Write(...)``, ``Read(...)``, ``NotebookEdit(...)`` (one rule
  per tool: an ``Edit`` rule does not apply to Write calls in ``if``) from
  ``paths`` globs, written as gitignore patterns anchored at the file system
  root: ``*.py`` -> ``//**/*.py`` (any depth, like hookmux), ``src/**`` ->
  ``//**/src/**`` (hookmux matches relative globs against the project and the
  event's cwd: the rule accepts any root), ``/etc/*`` -> ``//etc/*``. Claude
  Code matches these case-insensitively and tests the path as given (no
  symlink resolution), as hookmux does. Several different globs become
  ``//**/*<common literal>*``; a directory matching a rule covers everything
  below it, so a common literal in a directory name is enough.

Nothing else gets an ``if`` (PowerShell, Glob/Grep, MCP tools, ``fields``,
PermissionDenied and PostToolBatch, which were not verified), and an event a
handler takes without a matcher gets a catch-all entry.
"""

from __future__ import annotations

import copy
import math
import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from hookmux.protocol.events import EVENT_NAMES, MATCHER_FIELD
from hookmux.routing.digest import routing_digest

#: Every handler ``hookmux install`` writes carries this argument (plus the digest).
WIRING_ARG = "--wiring"
#: Names of the console script; a command handler running ``<this> run`` is hookmux's.
EXECUTABLE_NAMES = frozenset({"hookmux", "hookmux.exe"})
#: Tool events on which Claude Code 2.1.330 evaluates ``if`` (verified end to end).
IF_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest"})
#: ``hookmux install --transport http``: Claude Code posts events to ``hookmux serve``
#: with the token from this variable (set in the settings ``env``).
TOKEN_VAR = "HOOKMUX_TOKEN"  # noqa: S105 - the name of the variable, not its value
HTTP_URL_PREFIX = "http://127.0.0.1:"
HTTP_PATH = "/hook"
#: Events Claude Code reads blocks from exit code 2, which an http hook cannot give:
#: they keep the command transport (``hookmux run`` relays them to the daemon).
EXIT_CODE_EVENTS = frozenset({"TaskCompleted", "TeammateIdle"})
#: On the http transport, these events also run ``hookmux serve ensure``: the daemon is
#: started (and the session registered) before the events of a session or a turn.
ENSURE_EVENTS = ("SessionStart", "UserPromptSubmit")
ENSURE_TIMEOUT = 30
#: Tools whose calls hookmux can filter with a permission rule, and the rule kind.
PATH_RULE_TOOLS = frozenset({"Edit", "Write", "Read", "NotebookEdit"})
SHELL_TOOLS = frozenset({"Bash", "PowerShell"})
#: Claude Code versions that introduced the settings features hookmux writes.
FEATURE_VERSIONS = {"args": "2.1.139", "if": "2.1.85"}
#: Largest ``timeout`` written per event: Claude Code's own default where it is
#: short (the user waits on UserPromptSubmit; SessionEnd delays exit), else 2 minutes.
TIMEOUT_CAPS = {"UserPromptSubmit": 30, "MessageDisplay": 10, "SessionEnd": 5}
DEFAULT_TIMEOUT_CAP = 120
MIN_TIMEOUT = 5
#: The staleness check runs at every session start, even when no plugin takes SessionStart.
ALWAYS_WIRED = "SessionStart"

# Characters after which a Bash rule prefix is cut: Claude Code removes quotes and
# escapes, expands nothing, and drops redirections before it tests a rule.
_BASH_UNSAFE = set("<>'\"\\$`()#;&|\n\t{}[]*?!~")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_PATH_UNSAFE = set("()[]{}\\ \t\n!#")
# Regex features of Python that a JavaScript RegExp (Claude Code's matcher) lacks.
_PY_ONLY_REGEX = re.compile(r"\(\?P|\(\?#|\\[AZ]|\(\?[aiLmsux-]+[:)]|\*\+|\+\+|\?\+")


class WiringError(Exception):
    """The settings cannot be changed safely; the message says why."""


@attrs.frozen
class Wiring:
    """The hook entries for one environment, plugin set and configuration."""

    digest: str
    executable: str
    #: event -> matcher groups, exactly as they appear under ``hooks`` in settings.json
    events: dict[str, list[dict[str, Any]]]
    #: the ``statusLine`` a plugin provides, or None
    statusline: dict[str, Any] | None = None
    #: why an entry is broader than it could be, or what was left out
    notes: tuple[str, ...] = ()
    #: events some enabled plugin handles (``events`` also has SessionStart, always)
    handled: tuple[str, ...] = ()


# -- identity -------------------------------------------------------------------


def handler_argv(handler: Any) -> list[str] | None:
    """The argv a settings hook handler runs, or None if it is not a command handler."""
    if not isinstance(handler, dict) or handler.get("type") != "command":
        return None
    command = handler.get("command")
    if not isinstance(command, str):
        return None
    args = handler.get("args")
    if isinstance(args, list):
        return [command, *(str(a) for a in args)]
    try:
        return shlex.split(command)
    except ValueError:
        return None


def _is_hookmux_program(program: str) -> bool:
    return os.path.basename(program.replace("\\", "/")) in EXECUTABLE_NAMES


def is_hookmux_handler(handler: Any) -> bool:
    """True for a handler hookmux installs: one that runs ``hookmux run`` or ``hookmux
    serve ensure`` (exec or shell form), or an http handler posting to ``hookmux serve``."""
    if is_hookmux_http_handler(handler):
        return True
    argv = handler_argv(handler)
    return (
        bool(argv)
        and _is_hookmux_program(argv[0])  # type: ignore[index]
        and (argv[1:2] == ["run"] or argv[1:3] == ["serve", "ensure"])  # type: ignore[index]
    )


def is_hookmux_run(handler: Any) -> bool:
    """True for a command handler that runs ``hookmux run``."""
    argv = handler_argv(handler)
    return bool(argv) and _is_hookmux_program(argv[0]) and argv[1:2] == ["run"]  # type: ignore[index]


def is_hookmux_http_handler(handler: Any) -> bool:
    """True for an http handler of ``hookmux serve`` (loopback ``/hook``, the hookmux token)."""
    if not isinstance(handler, dict) or handler.get("type") != "http":
        return False
    url, allowed = handler.get("url"), handler.get("allowedEnvVars")
    return (
        isinstance(url, str)
        and url.startswith(HTTP_URL_PREFIX)
        and url.partition("?")[0].endswith(HTTP_PATH)
        and isinstance(allowed, list)
        and TOKEN_VAR in allowed
    )


def is_hookmux_statusline(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("command"), str):
        return False
    try:
        argv = shlex.split(value["command"])
    except ValueError:
        return False
    return bool(argv) and _is_hookmux_program(argv[0])


def handler_option(handler: Any, name: str) -> str | None:
    """The value of ``--name=value`` or ``--name value`` in a handler's argv."""
    argv = handler_argv(handler) or []
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1 :]
    return None


# -- rules ----------------------------------------------------------------------


def bash_prefix(glob: str) -> str | None:
    """The literal command prefix every command matching ``glob`` starts with,
    as far as Claude Code's rule matching sees it, or None."""
    end = len(glob)
    for i, ch in enumerate(glob):
        if ch in _BASH_UNSAFE or glob.startswith("  ", i):
            end = i
            break
    prefix = glob[:end]
    if not prefix.strip() or prefix != prefix.lstrip() or _ASSIGNMENT.match(prefix):
        return None
    return prefix


def bash_rule(globs: Iterable[str]) -> str | None:
    """One ``Bash(...)`` rule accepting every command any of ``globs`` accepts, or None."""
    prefixes = [bash_prefix(g) for g in globs]
    if not prefixes or any(p is None for p in prefixes):
        return None
    common = os.path.commonprefix([p for p in prefixes if p is not None])  # noqa: RUF071 - text, not paths
    if not common.strip():
        return None
    return f"Bash({common}*)"


def _path_pattern(glob: str) -> str | None:
    """``glob`` (hookmux ``paths`` syntax) as an equivalent or broader rule pattern."""
    glob = glob.replace("\\", "/")
    while glob.startswith("./"):
        glob = glob[2:]
    if not glob or set(glob) & _PATH_UNSAFE:
        return None
    if glob.startswith("/"):
        return "/" + glob
    return "//**/" + glob.removeprefix("**/")


def _literal_chunks(glob: str) -> list[str]:
    chunks, current, i = [], "", 0
    while i < len(glob):
        ch = glob[i]
        if ch == "[":
            close = glob.find("]", i + 2)
            if close != -1:
                chunks.append(current)
                current, i = "", close + 1
                continue
        if ch in "*?/\\":
            chunks.append(current)
            current = ""
        else:
            current += ch
        i += 1
    chunks.append(current)
    return [c for c in chunks if c]


def _common_literal(globs: Sequence[str]) -> str:
    """The longest text every path matching any of ``globs`` has inside one path component."""
    chunk_sets = [_literal_chunks(g) for g in globs]
    if not chunk_sets or not all(chunk_sets):
        return ""
    first = chunk_sets[0]
    candidates = sorted(
        {c[i:j] for c in first for i in range(len(c)) for j in range(i + 1, len(c) + 1)},
        key=lambda s: (-len(s), s),
    )
    for candidate in candidates:
        if set(candidate) & _PATH_UNSAFE:
            continue
        if all(any(candidate in c for c in chunks) for chunks in chunk_sets[1:]):
            return candidate
    return ""


def path_rule(tool: str, globs: Iterable[str]) -> str | None:
    """One ``Tool(...)`` path rule accepting every path any of ``globs`` accepts, or None."""
    unique = sorted(set(globs))
    if not unique or not all(_literal_chunks(g) for g in unique):
        return None  # a glob of wildcards only accepts every path: no rule to write
    patterns = {_path_pattern(g) for g in unique}
    if len(patterns) == 1 and None not in patterns:
        return f"{tool}({patterns.pop()})"
    literal = _common_literal(unique)
    return f"{tool}(//**/*{literal}*)" if literal else None


# -- entries --------------------------------------------------------------------

_UNCONDITIONAL = "unconditional"
_NEVER = "never"


def _condition(handler: Mapping[str, Any], tool: str) -> tuple[str, tuple[str, ...]] | str:
    """How ``handler`` narrows calls of ``tool``: a (kind, globs) pair, or a marker."""
    commands, paths = handler["commands"], handler["paths"]
    if commands is not None:
        if tool not in SHELL_TOOLS:
            return _NEVER  # hookmux tests command globs on shell tools only
        if tool == "Bash":
            return ("bash", tuple(commands))
        return _UNCONDITIONAL
    if paths is not None and tool in PATH_RULE_TOOLS:
        return ("path", tuple(paths))
    return _UNCONDITIONAL


def _regex_may_match(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return True


def _join_matcher(names: Iterable[str], regexes: Sequence[str]) -> str | None:
    """One Claude Code matcher accepting ``names`` (exact) and ``regexes``; None: everything."""
    ordered = sorted(set(names))
    unique = list(dict.fromkeys(regexes))
    if not unique:
        return "|".join(ordered)
    if any(_PY_ONLY_REGEX.search(r) for r in unique):
        return None  # Claude Code could not compile it: match everything rather than nothing
    if not ordered and len(unique) == 1:
        return unique[0]
    parts = ([f"^(?:{'|'.join(ordered)})$"] if ordered else []) + [f"(?:{r})" for r in unique]
    return "|".join(parts)


def _plan_tool_event(
    event: str, handlers: Sequence[Mapping[str, Any]], notes: list[str]
) -> list[tuple[str | None, str | None]]:
    """(matcher, if) pairs for a tool event."""
    names: set[str] = set()
    regexes: list[str] = []
    per_tool: dict[str, list[tuple[str, tuple[str, ...]] | str]] = {}
    catch_all = False
    for h in handlers:
        kind, data = h["matcher"]
        if kind == "exact":
            tools = list(data)
        elif h["commands"] is not None:
            # command globs only ever match shell tools, whatever the matcher says
            tools = [t for t in sorted(SHELL_TOOLS) if kind == "all" or _regex_may_match(data, t)]
        else:
            if kind == "all":
                catch_all = True
                if h["paths"] is not None:
                    notes.append(
                        f"{h['plugin']}.{h['function']} ({event}) has paths but no matcher: hookmux runs "
                        "for every tool call; a matcher such as 'Edit|Write' lets Claude Code skip the others"
                    )
            else:
                regexes.append(data)
            continue
        for tool in tools:
            per_tool.setdefault(tool, []).append(_condition(h, tool))
    if catch_all:
        return [(None, None)]
    rules: dict[str, str] = {}
    for tool, conditions in per_tool.items():
        live = [c for c in conditions if c != _NEVER]
        if not live:
            continue
        rule = None
        if event in IF_EVENTS and _UNCONDITIONAL not in live:
            kinds = {c[0] for c in live if isinstance(c, tuple)}
            globs = [g for c in live if isinstance(c, tuple) for g in c[1]]
            if kinds == {"bash"}:
                rule = bash_rule(globs)
            elif kinds == {"path"}:
                rule = path_rule(tool, globs)
        if rule is None or any(_regex_may_match(r, tool) for r in regexes):
            names.add(tool)
        else:
            rules[tool] = rule
    plan: list[tuple[str | None, str | None]] = []
    if names or regexes:
        matcher = _join_matcher(names, regexes)
        if matcher is None:
            return [(None, None)]
        plan.append((matcher, None))
    plan.extend((tool, rules[tool]) for tool in sorted(rules))
    return plan


def _plan_event(
    event: str, handlers: Sequence[Mapping[str, Any]], notes: list[str]
) -> list[tuple[str | None, str | None]]:
    field = MATCHER_FIELD.get(event)
    if field == "tool_name":
        return _plan_tool_event(event, handlers, notes)
    if field is None:
        return [(None, None)]
    names: set[str] = {"startup"} if event == ALWAYS_WIRED else set()
    regexes: list[str] = []
    for h in handlers:
        kind, data = h["matcher"]
        if kind == "all":
            return [(None, None)]
        if kind == "exact":
            names.update(data)
        else:
            regexes.append(data)
    matcher = _join_matcher(names, regexes)
    return [(matcher, None)]


def event_budget(
    event: str, handlers: Sequence[Mapping[str, Any]], handler_timeout: float, deadline: float | None = None
) -> tuple[int, float]:
    """(``timeout`` for Claude Code in whole seconds, ``--deadline`` for hookmux).

    The handlers run one after another, so the budget is the sum of their
    timeouts (``handler_timeout`` where a handler declares none; background
    handlers run after the answer and do not count), or the
    configured ``deadline``. Claude Code's timeout leaves hookmux a margin of
    20 % (at least 2 s) to start and answer after that deadline, and is capped
    per event (:data:`TIMEOUT_CAPS`); the deadline shrinks with the cap.
    """
    if not deadline:
        deadline = sum(float(h["timeout"] or handler_timeout) for h in handlers if not h.get("background"))
    budget = deadline
    timeout = max(MIN_TIMEOUT, math.ceil(budget + 2), math.ceil(budget / 0.8))
    timeout = min(timeout, TIMEOUT_CAPS.get(event, DEFAULT_TIMEOUT_CAP))
    return timeout, round(timeout - max(2.0, 0.2 * timeout), 1)


def compute_wiring(
    manifest: Mapping[str, Any],
    *,
    executable: str,
    enabled: Callable[[str], bool],
    handler_timeout: float = 10.0,
    deadline: float | None = None,
    transport: str = "command",
    port: int | None = None,
) -> Wiring:
    """The entries for the plugins of ``manifest`` that ``enabled`` accepts.

    ``transport="http"`` (with the daemon's ``port``): http handlers posting to
    ``hookmux serve``, except on SessionStart (``hookmux run``, which answers even
    before the daemon is up) and the exit-code events; SessionStart and
    UserPromptSubmit also run ``hookmux serve ensure``.
    """
    digest = str(manifest.get("wiring") or routing_digest(manifest))
    plugins = manifest.get("plugins", {})
    usable = {n for n, r in plugins.items() if r.get("error") is None and enabled(n)}
    notes: list[str] = []
    events: dict[str, list[dict[str, Any]]] = {}
    handled: list[str] = []
    for event in EVENT_NAMES:
        handlers = [
            h
            for h in manifest.get("events", {}).get(event, ())
            if h["plugin"] in usable and "claude" in (h.get("agents") or ("claude",))
        ]
        if handlers:
            handled.append(event)
        elif event != ALWAYS_WIRED:
            continue
        timeout, budget = event_budget(event, handlers, handler_timeout, deadline)
        args = ["run", f"--deadline={budget:g}", f"{WIRING_ARG}={digest}"]
        http = transport == "http" and event not in EXIT_CODE_EVENTS and event != ALWAYS_WIRED
        groups = []
        for matcher, rule in _plan_event(event, handlers, notes):
            handler: dict[str, Any]
            if http:
                handler = {
                    "type": "http",
                    "url": f"{HTTP_URL_PREFIX}{port}{HTTP_PATH}?deadline={budget:g}",
                    "headers": {"Authorization": f"Bearer ${TOKEN_VAR}"},
                    "allowedEnvVars": [TOKEN_VAR],
                }
            else:
                handler = {"type": "command", "command": executable, "args": args}
            handler["timeout"] = timeout
            if rule is not None:
                handler["if"] = rule
            group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
            group["hooks"] = [handler]
            groups.append(group)
        if transport == "http" and event in EXIT_CODE_EVENTS and handlers:
            notes.append(f"{event} stays a command hook: Claude Code reads its blocks from exit code 2")
        events[event] = groups
    if transport == "http":
        ensure = {
            "type": "command",
            "command": executable,
            "args": ["serve", "ensure", f"--port={port}"],
            "timeout": ENSURE_TIMEOUT,
        }
        for event in ENSURE_EVENTS:
            events[event] = [*events.get(event, []), {"hooks": [dict(ensure)]}]
    statusline = None
    providers = [n for n in sorted(usable) if plugins[n].get("statusline")]
    if providers:
        argv = [executable, *plugins[providers[0]]["statusline"]]
        statusline = {"type": "command", "command": shlex.join(argv)}
        if len(providers) > 1:
            notes.append(
                f"status line of {providers[0]} used; {', '.join(providers[1:])} also provide one "
                "(disable all but one to choose)"
            )
    return Wiring(digest, executable, events, statusline, tuple(dict.fromkeys(notes)), tuple(handled))


# -- settings -------------------------------------------------------------------


def _merge_groups(groups: list[Any], desired: list[dict[str, Any]]) -> list[Any]:
    """``groups`` with hookmux's handlers replaced by ``desired``, in place of the first."""
    out: list[Any] = []
    placed = False
    for group in groups:
        hooks = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(hooks, list) or not any(is_hookmux_handler(h) for h in hooks):
            out.append(group)
            continue
        if not placed:
            out.extend(copy.deepcopy(desired))
            placed = True
        rest = [h for h in hooks if not is_hookmux_handler(h)]
        if rest:
            out.append({**group, "hooks": rest})
    if not placed:
        out.extend(copy.deepcopy(desired))
    return out


def rewire(
    document: Mapping[str, Any],
    events: Mapping[str, list[dict[str, Any]]],
    order: Sequence[str] = EVENT_NAMES,
) -> dict[str, Any]:
    """``document`` with hookmux's handlers replaced by ``events``'s; every other key,
    group and handler kept. New events go after the existing ones, in ``order``. The
    same shape serves Claude Code's settings, Codex's hooks.json and Gemini CLI's settings."""
    new = copy.deepcopy(dict(document))
    hooks = new.get("hooks", {})
    if not isinstance(hooks, dict):
        raise WiringError(f"'hooks' is a JSON {type(hooks).__name__}, not an object; fix it by hand first")
    names = list(hooks) + [e for e in order if e in events and e not in hooks]
    for event in names:
        groups = hooks.get(event, [])
        if not isinstance(groups, list):
            if event in events:
                raise WiringError(f"'hooks.{event}' is not a list; fix it by hand first")
            continue
        merged = _merge_groups(groups, events.get(event, []))
        if merged:
            hooks[event] = merged
        elif event in hooks:
            del hooks[event]
    if hooks:
        new["hooks"] = hooks
    else:
        new.pop("hooks", None)
    return new


def apply_wiring(
    settings: Mapping[str, Any], wiring: Wiring, *, force_statusline: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """``settings`` with hookmux's entries replaced by ``wiring``'s; every other key,
    group and handler kept as it was. Returns the new settings and notes for the user."""
    new = rewire(settings, wiring.events)
    notes: list[str] = []
    current = new.get("statusLine")
    if wiring.statusline is not None:
        if current is None or is_hookmux_statusline(current) or force_statusline:
            if current is not None and not is_hookmux_statusline(current):
                notes.append("statusLine replaced (--force); the previous one is in the backup")
            new["statusLine"] = copy.deepcopy(wiring.statusline)
        elif current != wiring.statusline:
            notes.append("statusLine kept: it is your own; use --force to replace it with the plugin's")
    elif is_hookmux_statusline(current):
        del new["statusLine"]
    return new, notes


def remove_wiring(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` without any hookmux handler or hookmux statusLine."""
    new = rewire(settings, {})
    if is_hookmux_statusline(new.get("statusLine")):
        del new["statusLine"]
    return new


def hookmux_handlers(settings: Mapping[str, Any]) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(event, matcher, handler) of every hookmux handler in ``settings``."""
    found = []
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return []
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for group in groups:
            if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
                continue
            for handler in group["hooks"]:
                if is_hookmux_handler(handler):
                    found.append((event, group.get("matcher"), handler))
    return found
