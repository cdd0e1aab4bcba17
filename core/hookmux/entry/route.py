"""Routing one event in-process: parse it, match it against the manifest, dispatch.

``hookmux run`` (:mod:`hookmux.entry.run`) comes here when no daemon answered the
event, and ``hookmux serve`` for every event it takes. An event no handler
matches touches only the standard library modules Python already has loaded,
marshal and a C JSON scanner: no plugin, no pluggy, attrs, cattrs, filelock or
importlib.metadata (a test holds this with ``-X importtime``).
"""

from __future__ import annotations

import os

from hookmux.entry.args import USAGE, BadInput, parse_args
from hookmux.protocol.events import MATCHER_FIELD
from hookmux.state.paths import hookmux_home, project_config_files, project_dir

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import IO, Any, ClassVar

    from hookmux.routing.dispatch import Outcome as HandlerOutcome


class _JSONContext:
    """The attributes ``_json.make_scanner`` reads (json.decoder would import re)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: ClassVar[dict[str, Any]] = {}

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")


_scanner: list[Any] = []


def parse_json(text: str) -> Any:
    """``json.loads`` without importing ``json`` (saves ~8 ms per event)."""
    if not _scanner:
        try:
            import _json

            # Made once: the C scanner holds no state between calls and never lets go of
            # the GIL while it scans (no Python callbacks here), so threads may share it.
            _scanner.append(_json.make_scanner(_JSONContext()))  # type: ignore[arg-type]
        except (ImportError, AttributeError):  # pragma: no cover - non-CPython
            import json

            return json.loads(text)
    scan = _scanner[0]
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = scan(text, start)
    except StopIteration:
        raise BadInput("stdin is not JSON") from None
    except (ValueError, SystemError):
        # The C scanner builds its error from json.decoder, which the hot path never
        # imports (3.11 then raises SystemError): let json itself say what is wrong.
        import json

        try:
            json.loads(text)
        except ValueError as exc:
            raise BadInput(f"stdin is not valid JSON: {exc}") from None
        raise BadInput("stdin is not valid JSON") from None
    if text[end:].strip(" \t\n\r"):
        raise BadInput(f"stdin has extra data after the JSON value (at character {end})")
    return value


def decode_object(data: bytes) -> dict[str, Any]:
    """The JSON object on stdin, or :class:`BadInput` saying what is wrong with it."""
    if not data.strip():
        raise BadInput("stdin is empty: expected one hook event as JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"stdin is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    value = parse_json(text.lstrip("\ufeff"))
    if not isinstance(value, dict):
        raise BadInput(f"stdin holds a JSON {type(value).__name__}, expected an object")
    return value


def decode_event(data: bytes) -> dict[str, Any]:
    value = decode_object(data)
    name = value.get("hook_event_name")
    if not isinstance(name, str):
        raise BadInput("event has no hook_event_name")
    if name not in MATCHER_FIELD:
        raise BadInput(
            f"unknown hook event {name!r}: no plugin handles it (hookmux knows {len(MATCHER_FIELD)} events)"
        )
    return value


def matching_handlers(
    raw: Mapping[str, Any], manifest: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> list[Mapping[str, Any]]:
    """The handlers (in priority order) whose static matchers accept ``raw``."""
    handlers = manifest.get("events", {}).get(raw["hook_event_name"])
    if not handlers:
        return []
    from hookmux.routing.matching import handler_accepts

    disabled = environ.get("HOOKMUX_DISABLED", "")
    off = {p.strip() for p in disabled.split(",")} if disabled else set()
    only = environ.get("HOOKMUX_PLUGINS")  # a load filter, like LLM_LOAD_PLUGINS
    if only is not None:
        keep = {p.strip() for p in only.split(",") if p.strip()}
        if any(h["plugin"] not in keep for h in handlers):
            keep |= managed_required(environ)
        handlers = [h for h in handlers if h["plugin"] in keep]
    if off and any(h["plugin"] in off for h in handlers):
        off = off - managed_required(environ)
    field = MATCHER_FIELD.get(raw["hook_event_name"])  # None for another agent's own events
    cwd = raw.get("cwd")
    roots = [project_dir(cwd, environ)]
    if isinstance(cwd, str) and cwd and cwd not in roots:
        roots.append(os.path.normpath(cwd))
    facts: dict[str, Any] = {}
    return [h for h in handlers if h["plugin"] not in off and handler_accepts(h, raw, field, roots, facts)]


def project_may_need_trust(project: str) -> bool:
    """Whether the project's hookmux files could set a sensitive key (then the SessionStart
    notice runs): two failed ``open`` calls for a project without any, a read for one with."""
    for path in project_config_files(project):
        try:
            with open(path, "rb") as fh:
                text = fh.read()
        except FileNotFoundError:
            continue
        except OSError:
            return True  # let the full path say what is wrong
        from hookmux.state.trust import may_need_trust

        if may_need_trust(text):
            return True
    return False


def managed_required(environ: Mapping[str, str]) -> set[str]:
    """The plugins the managed file keeps on (``[hookmux] required``), which no variable
    turns off; read only when a variable would turn some off."""
    from hookmux.state.paths import managed_config_files

    names: set[str] = set()
    for path in managed_config_files(environ):
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below; tomllib only when a file exists
        except OSError:
            continue
        import tomllib

        with fh:
            try:
                table = tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
        core = table.get("hookmux")
        listed = core.get("required") if isinstance(core, dict) else None
        if isinstance(listed, list):
            names.update(name for name in listed if isinstance(name, str))
    return names


def adapted_event(data: bytes, opts: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Another agent's event as the canonical event, and its adapter's renderer.

    Without a ``--deadline`` from the wiring, hookmux keeps to 80 % of the agent's own
    timeout for the event."""
    from hookmux.agents.adapting import AdapterError
    from hookmux.agents.registry import adapter

    module = adapter(opts["agent"])
    if module is None:
        raise BadInput(f"agent {opts['agent']!r} needs no adapter")
    try:
        raw: dict[str, Any] = module.to_canonical(decode_object(data))
    except AdapterError as exc:
        raise BadInput(str(exc)) from None
    if opts["deadline"] is None:
        opts["deadline"] = module.default_timeout(raw["hook_event_name"]) * 0.8
    return raw, module.render


class Outcome:
    """What routing an event in this process left to do once the answer is out."""

    __slots__ = ("environ", "handled", "hung", "jobs", "max_workers", "project", "start_daemon")

    def __init__(
        self,
        result: Any = None,
        start_daemon: bool = False,
        project: str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.hung = bool(result is not None and result.hung)
        self.jobs = result.jobs if result is not None else ()
        #: what each handler run before the answer did (dispatch's ``Outcome``\s)
        self.handled = result.outcomes if result is not None else ()
        self.max_workers = result.max_workers if result is not None else 2
        #: no daemon answered: start one for the next events unless configured off
        self.start_daemon = start_daemon
        self.project = project
        self.environ = environ


def answer(
    argv: list[str],
    data: bytes,
    out: IO[bytes],
    err: IO[str],
    *,
    environ: Mapping[str, str] = os.environ,
    home: str | None = None,
    manifest: Mapping[str, Any] | None = None,
    plugin_manager: Any = None,
    daemon_down: bool = False,
    deferred: list[Any] | None = None,
    settings_loader: Any = None,
    guard: Any = None,
    answered: Sequence[HandlerOutcome] | None = None,
) -> tuple[int, Outcome | None]:
    """Route the event ``data`` (the bytes ``hookmux run`` read) and write the answer.

    The one routing path of every transport: ``hookmux run`` in-process (when
    no daemon answered it; ``daemon_down``: none runs, so one is started after
    the answer if a handler matched), and the daemon for relayed and http
    events; ``answered``: the daemon replays the after-work of an event a dead daemon
    answered (see :func:`~hookmux.routing.dispatch.dispatch`). Never raises (but
    :class:`~hookmux.routing.takeover.Abandoned` when the ``guard``'s event was taken over
    by another thread); returns the exit code and what is left to do after the answer
    (background jobs, hung handlers).
    """
    try:
        return _handle(
            argv,
            data,
            out,
            err,
            environ,
            home,
            manifest,
            plugin_manager,
            daemon_down,
            deferred=deferred,
            settings_loader=settings_loader,
            guard=guard,
            answered=answered,
        )
    except BadInput as exc:
        print(f"hookmux: {exc}", file=err)
    except BaseException as exc:  # Claude Code must get an answer, never exit 2 by accident
        if guard is not None:
            from hookmux.routing.takeover import Abandoned

            if isinstance(exc, Abandoned):
                raise
        print(f"hookmux: internal error, event not routed: {type(exc).__name__}: {exc}", file=err)
    return 0, None


def after_answer(outcome: Outcome, err: IO[str]) -> None:
    """Queue background work and start the daemon once the answer is out; never fails the hook."""
    home = hookmux_home()
    if outcome.start_daemon:
        try:
            from hookmux.config import load_settings
            from hookmux.entry.control import autostart

            if load_settings(outcome.project, outcome.environ).core.serve:
                autostart(home)
        except Exception as exc:  # noqa: BLE001
            print(f"hookmux: cannot start hookmux serve: {exc}", file=err)
    if not outcome.jobs:
        return
    try:
        from hookmux.state import background

        background.queue_and_start(home, outcome.jobs, outcome.max_workers)
    except Exception as exc:  # noqa: BLE001
        print(f"hookmux: background work not queued: {exc}", file=err)


def _handle(
    argv: list[str],
    data: bytes,
    out: IO[bytes],
    err: IO[str],
    environ: Mapping[str, str],
    home: str | None,
    manifest: Mapping[str, Any] | None,
    plugin_manager: Any,
    daemon_down: bool,
    deferred: list[Any] | None = None,
    settings_loader: Any = None,
    guard: Any = None,
    answered: Sequence[HandlerOutcome] | None = None,
) -> tuple[int, Outcome | None]:
    opts = parse_args(argv, err)
    if opts is None:
        err.write(USAGE)
        return 0, None
    if home is None:
        home = hookmux_home(environ)
    adapt = None
    if opts["agent"] == "claude":
        raw = decode_event(data)
    else:
        raw, adapt = adapted_event(data, opts)
    if manifest is None:
        from hookmux.routing.manifest import load_manifest

        manifest = load_manifest(home)
    handlers = matching_handlers(raw, manifest, environ)
    resolver = None
    if (
        opts["wiring"] is not None
        and raw["hook_event_name"] == "SessionStart"
        and opts["wiring"] != manifest.get("wiring")  # the plugins changed since `hookmux install`
    ):
        from hookmux.agents.claude.stalewiring import with_notice

        handlers, resolver = with_notice(handlers, manifest)
    if raw["hook_event_name"] == "SessionStart" and project_may_need_trust(
        project_dir(raw.get("cwd"), environ)
    ):
        # the project's file may set keys it is not trusted with: say so, once per session
        from hookmux.routing import trustnotice

        handlers, resolver = trustnotice.with_notice(handlers, manifest, resolver)
    if not handlers:
        return 0, None
    start_daemon = False
    if daemon_down:
        from hookmux.entry.relay import relay_enabled

        start_daemon = relay_enabled(environ)
    from hookmux.routing.dispatch import dispatch

    result = dispatch(
        raw,
        handlers,
        manifest,
        home=home,
        resolver=resolver,
        deadline=opts["deadline"],
        transport=opts["transport"],
        environ=environ,
        plugin_manager=plugin_manager,
        deferred=deferred,
        settings_loader=settings_loader,
        guard=guard,
        adapt=adapt,
        answered=answered,
    )
    for message in result.messages:
        print(message, file=err)
    rendered = result.rendered
    code = 0
    if rendered is not None:
        if rendered.plain is not None:
            out.write(rendered.plain.encode("utf-8") + b"\n")
        elif rendered.payload is not None:
            import json

            out.write(json.dumps(rendered.payload, ensure_ascii=False).encode("utf-8"))
        if rendered.stderr:
            print(rendered.stderr, file=err)
        code = rendered.exit_code
    return code, Outcome(result, start_daemon, project_dir(raw.get("cwd"), environ), environ)
