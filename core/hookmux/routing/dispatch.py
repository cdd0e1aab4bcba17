"""Run the handlers that matched an event and merge their answers.

Reached only when at least one handler's matchers accepted the event, so this is
where the heavy libraries are imported. Handlers run one at a time in priority
order, each in a worker thread with its own timeout and circuit breaker, so one
that raises, returns garbage or hangs costs only its own answer (or, if it
declared ``fail_closed``, turns into an explicit deny/block). Background
handlers are queued for a detached worker; every run is recorded.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from hookmux.config import CoreConfig, Settings, load_settings
from hookmux.protocol.answers import OBSERVE_ONLY, Answer, answer_class
from hookmux.protocol.converter import StructureError, structure_event
from hookmux.protocol.eventmodels import HookEvent
from hookmux.protocol.events import CLAUDE_TIMEOUT, DEFAULT_CLAUDE_TIMEOUT
from hookmux.protocol.merge import Contribution, merge_answers
from hookmux.protocol.render import Rendered, render
from hookmux.routing.context import HookContext
from hookmux.routing.loader import load_target
from hookmux.routing.plugins import make_plugin_manager
from hookmux.routing.threads import call_with_timeout
from hookmux.state import breakers
from hookmux.state.paths import project_dir
from hookmux.state.records import (
    RECORDS,
    append_lines,
    correlation_id,
    new_id,
    parent_span_id,
    stored_payload,
    trace_id,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hookmux.routing.takeover import Guard

#: Fraction of Claude Code's own timeout hookmux allows itself, leaving time to answer.
DEADLINE_SHARE = 0.8
FAILED = ("error", "timeout", "invalid")

Resolver = Callable[[str], Any]
#: An agent adapter's renderer: (Claude Code-shaped output, canonical event) -> (the agent's
#: output, notes on what was dropped). Passed in by the entry layer (agents sit above routing).
Adapt = Callable[[Rendered | None, Mapping[str, Any]], tuple[Rendered | None, list[str]]]

#: Serialises importing and registering plugins on a plugin manager shared by
#: concurrent dispatches (``hookmux serve``).
_register_lock = threading.RLock()


@attrs.frozen
class Outcome:
    """What one handler did."""

    plugin: str
    function: str
    #: ok (answered), silent (returned None), queued (background), error, timeout,
    #: invalid (bad return value), skipped (plugin could not be loaded or
    #: configured), open / disabled (its circuit breaker)
    status: str
    duration_ms: float
    error: str | None = None
    fail_closed: bool = False
    dedupe_hits: int = 0
    #: what the handler answered, as JSON (redacted, bounded), for ``hookmux explain``
    answer: str | None = None


#: The note of an event whose observers ran after a restart (``dispatch(answered=...)``).
REPLAYED_NOTE = (
    "replayed: the daemon that answered this event stopped before its observers ran; "
    "they ran in the next one, and its answer is not known here"
)

#: Longest answer or output text kept in a record.
RECORD_TEXT_LIMIT = 4000


def summarize(value: Any) -> str:
    """JSON of an answer's set fields or of an output object: redacted and bounded."""
    from hookmux.state.redact import redact_dumped

    if isinstance(value, Answer):
        value = {
            f.name: getattr(value, f.name)
            for f in attrs.fields(type(value))
            if getattr(value, f.name) not in (None, False, ())
        }
    text = redact_dumped(value, default=str)[1]
    return text if len(text) <= RECORD_TEXT_LIMIT else text[: RECORD_TEXT_LIMIT - 1] + "…"


@attrs.frozen
class Result:
    rendered: Rendered | None
    outcomes: tuple[Outcome, ...] = ()
    #: one-line messages for stderr (config errors, failures, conflicts)
    messages: tuple[str, ...] = ()
    #: a handler is still running in a worker thread; exit without waiting for it
    hung: bool = False
    #: background runs to queue once the answer is out
    jobs: tuple[dict[str, Any], ...] = ()
    max_workers: int = 2
    correlation_id: str = ""
    #: what the merge and the agent's adapter noted (conflicts, cuts, fields not emitted)
    notes: tuple[str, ...] = ()


def default_deadline(event: str) -> float:
    return CLAUDE_TIMEOUT.get(event, DEFAULT_CLAUDE_TIMEOUT) * DEADLINE_SHARE


def breaker_policy(core: CoreConfig) -> breakers.Policy:
    return breakers.Policy(
        core.breaker_threshold, core.breaker_cooldown, core.breaker_window, core.breaker_max_failure_rate
    )


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


def one_line(text: str, limit: int = 300) -> str:
    """A redacted single line (errors can quote tool input, and they are stored)."""
    from hookmux.state.redact import redact_text

    text = redact_text(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: plugin manager -> (hook, plugin name) -> (the plugin object registered under that name,
#: its hookimpls of that hook). The daemon's manager keeps its plugins, and scanning every
#: hookimpl of a hook (a copied list) twice per handler and event showed in its profile.
_impls: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[object, tuple[Any, ...]]]] = (
    weakref.WeakKeyDictionary()
)


def plugin_impls(pm: Any, hook: str, name: str) -> tuple[Any, ...]:
    """The hookimpls of plugin ``name`` for ``hook``, in pluggy's order.

    Remembered while the same object stays registered under ``name``: pluggy adds or
    drops a plugin's hookimpls only when it is registered or unregistered."""
    plugin = pm.get_plugin(name)
    try:
        known = _impls.get(pm)
    except TypeError:  # a plugin manager that takes no weak reference: not remembered
        known = None
    if known is not None and plugin is not None:
        found = known.get((hook, name))
        if found is not None and found[0] is plugin:
            return found[1]
    impls = tuple(i for i in getattr(pm.hook, hook).get_hookimpls() if i.plugin_name == name)
    if plugin is not None:
        try:
            _impls.setdefault(pm, {})[(hook, name)] = (plugin, impls)
        except TypeError:
            pass
    return impls


def prepare_plugin(pm: Any, name: str, resolver: Resolver, settings: Settings) -> tuple[Any, Any] | str:
    """Import and register a plugin and structure its config, or say why it cannot run."""
    try:
        with _register_lock:
            obj = resolver(name)
            if not pm.has_plugin(name):
                pm.register(obj, name=name)
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
        return f"cannot load plugin: {type(exc).__name__}: {exc}"
    schema = None
    for impl in plugin_impls(pm, "hookmux_config_schema", name):
        try:
            schema = impl.function()
        except Exception as exc:  # noqa: BLE001
            return f"hookmux_config_schema raised {type(exc).__name__}: {exc}"
    config, errors = settings.plugin_config(name, schema)
    if errors:
        return "invalid config: " + "; ".join(errors)
    return obj, config


def run_handler(
    pm: Any,
    handler: Mapping[str, Any],
    event: HookEvent,
    ctx: HookContext,
    timeout: float,
    call: Callable[[Callable[..., Any], dict[str, Any], float, str], tuple[str, Any]] | None = None,
) -> tuple[str, Any, str | None]:
    """Run one handler: (status, answer or None, error message).

    :param call: runs the handler function with its timeout (default: in a worker
        thread, :func:`call_with_timeout`; the daemon runs it in place, under a
        :class:`~hookmux.routing.takeover.Guard`).
    """
    name, function = handler["plugin"], handler["function"]
    impl = next((i for i in plugin_impls(pm, handler["hook"], name) if i.function.__name__ == function), None)
    if impl is None:
        return "skipped", None, f"handler {function} not found (reinstall the plugin?)"
    available = {"event": event, "ctx": ctx}
    kwargs = {arg: available[arg] for arg in impl.argnames if arg in available}
    status, value = (call or call_with_timeout)(impl.function, kwargs, timeout, f"{name}.{function}")
    if status == "timeout":
        return "timeout", None, timed_out(timeout)
    if status == "error":
        return "error", None, f"raised {type(value).__name__}: {value}"
    cls = answer_class(event.hook_event_name)
    if value is not None and (
        handler.get("background")
        or event.hook_event_name in OBSERVE_ONLY
        or cls is None
        or not isinstance(value, cls)
    ):
        expected = "None" if cls is None or handler.get("background") else f"{cls.__name__} or None"
        return "invalid", None, f"returned {type(value).__name__}, expected {expected}"
    return ("silent" if value is None else "ok"), value, None


def timed_out(timeout: float) -> str:
    return f"did not answer within {timeout:.2f} s"


def background_job(handler: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    from hookmux.routing.matching import field_value

    key_field = handler.get("background_key") or "session_id"
    return {
        "plugin": handler["plugin"],
        "handler": handler["function"],
        "hook": handler["hook"],
        "key": f"{key_field}={field_value(raw, key_field)}",
        "payload": dict(raw),
        "not_before": time.time(),
    }


def exec_record(
    outcome: Outcome,
    raw: Mapping[str, Any],
    corr: str,
    size: int,
    *,
    background: bool = False,
    event_id: str | None = None,
    seq: int = 0,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "seq": seq,
        "answer": outcome.answer,
        "kind": "exec",
        "id": new_id(),
        "ts": time.time(),
        "correlation_id": corr,
        "session_id": raw.get("session_id"),
        "event": raw.get("hook_event_name"),
        "tool_use_id": raw.get("tool_use_id"),
        "plugin": outcome.plugin,
        "handler": outcome.function,
        "status": outcome.status,
        "duration_ms": round(outcome.duration_ms, 3),
        "error": outcome.error,
        "payload_size": size,
        "dedupe_hits": outcome.dedupe_hits,
        "background": int(background),
    }


class _Run:
    """State of one dispatch (kept out of module globals: a daemon runs many at once).

    Its handler loop can be resumed by another thread (:mod:`hookmux.routing.takeover`).
    """

    def __init__(
        self,
        raw: Mapping[str, Any],
        home: str,
        settings: Settings,
        environ: Mapping[str, str],
        handlers: Sequence[Mapping[str, Any]],
        project: str,
        started: float,
        ends: float,
        resolve: Resolver,
        pm: Any,
        guard: Guard | None,
        adapt: Adapt | None = None,
    ) -> None:
        self.raw = raw
        self.adapt = adapt
        self.agent: str = raw.get("hookmux_agent") or "claude"
        self.environ = environ
        self.defer = False
        #: observer handlers held back until the answer is out (None: run them in order)
        self.observers: list[Mapping[str, Any]] | None = None
        self.unsummarized: dict[int, Answer] = {}
        self.home = home
        self.settings = settings
        self.event_name: str = raw["hook_event_name"]
        self.outcomes: list[Outcome] = []
        self.messages: list[str] = []
        self.contributions: list[Contribution] = []
        self.jobs: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.hung = False
        self.policy = breaker_policy(settings.core)
        self.handlers = handlers
        self.project = project
        self.started = started
        self.ends = ends
        self.resolve = resolve
        self.pm = pm
        self.guard = guard
        self.corr = correlation_id(raw)
        #: plugin -> (object, config) or why it cannot run
        self.ready: dict[str, tuple[Any, Any] | str] = {}
        #: the next handler to run
        self.next = 0
        #: the breaker state read when the handler running now was admitted
        self.breaker: breakers.State | None = None
        #: the handler running now: (its start, its timeout, its context)
        self.current: tuple[float, float, HookContext] | None = None
        try:
            self.event: HookEvent | None = structure_event(raw)
            self.problem = ""
        except StructureError as exc:
            self.event, self.problem = None, str(exc)

    def done(
        self,
        handler: Mapping[str, Any],
        status: str,
        started: float,
        error: str | None = None,
        dedupe_hits: int = 0,
        answer: Answer | None = None,
    ) -> None:
        plugin, function = handler["plugin"], handler["function"]
        closed = bool(handler.get("fail_closed"))
        error = one_line(error) if error else None
        duration = (time.monotonic() - started) * 1000
        if answer is not None:
            self.contributions.append(Contribution(plugin, answer))
        summarized: Answer | None = answer
        if status in FAILED or status in ("skipped", breakers.OPEN, breakers.DISABLED):
            detail = error or f"circuit breaker {status}"
            self.messages.append(f"hookmux: {plugin}.{function} {status}: {detail}")
            cls = answer_class(self.event_name)
            if closed and cls is not None:
                reason = (
                    f"hookmux plugin {plugin} could not decide ({status}: {one_line(detail, 200)}); "
                    "its decisions are fail-closed, so this is refused."
                )
                refusal = fail_closed_answer(cls, reason)
                if refusal is not None:
                    self.contributions.append(Contribution(plugin, refusal))
                    summarized = refusal
        summary = None
        if summarized is not None:
            if self.defer:  # summarised when recorded, after the answer went out
                self.unsummarized[len(self.outcomes)] = summarized
            else:
                summary = summarize(summarized)
        self.outcomes.append(Outcome(plugin, function, status, duration, error, closed, dedupe_hits, summary))

    def run_handlers(self) -> None:
        """Run the handlers from :attr:`next` on, in priority order."""
        while self.next < len(self.handlers):
            self._run_one(self.handlers[self.next])
            self.next += 1

    def _run_one(self, handler: Mapping[str, Any]) -> None:
        t0 = time.monotonic()
        name, function = handler["plugin"], handler["function"]
        if self.observers is not None and handler.get("observer"):
            self.observers.append(handler)  # run by run_observers, after the answer
            return
        if handler.get("background"):
            if self.event is not None:
                self.jobs.append(background_job(handler, self.raw))
                self.done(handler, "queued", t0)
            return
        if self.event is None:
            self.done(handler, "invalid", t0, f"invalid event: {self.problem}")
            return
        refused, self.breaker = breakers.admit_state(self.home, name, function, self.policy)
        if refused is not None:
            self.done(handler, refused, t0)
            return
        if name not in self.ready:
            self.ready[name] = prepare_plugin(self.pm, name, self.resolve, self.settings)
        prepared = self.ready[name]
        if isinstance(prepared, str):
            self.done(handler, "skipped", t0, prepared)
            return
        remaining = self.ends - time.monotonic()
        if remaining <= 0.01:
            self.done(handler, "timeout", t0, "no time left before the event deadline")
            return
        core = self.settings.core
        timeout = min(handler["timeout"] or core.handler_timeout, remaining)
        ctx = HookContext(
            plugin=name,
            handler=function,
            hook=handler["hook"],
            config=prepared[1],
            project_dir=self.project,
            home=self.home,
            deadline=t0 + timeout,
            correlation_id=self.corr,
            dedupe_ttl=core.dedupe_ttl,
            agent=self.agent,
            raw=self.raw,
            environ=self.environ,
            core=core,
        )
        guard, index = self.guard, self.next
        call = None
        if guard is not None:
            self.current = (t0, timeout, ctx)

            def call(
                fn: Callable[..., Any], kwargs: dict[str, Any], limit: float, _name: str
            ) -> tuple[str, Any]:
                return guard.call(index, fn, kwargs, limit)

        status, value, error = run_handler(self.pm, handler, self.event, ctx, timeout, call)
        self._settle(handler, t0, ctx, status, value, error)

    def _settle(
        self,
        handler: Mapping[str, Any],
        t0: float,
        ctx: HookContext,
        status: str,
        value: Any,
        error: str | None,
    ) -> None:
        self.current = None
        if handler.get("observer"):
            value = None  # an observer never answers, wherever it runs
        self.hung = self.hung or status == "timeout"
        self.jobs.extend(ctx.stats.get("jobs", ()))
        self.done(handler, status, t0, error, ctx.stats.get("dedupe_hits", 0), value)
        ok = status not in FAILED
        breakers.record(self.home, handler["plugin"], handler["function"], ok, self.policy, self.breaker)

    def run_observers(self) -> None:
        """The observer handlers held back, once the answer went out: each in a worker
        thread with its timeout (the event's guard has answered already), recorded as any
        handler; background jobs they ask for (``ctx.debounce``) are queued here."""
        observers, self.observers = self.observers or [], None
        self.guard = None
        jobs = len(self.jobs)
        for handler in observers:
            self._run_one(handler)
        if len(self.jobs) > jobs:
            from hookmux.state import background

            background.queue_and_start(self.home, self.jobs[jobs:], self.settings.core.max_workers)

    def expired(self, index: int) -> None:
        """The handler at ``index`` overran its timeout in a thread given up on (the
        :mod:`hookmux.routing.takeover` watchdog's verdict): settle it; the run goes on after it."""
        assert self.current is not None and self.next == index
        t0, timeout, ctx = self.current
        self._settle(self.handlers[index], t0, ctx, "timeout", None, timed_out(timeout))
        self.next = index + 1


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
    environ: Mapping[str, str] | None = None,
    plugin_manager: Any = None,
    deferred: list[Callable[[], None]] | None = None,
    settings_loader: Callable[[str | None, Mapping[str, str]], Settings] | None = None,
    guard: Guard | None = None,
    adapt: Adapt | None = None,
    answered: Sequence[Outcome] | None = None,
) -> Result:
    """Run ``handlers`` (already matched, in priority order) on ``raw``.

    :param resolver: plugin name -> plugin object; by default the plugin's
        entry point target from ``manifest`` is imported.
    :param deadline: seconds for the whole event (default: from config, else
        80 % of Claude Code's timeout for the event).
    :param environ: the caller's environment (default ``os.environ``): the project,
        the configuration and the trace id come from it. ``hookmux serve`` passes
        the variables each ``hookmux run`` relayed.
    :param plugin_manager: a plugin manager to reuse across events (plugins are
        registered on it once); by default a fresh one per event.
    :param settings_loader: reads the settings for (project, environment), by default
        :func:`~hookmux.config.load_settings` (the daemon passes a cache).
    :param deferred: when given, recording is appended to it as a callable, for
        the caller to run once the answer is out (the daemon does), instead of
        being done before this returns.
    :param guard: run the handlers in this thread under this guard (the daemon;
        :mod:`hookmux.routing.takeover`) instead of a worker thread each. When the guard
        already holds a dispatch (another thread gave up on it), that dispatch
        resumes here.
    :param adapt: turns the rendered answer into another agent's output (its adapter's
        ``render``); what it drops is recorded as notes, shown by ``hookmux explain``.
    :param answered: what the answering handlers did when a daemon answered the event
        and died before its after-work ran (:mod:`hookmux.state.pending`): only the
        observers run now, and the record counts both; there is no answer.
    """
    if guard is not None and guard.run is not None:
        run: _Run = guard.run
    elif deferred is not None and answered is None and nothing_answers(handlers):
        # Observers and background handlers only: the answer is empty whatever they do, so
        # it goes out now, and they run (in order, as in one `hookmux run`) once it is out.
        def later() -> None:
            result = dispatch(
                raw, handlers, manifest, home=home, resolver=resolver, deadline=deadline, transport=transport,
                settings=settings, environ=environ, plugin_manager=plugin_manager,
                settings_loader=settings_loader, adapt=adapt,
            )  # fmt: skip
            if result.jobs:
                from hookmux.state import background

                background.queue_and_start(home, result.jobs, result.max_workers)

        deferred.append(later)
        return Result(None, correlation_id=correlation_id(raw))
    else:
        started = time.monotonic()
        plugins = manifest.get("plugins", {})
        resolve = resolver or (lambda name: load_target(plugins[name]["target"]))
        env = os.environ if environ is None else environ
        project = project_dir(raw.get("cwd"), env)
        settings = settings or (settings_loader or load_settings)(project, env)
        errors = [f"hookmux: config: {one_line(e)}" for e in settings.errors]
        handlers = [
            h
            for h in handlers
            if settings.plugin_enabled(h["plugin"]) and (answered is None or h.get("observer"))
        ]
        if not handlers and answered is None:
            return Result(None, (), tuple(errors), correlation_id=correlation_id(raw))
        ends = started + (deadline or settings.core.deadline or default_deadline(raw["hook_event_name"]))
        pm = plugin_manager if plugin_manager is not None else make_plugin_manager()
        run = _Run(raw, home, settings, env, handlers, project, started, ends, resolve, pm, guard, adapt)
        run.messages.extend(errors)
        if answered is not None:
            run.outcomes.extend(answered)
            run.notes.append(REPLAYED_NOTE)
        run.defer = deferred is not None
        if deferred is not None:
            run.observers = []
        if guard is not None:
            guard.run = run
    run.run_handlers()

    rendered = _answer(run, transport) if answered is None else None
    if deferred is not None and run.observers:
        deferred.append(run.run_observers)  # before the record: it counts their runs
    core = run.settings.core
    if core.metrics:
        finished = time.monotonic()
        if deferred is not None:
            deferred.append(lambda: _record(run, run.corr, run.started, rendered, finished))
        else:
            _record(run, run.corr, run.started, rendered, finished)
    return Result(
        rendered,
        tuple(run.outcomes),
        tuple(run.messages),
        run.hung,
        tuple(run.jobs),
        core.max_workers,
        run.corr,
        tuple(run.notes),
    )


def may_answer(handler: Mapping[str, Any]) -> bool:
    """The handler can answer, or refuse for a failure (it is no observer nor background run)."""
    return not (handler.get("observer") or handler.get("background")) or bool(handler.get("fail_closed"))


def nothing_answers(handlers: Sequence[Mapping[str, Any]]) -> bool:
    """No handler can answer (observers, background runs) nor refuse for a failure."""
    return not any(may_answer(h) for h in handlers)


def _answer(run: _Run, transport: str) -> Rendered | None:
    rendered = _rendered(run, transport)
    if run.adapt is None or rendered is None:
        return rendered
    rendered, notes = run.adapt(rendered, run.raw)
    run.notes.extend(notes)
    return rendered


def _rendered(run: _Run, transport: str) -> Rendered | None:
    cls = answer_class(run.event_name)
    if cls is None or not run.contributions:
        return None
    merged = merge_answers(cls, run.contributions)
    answer = merged.answer
    conflicts = [n for n in merged.notes if "not applied" in n]
    run.notes.extend(merged.notes)
    run.messages.extend(f"hookmux: {n}" for n in merged.notes)
    if conflicts and "system_message" in attrs.fields_dict(cls):
        note = "hookmux: " + "; ".join(conflicts)
        answer = merge_answers(
            cls,
            [Contribution("merged", answer), Contribution("hookmux", cls(system_message=note))],  # type: ignore[call-arg]
        ).answer
    return render(answer, transport)


def _record(run: _Run, corr: str, started: float, rendered: Rendered | None, finished: float) -> None:
    for index, answer in run.unsummarized.items():
        run.outcomes[index] = attrs.evolve(run.outcomes[index], answer=summarize(answer))
    import json

    raw, core = run.raw, run.settings.core
    text = json.dumps(raw, ensure_ascii=False)
    size = len(text.encode("utf-8"))
    payload, encoding = stored_payload(raw, core.max_bytes, core.compress) if core.store_raw else (None, None)
    outcome = "silent"
    if rendered is not None:
        outcome = "blocked" if rendered.exit_code == 2 else "answered"
    tool_name = raw.get("tool_name")
    output = None
    if rendered is not None:
        output = summarize(rendered.payload) if rendered.payload is not None else None
        if rendered.plain is not None:
            output = summarize({"stdout": rendered.plain})
        elif rendered.exit_code == 2:
            output = summarize({"exit_code": 2, "stderr": rendered.stderr})
    event_id = new_id()
    records = [
        {
            "kind": "event",
            "id": event_id,
            "output": output,
            "exit_code": rendered.exit_code if rendered is not None else 0,
            "notes": "\n".join(run.notes) or None,
            "agent": run.agent,
            "ts": time.time(),
            "correlation_id": corr,
            "trace_id": trace_id(run.environ),
            "parent_span_id": parent_span_id(run.environ),
            "session_id": raw.get("session_id"),
            "event": run.event_name,
            "tool_name": tool_name if isinstance(tool_name, str) else None,
            "tool_use_id": raw.get("tool_use_id"),
            "payload_size": size,
            "duration_ms": round((finished - started) * 1000, 3),
            "handlers": len(run.outcomes),
            "outcome": outcome,
            "payload": payload,
            "payload_encoding": encoding,
        }
    ]
    records.extend(
        exec_record(o, raw, corr, size, event_id=event_id, seq=i) for i, o in enumerate(run.outcomes)
    )
    append_lines(run.home, RECORDS, records)
