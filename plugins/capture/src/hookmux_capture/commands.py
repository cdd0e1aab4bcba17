"""``hookmux capture list|tail|bundle|clean``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import click

from hookmux.state.paths import hookmux_home
from hookmux_capture.config import Config

PLUGIN = "capture"
#: Seconds between looks at a followed capture.
POLL = 0.2


def command_config(project: str | None = None) -> Config:
    """The ``[plugins.capture]`` table as seen from ``project`` (default: the current directory).

    An invalid table is reported on stderr and the defaults are used.
    """
    from hookmux.config import load_settings

    settings = load_settings(project or os.getcwd())
    config, errors = settings.plugin_config(PLUGIN, Config)
    for error in errors:
        click.echo(f"hookmux: config: {error}", err=True)
    return config if isinstance(config, Config) else Config()


def _when(ts: Any) -> str:
    if not isinstance(ts, (int, float)):
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def describe_line(line: Mapping[str, Any]) -> str:
    """``   12 20:14:03.123 PreToolUse Bash: echo hi`` for one captured line."""
    ts = line.get("ts")
    clock = "--:--:--.---"
    if isinstance(ts, (int, float)):
        clock = time.strftime("%H:%M:%S", time.localtime(ts)) + f".{int(ts * 1000) % 1000:03d}"
    payload = line.get("payload")
    if isinstance(payload, dict) and "hook_event_name" in payload:
        from hookmux.protocol.summary import summarise

        text = summarise(payload)
    else:
        text = " ".join(str(p) for p in (line.get("event"), line.get("tool_name")) if p)
    flags = " (recovered)" if line.get("recovered") else ""
    return f"{line.get('seq', '?'):>5} {clock} {text}{flags}"


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def register(cli: click.Group) -> None:
    @cli.group(PLUGIN)
    def capture_group() -> None:
        """Captures of every hook event (hookmux-capture): list, tail, bundle, clean.

        Each session's events are in $HOOKMUX_HOME/capture/<session>.ndjson (one
        JSON object per line, valid input for `hookmux replay`), with a
        <session>.meta.json sidecar.
        """

    @capture_group.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON list for scripts.")
    def list_command(as_json: bool) -> None:
        """Captures with their run ID, events, bytes, last event and state, then the sessions
        whose capture was bundled and deleted, with the path of their bundle."""
        from hookmux_capture.bundle import bundled_sessions, list_captures

        home, config = hookmux_home(), command_config()
        captures = list_captures(home, config)
        for meta in captures:
            bundled = meta.get("bundled")
            if isinstance(bundled, dict) and bundled.get("path"):
                meta["bundle"] = bundled["path"]
        captures += bundled_sessions(home, config)
        if as_json:
            click.echo(json.dumps(captures, indent=2))
            return
        if not captures:
            click.echo("no captures")
            return
        click.echo(f"{'SESSION':<38} {'RUN':<16} {'EVENTS':>7} {'BYTES':>10}  {'LAST EVENT':<19}  STATE")
        for c in captures:
            click.echo(
                f"{c.get('session_id')!s:<38} {c.get('run_id')!s:<16} {c.get('events', 0):>7} "
                f"{c.get('bytes', 0):>10}  {_when(c.get('updated')):<19}  {c['state']}"
                + (f"  {c['bundle']}" if c.get("bundle") else "")
            )

    @capture_group.command("tail")
    @click.argument("session", required=False)
    @click.option("-f", "--follow", is_flag=True, help="Keep printing lines as they arrive (Ctrl-C stops).")
    @click.option("-n", "--lines", "count", type=click.IntRange(min=0), default=10, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the captured lines as they are.")
    def tail_command(session: str | None, follow: bool, count: int, as_json: bool) -> None:
        """The last lines of a capture (SESSION: id, prefix or path; default: the latest).

        With -f, follows the capture across bundling: when it is bundled away,
        the next capture of the same session is picked up.
        """
        from hookmux_capture.bundle import CaptureNotFound, capture_files, is_aside, resolve

        home, config = hookmux_home(), command_config()
        try:
            if session is not None:
                path = resolve(home, config, session)
            else:
                from hookmux_capture.config import capture_dir

                live = [p for p in capture_files(capture_dir(home, config)) if not is_aside(p)]
                if not live:
                    raise CaptureNotFound("no captures yet")
                path = max(live, key=os.path.getmtime)
        except (CaptureNotFound, OSError) as exc:
            raise _fail(exc) from None

        def emit(raw: bytes) -> None:
            if as_json:
                click.echo(raw.decode("utf-8", "replace"))
                return
            try:
                line = json.loads(raw)
            except ValueError:
                click.echo(f"(unreadable line: {raw[:80]!r})")
                return
            click.echo(describe_line(line) if isinstance(line, dict) else repr(line))

        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise _fail(exc) from None
        complete = data[: data.rfind(b"\n") + 1]
        for raw in complete.splitlines()[-count:] if count else []:
            if raw.strip():
                emit(raw)
        if follow:
            try:
                follow_capture(path, len(complete), emit)
            except KeyboardInterrupt:
                pass

    @capture_group.command("bundle")
    @click.argument("session")
    @click.option(
        "-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the bundle here."
    )
    @click.option(
        "--keep/--delete",
        default=None,
        help="Keep or delete the capture once bundled (default: its cleanup policy, after_bundle).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the bundle itself.")
    def bundle_command(session: str, output: str | None, keep: bool | None, as_json: bool) -> None:
        """Summarise a capture into a JSON bundle: counts per event and tool, tool calls
        correlated (ok, failed, denied, missing-post, orphan-post), durations, failures."""
        from hookmux_capture.bundle import CaptureNotFound, bundle_session, find_bundles

        home, config = hookmux_home(), command_config()
        try:
            result = bundle_session(home, config, session, output=output, keep=keep)
        except CaptureNotFound as exc:
            # No capture left: the session may have been bundled (auto_bundle at its end).
            try:
                found = find_bundles(home, config, session)
            except CaptureNotFound as many:
                raise _fail(many) from None
            if not found:
                raise _fail(exc) from None
            _show_bundled(found, output, as_json)
            return
        except OSError as exc:
            raise _fail(exc) from None
        assert result is not None
        summary, target, deleted = result
        if as_json:
            click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
            return
        _echo_summary(summary, "bundled")
        click.echo(f"  -> {target}; capture {'deleted' if deleted else 'kept'}")
        _echo_problems(summary)

    @capture_group.command("clean")
    @click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
    @click.option(
        "--older-than",
        type=click.FloatRange(min=0),
        default=None,
        metavar="HOURS",
        help="Treat captures with no event for HOURS as stale (default: each capture's stale_hours).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON object for scripts.")
    def clean_command(dry_run: bool, older_than: float | None, as_json: bool) -> None:
        """Apply the cleanup policy: bundle and delete stale captures (no event for
        stale_hours, as recorded in each capture's sidecar) and captures a bundler
        abandoned; remove orphan sidecars."""
        from hookmux_capture.bundle import clean

        report = clean(hookmux_home(), command_config(), dry_run=dry_run, older_than=older_than)
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            verb = "would delete" if dry_run else "deleted"
            click.echo(
                f"{verb} {len(report['deleted'])} (bundled {len(report['bundled'])} first), "
                f"kept {report['kept']}"
            )
            for entry in report["deleted"]:
                click.echo(f"  {entry['state']:<15} {entry['path']}")
            for entry in report["errors"]:
                click.secho(f"  error {entry['path']}: {entry['error']}", fg="red")
        if report["errors"]:
            raise SystemExit(1)


def _echo_summary(summary: Mapping[str, Any], verb: str) -> None:
    corr = summary["correlation"]
    click.echo(
        f"{verb} {summary['session_id']} (run {summary['run_id']}): "
        f"{summary['counts']['lines']} events, {corr['tool_calls']} tool calls "
        f"({corr['ok']} ok, {corr['failed']} failed, {corr['denied']} denied, "
        f"{corr['missing-post']} missing-post, {corr['orphan-post']} orphan-post)"
    )


def _echo_problems(summary: Mapping[str, Any]) -> None:
    problems = summary["sequence"]
    if problems["gaps"] or problems["duplicates"] or summary["counts"]["invalid_lines"]:
        click.secho(
            f"  sequence gaps {problems['gaps']}, duplicates {problems['duplicates']}, "
            f"{summary['counts']['invalid_lines']} unreadable lines",
            fg="yellow",
        )


def _show_bundled(found: list[tuple[dict[str, Any], str]], output: str | None, as_json: bool) -> None:
    """``capture bundle`` of a session bundled already: its newest bundle, as bundling prints one.

    ``--json`` prints the bundle itself (as for a fresh bundle); its path goes to stderr.
    """
    summary, path = found[-1]
    if output:
        from hookmux.state.paths import atomic_write

        directory = os.path.dirname(os.path.abspath(output))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with open(path, "rb") as fh:
            atomic_write(output, fh.read())
    earlier = (
        f"; {len(found) - 1} earlier bundle(s) of this session in the same directory"
        if len(found) > 1
        else ""
    )
    note = f"{summary.get('session_id')} was bundled at {_when(summary.get('bundled_at'))}: {path}{earlier}"
    if as_json:
        click.echo(f"hookmux: {note}", err=True)
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    _echo_summary(summary, "already bundled")
    click.echo(f"  -> {path}{f' (copied to {output})' if output else ''}; the capture was deleted")
    if earlier:
        click.echo(f"  {earlier[2:]}")
    _echo_problems(summary)


def follow_capture(
    path: str,
    offset: int,
    emit: Callable[[bytes], None],
    *,
    poll: float = POLL,
    until: Callable[[], bool] = lambda: False,
) -> None:
    """Emit each complete line appended to ``path`` from ``offset`` on, like ``tail -F``:
    when the file is bundled away, wait for the next capture at the same path."""
    fh = open(path, "rb")  # noqa: SIM115 - reopened as the capture is replaced
    try:
        fh.seek(offset)
        ino = os.fstat(fh.fileno()).st_ino
        pending = b""
        waiting_note = False
        while not until():
            chunk = fh.read()
            if chunk:
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    if raw.strip():
                        emit(raw)
                continue
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current is not None and current != ino:
                fh.close()
                fh = open(path, "rb")  # noqa: SIM115
                ino = os.fstat(fh.fileno()).st_ino
                pending, waiting_note = b"", False
                click.echo(f"(new capture: {path})", err=True)
                continue
            if current is None and not waiting_note:
                click.echo("(capture bundled away; waiting for the next one)", err=True)
                waiting_note = True
            time.sleep(poll)
    finally:
        fh.close()
