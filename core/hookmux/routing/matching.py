"""Decide, from the raw event and a handler's static declaration, whether it applies.

Stdlib only, and no ``re`` or ``fnmatch`` unless a handler really declares a
regular-expression matcher: this runs for every event before any plugin is imported.
"""

from __future__ import annotations

import os

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    MatcherSpec = tuple[str, Any]

#: Characters that keep a Claude Code matcher an exact name list (hooks docs,
#: "Matcher patterns"); any other character makes it an unanchored regex.
_EXACT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- ,|")
_PATH_KEYS = ("file_path", "notebook_path", "path")
_SHELL_TOOLS = frozenset({"Bash", "PowerShell"})


def compile_matcher(matcher: str | None, event: str | None = None) -> MatcherSpec:
    """Turn a Claude Code matcher string into plain data for the manifest.

    ``("all", None)`` for ``None``/``""``/``"*"``; ``("exact", names)`` for
    names separated by ``|`` or ``,``; ``("regex", pattern)`` otherwise. For
    FileChanged, Claude Code splits the matcher on ``|`` into literal file
    names (``.envrc|.env``), so it is always an exact list there.
    """
    if matcher is None or matcher.strip() in ("", "*"):
        return ("all", None)
    if event == "FileChanged":
        return ("exact", tuple(n.strip() for n in matcher.split("|") if n.strip()))
    if set(matcher) <= _EXACT_CHARS:
        names = [p.strip() for p in matcher.replace(",", "|").split("|")]
        return ("exact", tuple(n for n in names if n))
    return ("regex", matcher)


def matcher_accepts(spec: Sequence[Any], value: object) -> bool:
    kind = spec[0]
    if kind == "all":
        return True
    if not isinstance(value, str):
        return False
    if kind == "exact":
        return value in spec[1]
    import re  # only events with a regex matcher pay for re

    try:
        return re.search(spec[1], value) is not None
    except re.error:
        return False


# -- globs ---------------------------------------------------------------------


def _class_match(pat: str, i: int, ch: str) -> tuple[bool, int] | None:
    """Match ``ch`` against the ``[...]`` class starting at ``pat[i]``.

    Returns (matched, index after the class) or None when the bracket is not a
    valid class (then it is a literal ``[``).
    """
    j = i + 1
    negate = j < len(pat) and pat[j] in "!^"
    if negate:
        j += 1
    start = j
    matched = False
    while j < len(pat) and (pat[j] != "]" or j == start):
        lo = pat[j]
        if j + 2 < len(pat) and pat[j + 1] == "-" and pat[j + 2] != "]":
            if lo <= ch <= pat[j + 2]:
                matched = True
            j += 3
        else:
            if ch == lo:
                matched = True
            j += 1
    if j >= len(pat):
        return None
    return (matched != negate, j + 1)


#: pattern -> how :func:`wildcard_match` tests it: (kind, first part, non-empty middle
#: parts, last part), or None for a pattern with ``?`` or ``[``. Patterns come from the
#: manifest (a few dozen), each tried on every event its handler may take (a Bash call's
#: command parts meet some twenty command globs): each is taken apart once, and the
#: common shapes ``*x*`` and ``x*`` are one ``in`` or ``startswith``.
_STARS: dict[str, tuple[int, str, tuple[str, ...], str] | None] = {}
_LITERAL, _CONTAINS, _PREFIX, _STARRED = range(4)


def _star_form(pat: str) -> tuple[int, str, tuple[str, ...], str] | None:
    form: tuple[int, str, tuple[str, ...], str] | None = None
    if "?" not in pat and "[" not in pat:
        parts = pat.split("*")
        first, middle, last = parts[0], tuple(p for p in parts[1:-1] if p), parts[-1]
        kind = _STARRED
        if len(parts) == 1:
            kind = _LITERAL
        elif not first and not last and len(middle) == 1:
            kind = _CONTAINS
        elif not middle and not last:
            kind = _PREFIX
        form = (kind, first, middle, last)
    if len(_STARS) >= 4096:  # bounded, whatever patterns come
        _STARS.clear()
    _STARS[pat] = form
    return form


def wildcard_match(pat: str, text: str) -> bool:
    """fnmatch-style ``*``, ``?`` and ``[...]`` over the whole of ``text``."""
    form = _STARS[pat] if pat in _STARS else _star_form(pat)
    if form is None:
        return _glob_match(pat, text)
    # Only stars (``*hmtest-context*``, ``git push*``): string methods, not a character loop.
    kind, first, middle, last = form
    if kind == _CONTAINS:
        return middle[0] in text
    if kind == _PREFIX:
        return text.startswith(first)
    if kind == _LITERAL:
        return pat == text
    if len(first) + len(last) > len(text) or not text.startswith(first) or not text.endswith(last):
        return False
    at, end = len(first), len(text) - len(last)
    for part in middle:
        found = text.find(part, at, end)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _glob_match(pat: str, text: str) -> bool:
    p = t = 0
    star_p = star_t = -1
    while t < len(text):
        if p < len(pat):
            c = pat[p]
            if c == "*":
                star_p, star_t = p, t
                p += 1
                continue
            if c == "?":
                p += 1
                t += 1
                continue
            if c == "[":
                res = _class_match(pat, p, text[t])
                if res is not None:
                    if res[0]:
                        p = res[1]
                        t += 1
                        continue
                elif text[t] == "[":
                    p += 1
                    t += 1
                    continue
            elif c == text[t]:
                p += 1
                t += 1
                continue
        if star_p < 0:
            return False
        star_t += 1
        p, t = star_p + 1, star_t
    while p < len(pat) and pat[p] == "*":
        p += 1
    return p == len(pat)


def _parts_match(pparts: Sequence[str], sparts: Sequence[str]) -> bool:
    if not pparts:
        return not sparts
    head = pparts[0]
    if head == "**":
        rest = pparts[1:]
        if "**" not in rest:
            # Without another "**", every part of the rest takes exactly one segment: only
            # one place to try (the manifest's /**/... globs, tried on every Edit).
            k = len(sparts) - len(rest)
            return k >= 0 and _parts_match(rest, sparts[k:])
        return any(_parts_match(rest, sparts[k:]) for k in range(len(sparts) + 1))
    if not sparts:
        return False
    return wildcard_match(head, sparts[0]) and _parts_match(pparts[1:], sparts[1:])


def path_glob_match(pattern: str, path: str, roots: Sequence[str]) -> bool:
    """Match an absolute, normalised ``path`` against one glob ``pattern``.

    A pattern without ``/`` matches the file name at any depth (as in
    .gitignore); an absolute pattern matches the absolute path; any other
    pattern matches the path relative to one of ``roots`` (the project
    directory and the event's cwd), when the path lies inside it.
    """
    pattern = pattern.replace("\\", "/")
    if "/" not in pattern:
        return wildcard_match(pattern, path.rsplit("/", 1)[-1])
    if pattern.startswith("/"):
        return _parts_match(pattern.strip("/").split("/"), path.strip("/").split("/"))
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pparts = pattern.split("/")
    for root in roots:
        prefix = root.rstrip("/") + "/"
        if prefix != "/" and path.startswith(prefix) and _parts_match(pparts, path[len(prefix) :].split("/")):
            return True
    return False


#: (glob, path, roots) -> path_glob_match's answer, which depends on nothing else: a
#: session edits the same few files, and every Edit meets the manifest's path globs.
_PATH_MATCHES: dict[tuple[str, str, tuple[str, ...]], bool] = {}


def any_path_matches(globs: Sequence[str], paths: Sequence[str], roots: tuple[str, ...]) -> bool:
    """Whether one of ``paths`` matches one of ``globs`` (:func:`path_glob_match`), each
    answer remembered."""
    for path in paths:
        for glob in globs:
            key = (glob, path, roots)
            found = _PATH_MATCHES.get(key)
            if found is None:
                found = path_glob_match(glob, path, roots)
                if len(_PATH_MATCHES) >= 4096:  # bounded, whatever paths come
                    _PATH_MATCHES.clear()
                _PATH_MATCHES[key] = found
            if found:
                return True
    return False


# -- what an event touches -----------------------------------------------------


def _normalise(path: str, cwd: str) -> str:
    path = path.replace("\\", "/")
    if not path.startswith("/"):
        path = os.path.join(cwd or "/", path)
    return os.path.normpath(path).replace("\\", "/")


def _tool_calls(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The single call of a tool event, or every call of a PostToolBatch."""
    calls = raw.get("tool_calls")
    if isinstance(calls, list):
        return [c for c in calls if isinstance(c, dict)]
    return [raw]


def event_paths(raw: Mapping[str, Any]) -> list[str]:
    """Absolute, normalised file paths the event is about."""
    cwd = raw.get("cwd") if isinstance(raw.get("cwd"), str) else ""
    found: list[str] = []
    for call in _tool_calls(raw):
        tool_input = call.get("tool_input")
        if isinstance(tool_input, dict):
            for key in _PATH_KEYS:
                value = tool_input.get(key)
                if isinstance(value, str) and value:
                    found.append(_normalise(value, str(cwd)))
            changes = tool_input.get("changes")  # every file of a Codex apply_patch (its adapter)
            if isinstance(changes, list):
                for change in changes:
                    value = change.get("file_path") if isinstance(change, dict) else None
                    if isinstance(value, str) and value:
                        found.append(_normalise(value, str(cwd)))
    value = raw.get("file_path")
    if isinstance(value, str) and value:
        found.append(_normalise(value, str(cwd)))
    return found


def split_shell(command: str) -> list[str]:
    """The whole command and its parts split on ``&&``, ``||``, ``;``, ``|``, newlines."""
    marked = command
    for sep in ("&&", "||", ";", "|", "\n"):
        marked = marked.replace(sep, "\0")
    parts = [p.strip() for p in marked.split("\0")]
    return [command.strip()] + [p for p in parts if p and p != command.strip()]


def event_commands(raw: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for call in _tool_calls(raw):
        tool_input = call.get("tool_input")
        if call.get("tool_name") in _SHELL_TOOLS and isinstance(tool_input, dict):
            command = tool_input.get("command")
            if isinstance(command, str):
                found.extend(split_shell(command))
    return found


def field_value(raw: Mapping[str, Any], dotted: str) -> Any:
    value: Any = raw
    for key in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def matcher_values(raw: Mapping[str, Any], field: str | None) -> list[object]:
    """The values a handler's ``matcher`` is tested against for this event."""
    if raw.get("hook_event_name") == "PostToolBatch":
        return [c.get("tool_name") for c in _tool_calls(raw)]
    if field is None:
        return []
    value = raw.get(field)
    if field == "file_path" and isinstance(value, str):
        # FileChanged matchers name literal file names (hooks docs).
        value = value.replace("\\", "/").rsplit("/", 1)[-1]
    return [value]


def handler_accepts(
    handler: Mapping[str, Any],
    raw: Mapping[str, Any],
    matcher_field: str | None,
    roots: Sequence[str],
    facts: dict[str, Any] | None = None,
) -> bool:
    """True when every matcher the handler declares accepts the event.

    ``facts``: a dict kept across the handlers of one event, so its matcher values,
    paths and commands are worked out once.
    """
    facts = {} if facts is None else facts
    agents = handler.get("agents")
    if agents is not None and raw.get("hookmux_agent", "claude") not in agents:
        return False
    spec = handler["matcher"]
    if spec[0] != "all":
        if "values" not in facts:
            facts["values"] = matcher_values(raw, matcher_field)
        if not any(matcher_accepts(spec, v) for v in facts["values"]):
            return False
    globs = handler["paths"]
    if globs is not None:
        if "paths" not in facts:
            facts["paths"] = event_paths(raw)
            facts["roots"] = tuple(roots)
        if not any_path_matches(globs, facts["paths"], facts["roots"]):
            return False
    patterns = handler["commands"]
    if patterns is not None:
        if "commands" not in facts:
            facts["commands"] = event_commands(raw)
        if not any(wildcard_match(g, c) for c in facts["commands"] for g in patterns):
            return False
    fields = handler["fields"]
    if fields is not None:
        for dotted, wanted in fields:
            value = field_value(raw, dotted)
            if not any(_same(value, w) for w in wanted):
                return False
    return True
