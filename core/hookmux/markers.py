"""The ``hookimpl`` marker, importable without pluggy.

pluggy finds implementations by the ``<project>_impl`` attribute it reads off each
function (``PluginManager.parse_hookimpl_opts``). Writing that dict ourselves keeps
plugin modules free of the pluggy import (~15 ms) while staying pluggy-compatible;
the extra keys (priority, matchers, ...) survive in ``HookImpl.opts`` and are also
copied into the manifest, so routing never has to import a plugin to match it.
"""

from __future__ import annotations

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])
    ScalarMatch = str | int | float | bool | None

#: Attribute name pluggy reads for a PluginManager named ``hookmux``.
IMPL_ATTR = "hookmux_impl"
#: Default handler priority. Larger numbers run first.
DEFAULT_PRIORITY = 50
#: The plugin module attribute listing the ``hookmux`` arguments of its status line.
STATUSLINE_ATTR = "HOOKMUX_STATUSLINE"
#: The plugin module attribute naming its stdlib-only status line renderer, ``"module:function"``.
STATUSLINE_MAIN_ATTR = "HOOKMUX_STATUSLINE_MAIN"


def _as_tuple(value: str | Iterable[str] | None, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"hookimpl {what} must be strings, got {item!r}")
    return items


def _as_fields(
    fields: Mapping[str, ScalarMatch | Iterable[ScalarMatch]] | None,
) -> tuple[tuple[str, tuple[ScalarMatch, ...]], ...] | None:
    if fields is None:
        return None
    out: list[tuple[str, tuple[ScalarMatch, ...]]] = []
    for key, wanted in fields.items():
        if isinstance(wanted, (str, int, float, bool)) or wanted is None:
            out.append((key, (wanted,)))
        else:
            out.append((key, tuple(wanted)))
    return tuple(out)


if TYPE_CHECKING:
    from typing import overload
else:

    def overload(func: object) -> object:  # typing.overload without importing typing
        return func


@overload
def hookimpl(function: F) -> F: ...


@overload
def hookimpl(  # noqa: F811
    function: None = None,
    *,
    priority: int = DEFAULT_PRIORITY,
    matcher: str | None = None,
    paths: str | Iterable[str] | None = None,
    commands: str | Iterable[str] | None = None,
    fields: Mapping[str, ScalarMatch | Iterable[ScalarMatch]] | None = None,
    timeout: float | None = None,
    fail_closed: bool = False,
    background: bool = False,
    background_key: str | None = None,
    observer: bool = False,
    specname: str | None = None,
    agents: str | Iterable[str] | None = None,
) -> Callable[[F], F]: ...


def hookimpl(  # noqa: F811 - the implementation of the overloads above
    function: F | None = None,
    *,
    priority: int = DEFAULT_PRIORITY,
    matcher: str | None = None,
    paths: str | Iterable[str] | None = None,
    commands: str | Iterable[str] | None = None,
    fields: Mapping[str, ScalarMatch | Iterable[ScalarMatch]] | None = None,
    timeout: float | None = None,
    fail_closed: bool = False,
    background: bool = False,
    background_key: str | None = None,
    observer: bool = False,
    specname: str | None = None,
    agents: str | Iterable[str] | None = None,
) -> F | Callable[[F], F]:
    """Mark a function as a hookmux handler.

    :param priority: larger runs first; ties are broken by plugin name. The
        highest priority wins a single-valued field such as ``updated_input``
        and keeps its ``additional_context`` when the merged text must be cut.
    :param matcher: a Claude Code matcher string for the event's matcher field
        (``tool_name`` for tool events, ``source`` for SessionStart, ...), with
        Claude Code's semantics: ``"Edit|Write"`` is an exact list, anything
        with other characters is an unanchored regular expression.
    :param paths: glob(s) for the file path(s) the event touches
        (``tool_input.file_path`` and friends). A pattern without ``/`` matches
        the file name at any depth; ``**`` crosses directories; relative
        patterns match paths relative to the project, absolute ones absolute paths.
    :param commands: glob(s) for a Bash/PowerShell ``tool_input.command``,
        tried on the whole command and on each ``&&``/``||``/``;``/``|`` part.
    :param fields: exact values for dotted event fields, e.g.
        ``{"source": ["startup", "resume"]}``.
    :param timeout: seconds this handler may take (default from config).
    :param fail_closed: a crash or timeout of this handler yields an explicit
        deny/block instead of failing open.
    :param background: run after hookmux has answered Claude Code, in a detached
        worker (at most ``max_workers`` per user); must return None.
    :param background_key: dotted event field whose value coalesces queued
        background runs (default ``session_id``): while a run for the same key
        is waiting, a newer event replaces it instead of queueing another.
    :param observer: the handler only observes (records, counts, forwards) and never
        answers: under ``hookmux serve`` it runs just after the answer went out, in the
        daemon (with its timeout, breaker and record as usual), so it adds nothing to the
        event's latency; a one-event ``hookmux run`` runs it in priority order as any
        handler. Its return value is ignored.
    :param specname: the hookspec to implement when the function name differs
        (lets one plugin have several handlers for one event).
    :param agents: the coding agents whose events this handler takes (``"claude"``,
        ``"codex"``, ``"gemini"``); default: every agent.
    """

    def mark(func: F) -> F:
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise TypeError(f"hookimpl priority must be an int, got {priority!r}")
        if (background or observer) and fail_closed:
            kind = "a background" if background else "an observer"
            raise TypeError(f"{kind} handler answers nobody, so it cannot be fail_closed")
        if background and observer:
            raise TypeError("a handler is background (a detached worker) or an observer, not both")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise TypeError(f"hookimpl timeout must be a positive number, got {timeout!r}")
        opts: dict[str, Any] = {
            # pluggy's own keys
            "wrapper": False,
            "hookwrapper": False,
            "optionalhook": False,
            "tryfirst": False,
            "trylast": False,
            "specname": specname,
            # hookmux's keys
            "priority": priority,
            "matcher": matcher,
            "paths": _as_tuple(paths, "paths"),
            "commands": _as_tuple(commands, "commands"),
            "fields": _as_fields(fields),
            "timeout": None if timeout is None else float(timeout),
            "fail_closed": bool(fail_closed),
            "background": bool(background),
            "background_key": background_key,
            "observer": bool(observer),
            "agents": _as_tuple(agents, "agents"),
        }
        setattr(func, IMPL_ATTR, opts)
        return func

    if function is not None:
        return mark(function)
    return mark
