"""hookmux-capture: every Claude Code hook event to an NDJSON file per session.

One handler per hookspec (generated below, ``capture_<event>``), all with no
matcher and a low priority: each observes the event, appends one line to the
session's capture (:mod:`hookmux_capture.writer`) and returns None, so it
never changes what Claude Code is told. Two background handlers finish the
job: the capture of a session that ended is bundled
(:mod:`hookmux_capture.bundle`), and at session start stale captures are
cleaned, at most once an hour. ``hookmux capture list|tail|bundle|clean`` and
a line in ``hookmux status`` come from :mod:`hookmux_capture.commands`.
"""

from __future__ import annotations

from hookmux import hookimpl
from hookmux.protocol.events import AGENT_EVENTS, EVENT_NAMES, hookspec_name
from hookmux_capture import writer
from hookmux_capture.config import Config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    import click

    from hookmux.routing.context import HookContext

#: Low: every plugin that decides something runs first; capture only observes.
PRIORITY = 10
#: Seconds the capture handler may take (a locked append takes well under 1 ms).
TIMEOUT = 2.0
#: The background bundle/clean runs (a large capture takes a few seconds to summarise).
BACKGROUND_TIMEOUT = 300.0


@hookimpl
def hookmux_config_schema() -> type[Config]:
    return Config


def capture_event(ctx: HookContext) -> None:
    """Append ``ctx.raw`` to its session's capture; never raises, never answers."""
    config: Config = ctx.config
    if ctx.raw.get("hook_event_name") in config.exclude_events:
        return
    core = getattr(ctx, "core", None)  # a hookmux older than ctx.core: read the settings
    writer.capture(
        ctx.raw,
        home=ctx.home,
        config=config,
        max_bytes=core.max_bytes if core is not None else core_max_bytes(ctx.project_dir, ctx.environ),
        project_dir=ctx.project_dir,
        correlation=ctx.correlation_id,
        environ=ctx.environ,
    )


_settings: Any = None


def core_max_bytes(project: str, environ: Mapping[str, str]) -> int:
    """The core's payload cap for ``project`` (``[hookmux] max_bytes``, ``HOOKMUX_MAX_BYTES``)
    as the caller's environment sets it, for a context made outside a dispatch (dispatches
    pass ``ctx.core``); cached while the config files and ``HOOKMUX_*`` variables stay the same."""
    global _settings  # noqa: PLW0603 - one cache per process
    if _settings is None:
        from hookmux.config import SettingsCache

        _settings = SettingsCache(size=64)
    return int(_settings.load(project, environ).core.max_bytes)


def _handler(event: str) -> tuple[str, Callable[[HookContext], None]]:
    spec = hookspec_name(event)
    name = "capture_" + spec[len("hookmux_") :]

    def handler(ctx: HookContext) -> None:
        capture_event(ctx)

    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = f"Append each {event} event to its session's capture."
    return name, hookimpl(priority=PRIORITY, timeout=TIMEOUT, specname=spec, observer=True)(handler)


#: event name -> its handler's function name
HANDLERS: dict[str, str] = {}
for _event in (*EVENT_NAMES, *AGENT_EVENTS):  # every agent's events (Codex's, Gemini CLI's own too)
    _name, _function = _handler(_event)
    globals()[_name] = _function
    HANDLERS[_event] = _name
# pluggy registers every marked attribute: the loop's last handler must not stay
# here under a second name.
del _event, _name, _function


@hookimpl(background=True, timeout=BACKGROUND_TIMEOUT, specname="hookmux_session_end")
def bundle_ended_session(ctx: HookContext) -> None:
    """Bundle the capture of a session that ended (``auto_bundle``), after the answer."""
    config: Config = ctx.config
    if not config.auto_bundle:
        return
    from hookmux_capture.bundle import bundle_session

    bundle_session(ctx.home, config, ctx.raw.get("session_id"), missing_ok=True, exact=True)


@hookimpl(
    background=True,
    background_key="hook_event_name",
    timeout=BACKGROUND_TIMEOUT,
    specname="hookmux_session_start",
)
def clean_stale_captures(ctx: HookContext) -> None:
    """Bundle and delete stale captures (``auto_clean``), at most once an hour."""
    config: Config = ctx.config
    if not config.auto_clean:
        return
    from hookmux_capture.bundle import clean
    from hookmux_capture.config import capture_dir

    if ctx.dedupe(f"clean:{capture_dir(ctx.home, config)}", ttl=3600):
        clean(ctx.home, config)


@hookimpl
def hookmux_register_commands(cli: click.Group) -> None:
    from hookmux_capture.commands import register

    register(cli)


@hookimpl
def hookmux_status(home: str) -> dict[str, Any]:
    """Capture health for ``hookmux status``: bytes, events, write errors, queue depth."""
    from hookmux_capture.bundle import health
    from hookmux_capture.commands import command_config

    return health(home, command_config())
