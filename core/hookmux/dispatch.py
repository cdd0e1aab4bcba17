"""Run the handlers that matched an event and merge their answers.

Reached only when at least one handler's matchers accepted the event, so this is
where the heavy libraries are imported. Handlers run one at a time in priority
order, each in a worker thread with its own timeout, so one that raises,
returns garbage or hangs costs only its own answer (or, if it declared
``fail_closed``, turns into an explicit deny/block).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from hookmux.answers import ANSWER_CLASSES, OBSERVE_ONLY, Answer
from hookmux.config import Settings, load_settings
from hookmux.context import HookContext
from hookmux.converter import StructureError, structure_event
from hookmux.discovery import load_target
from hookmux.eventmodels import HookEvent
from hookmux.events import CLAUDE_TIMEOUT, DEFAULT_CLAUDE_TIMEOUT
from hookmux.merge import Contribution, merge_answers
from hookmux.paths import project_dir
from hookmux.plugins import make_plugin_manager
from hookmux.render import Rendered, render

#: Fraction of Claude Code's own timeout hookmux allows itself, leaving time to answer.
DEADLINE_SHARE = 0.8

Resolver = Callable[[str], Any]


@attrs.frozen
class Outcome:
    """What one handler did."""

    plugin: str
    function: str
    #: ok (answered), silent (returned None), error, timeout, invalid (bad return
    #: value), skipped (plugin could not be loaded or configured)
    status: str
    duration_ms: float
    error: str | None = None
    fail_closed: bool = False


@attrs.frozen
class Result:
    rendered: Rendered | None
    outcomes: tuple[Outcome, ...] = ()
    #: one-line messages for stderr (config errors, failures, conflicts)
    messages: tuple[str, ...] = ()
    #: a handler is still running in a worker thread; exit without waiting for it
    hung: bool = False


def default_deadline(event: str) -> float:
    return CLAUDE_TIMEOUT.get(event, DEFAULT_CLAUDE_TIMEOUT) * DEADLINE_SHARE


def fail_closed_answer(cls: type[Answer], reason: str) -> Answer | None:
    """The explicit refusal a fail-closed handler stands for, if the event has one."""
    names = {f.name for f in attrs.fields(cls)}
    if "permission" in names:
        return cls(permission="deny", reason=reason)  # type: ignore[call-arg]
    if "behavior" in names:
        return cls(behavior="deny", message=reason)  # type: ignore[call-arg]
    if "block" in names:
        return cls(block=True, reason=reason)  # type: ignore[call-arg]
    if "action" in names:
        return cls(action="decline")  # type: ignore[call-arg]
    return None


def _call(fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float, name: str) -> tuple[str, Any]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(**kwargs)
        except BaseException as exc:  # noqa: BLE001 - isolate everything, SystemExit included
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"hookmux-{name}", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if worker.is_alive():
        return "timeout", None
    if "error" in box:
        return "error", box["error"]
    return "ok", box.get("value")


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Run:
    """State of one dispatch (kept out of module globals: the daemon runs many at once)."""

    def __init__(self, raw: Mapping[str, Any], home: str, resolver: Resolver, transport: str) -> None:
        self.raw = raw
        self.home = home
        self.resolver = resolver
        self.transport = transport
        self.event_name: str = raw["hook_event_name"]
        self.outcomes: list[Outcome] = []
        self.messages: list[str] = []
        self.contributions: list[Contribution] = []
        self.hung = False

    def fail(self, handler: Mapping[str, Any], status: str, error: str, started: float) -> None:
        plugin, function = handler["plugin"], handler["function"]
        closed = bool(handler.get("fail_closed"))
        self.outcomes.append(
            Outcome(plugin, function, status, (time.monotonic() - started) * 1000, error, closed)
        )
        self.messages.append(f"hookmux: {plugin}.{function} {status}: {_one_line(error)}")
        cls = ANSWER_CLASSES.get(self.event_name)
        if closed and cls is not None:
            reason = (
                f"hookmux plugin {plugin} could not decide ({status}: {_one_line(error, 200)}); "
                "its decisions are fail-closed, so this is refused."
            )
            answer = fail_closed_answer(cls, reason)
            if answer is not None:
                self.contributions.append(Contribution(plugin, answer))


def dispatch(
    raw: Mapping[str, Any],
    handlers: Sequence[Mapping[str, Any]],
    manifest: Mapping[str, Any],
    *,
    home: str,
    resolver: Resolver | None = None,
    deadline: float | None = None,
    transport: str = "command",
    settings: Settings | None = None,
) -> Result:
    """Run ``handlers`` (already matched, in priority order) on ``raw``.

    :param resolver: plugin name -> plugin object; by default the plugin's
        entry point target from ``manifest`` is imported.
    :param deadline: seconds for the whole event (default: from config, else
        80 % of Claude Code's timeout for the event).
    """
    started = time.monotonic()
    plugins = manifest.get("plugins", {})
    run = _Run(raw, home, resolver or (lambda name: load_target(plugins[name]["target"])), transport)
    project = project_dir(raw.get("cwd"))
    if settings is None:
        settings = load_settings(project)
    run.messages.extend(f"hookmux: config: {_one_line(e)}" for e in settings.errors)
    handlers = [h for h in handlers if settings.plugin_enabled(h["plugin"])]
    if not handlers:
        return Result(None, (), tuple(run.messages))
    budget = deadline or settings.core.deadline or default_deadline(run.event_name)
    ends = started + budget

    try:
        event: HookEvent | None = structure_event(raw)
        problem = ""
    except StructureError as exc:
        event, problem = None, str(exc)

    pm = make_plugin_manager()
    ready: dict[str, tuple[Any, Any] | str] = {}  # plugin -> (object, config) or the reason it cannot run
    for handler in handlers:
        t0 = time.monotonic()
        name = handler["plugin"]
        if event is None:
            run.fail(handler, "invalid", f"invalid event: {problem}", t0)
            continue
        if name not in ready:
            ready[name] = _prepare(pm, name, run.resolver, settings)
        prepared = ready[name]
        if isinstance(prepared, str):
            run.fail(handler, "skipped", prepared, t0)
            continue
        remaining = ends - time.monotonic()
        if remaining <= 0.01:
            run.fail(handler, "timeout", "no time left before the event deadline", t0)
            continue
        _run_handler(
            run,
            pm,
            handler,
            event,
            prepared[1],
            project,
            min(handler["timeout"] or settings.core.handler_timeout, remaining),
        )

    cls = ANSWER_CLASSES.get(run.event_name)
    if cls is None or not run.contributions:
        return Result(None, tuple(run.outcomes), tuple(run.messages), run.hung)
    merged = merge_answers(cls, run.contributions)
    answer = merged.answer
    conflicts = [n for n in merged.notes if "not applied" in n]
    run.messages.extend(f"hookmux: {n}" for n in merged.notes)
    if conflicts and "system_message" in attrs.fields_dict(cls):
        note = "hookmux: " + "; ".join(conflicts)
        answer = merge_answers(
            cls,
            [Contribution("merged", answer), Contribution("hookmux", cls(system_message=note))],  # type: ignore[call-arg]
        ).answer
    return Result(render(answer, transport), tuple(run.outcomes), tuple(run.messages), run.hung)


def _prepare(pm: Any, name: str, resolver: Resolver, settings: Settings) -> tuple[Any, Any] | str:
    """Import and register a plugin and structure its config, or say why not."""
    try:
        obj = resolver(name)
        if not pm.has_plugin(name):
            pm.register(obj, name=name)
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
        return f"cannot load plugin: {type(exc).__name__}: {exc}"
    schema = None
    for impl in pm.hook.hookmux_config_schema.get_hookimpls():
        if impl.plugin_name == name:
            try:
                schema = impl.function()
            except Exception as exc:  # noqa: BLE001
                return f"hookmux_config_schema raised {type(exc).__name__}: {exc}"
    config, errors = settings.plugin_config(name, schema)
    if errors:
        return "invalid config: " + "; ".join(errors)
    return obj, config


def _run_handler(
    run: _Run,
    pm: Any,
    handler: Mapping[str, Any],
    event: HookEvent,
    config: Any,
    project: str,
    timeout: float,
) -> None:
    t0 = time.monotonic()
    name, function = handler["plugin"], handler["function"]
    impl = next(
        (
            i
            for i in getattr(pm.hook, handler["hook"]).get_hookimpls()
            if i.plugin_name == name and i.function.__name__ == function
        ),
        None,
    )
    if impl is None:
        run.fail(handler, "skipped", f"handler {function} not found (reinstall the plugin?)", t0)
        return
    ctx = HookContext(
        plugin=name, config=config, project_dir=project, home=run.home, deadline=t0 + timeout, raw=run.raw
    )
    available = {"event": event, "ctx": ctx}
    kwargs = {arg: available[arg] for arg in impl.argnames if arg in available}
    status, value = _call(impl.function, kwargs, timeout, f"{name}.{function}")
    if status == "timeout":
        run.hung = True
        run.fail(handler, "timeout", f"did not answer within {timeout:.2f} s", t0)
        return
    if status == "error":
        run.fail(handler, "error", f"raised {type(value).__name__}: {value}", t0)
        return
    cls = ANSWER_CLASSES.get(run.event_name)
    if value is not None and (run.event_name in OBSERVE_ONLY or cls is None or not isinstance(value, cls)):
        expected = "None" if cls is None else f"{cls.__name__} or None"
        run.fail(handler, "invalid", f"returned {type(value).__name__}, expected {expected}", t0)
        return
    duration = (time.monotonic() - t0) * 1000
    if value is None:
        run.outcomes.append(Outcome(name, function, "silent", duration))
        return
    run.outcomes.append(Outcome(name, function, "ok", duration))
    run.contributions.append(Contribution(name, value))
