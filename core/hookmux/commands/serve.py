"""``hookmux serve``: the warm daemon (start, status, stop, ensure)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import click

from hookmux.entry import control, relay
from hookmux.state.paths import socket_path


def _status(home: str) -> dict[str, Any]:
    from hookmux.daemon.files import lock_held, read_state

    info = control.ping(home)
    state = read_state(home) or {}
    running = info is not None
    out: dict[str, Any] = {"running": running, "home": home, "socket": socket_path(home)}
    if info is not None:
        for key, value in info.items():
            out[key] = _typed(value)
    elif lock_held(home):
        out["problem"] = f"a daemon (pid {state.get('pid', '?')}) holds the lock but does not answer"
    failure = control.recent_failure(home)
    if not running and failure:
        out["last_failure"] = failure
    if state.get("url"):
        out["url"] = state["url"]
    out["log"] = control.log_file(home)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own child, not yet reaped) has exited
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def _typed(value: str) -> Any:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def _print_status(status: dict[str, Any]) -> None:
    if not status["running"]:
        click.echo(f"hookmux serve: not running ({status['home']})")
        for key in ("problem", "last_failure"):
            if key in status:
                click.echo(f"  {key.replace('_', ' ')}: {status[key]}")
        return
    http = status.get("url") if status.get("http_port") else f"off: {status.get('http_error')}"
    click.echo(f"hookmux serve: running, pid {status['pid']}, version {status['version']}")
    click.echo(f"  http:     {http}")
    click.echo(f"  relay:    {status['socket']}")
    click.echo(
        f"  events:   {status['requests_http']} http, {status['requests_relay']} relayed, "
        f"{status['in_flight']} in flight, {status.get('after_owed', 0)} owed their after-answer work"
    )
    click.echo(f"  uptime:   {status['uptime_s']:.0f} s; exits after {status['idle_timeout_s']:g} s idle")
    click.echo(f"  memory:   {status['rss_bytes'] / 1048576:.1f} MB, {status['threads']} threads")
    if status.get("after_process"):
        click.echo(
            f"  after-answer process: pid {status['after_process']}, "
            f"{status.get('after_process_rss_bytes', 0) / 1048576:.1f} MB"
        )
    click.echo(f"  hung handler threads: {status['hung_threads']}; sessions: {status['sessions']}")
    click.echo(f"  plugins:  {status.get('plugins_loaded') or '(none loaded yet)'}")
    click.echo(f"  log:      {status['log']}")


def register(cli: click.Group) -> None:
    @cli.group("serve", invoke_without_command=True)
    @click.option(
        "--foreground", is_flag=True, help="Run in this process (logs on stderr) instead of detached."
    )
    @click.option(
        "--port",
        type=click.IntRange(1, 65535),
        default=None,
        help="Loopback port for http hooks (default: HOOKMUX_SERVE_PORT, [hookmux] serve_port, "
        "else this home's port: recorded by `hookmux install --transport http`, or derived from the home).",
    )
    @click.option(
        "--idle-timeout",
        type=click.FloatRange(min=1),
        default=None,
        help="Seconds without events before exiting "
        "(default: HOOKMUX_SERVE_IDLE, [hookmux] serve_idle, 1800).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the status as JSON once started.")
    @click.pass_context
    def serve(
        ctx: click.Context, foreground: bool, port: int | None, idle_timeout: float | None, as_json: bool
    ) -> None:
        """Keep the plugins loaded and answer hook events for every project of this user.

        Claude Code reaches it through http hooks (`hookmux install --transport http`)
        and `hookmux run` relays matched events to it over a Unix socket. Without a
        subcommand, starts it (detached unless --foreground) and waits until it answers.
        """
        if ctx.invoked_subcommand is not None:
            return
        from hookmux.state.paths import hookmux_home

        home = hookmux_home()
        args = [f"--port={port}"] if port else []
        if idle_timeout:
            args.append(f"--idle-timeout={idle_timeout:g}")
        if foreground:
            from hookmux.daemon.lifecycle import main

            raise SystemExit(main(["--foreground", *args]))
        if control.ping(home) is None:
            control.wait_until_up(home, control.spawn(home, args, respect_failure=False), 30.0)
        status = _status(home)
        if as_json:
            click.echo(json.dumps(status, indent=2))
        else:
            _print_status(status)
        if not status["running"]:
            raise SystemExit(1)

    @serve.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
    def status_command(as_json: bool) -> None:
        """Whether the daemon runs, its ports, events, memory and hung handler threads.

        Exit code 0 when it runs, 1 when it does not.
        """
        from hookmux.state.paths import hookmux_home

        status = _status(hookmux_home())
        if as_json:
            click.echo(json.dumps(status, indent=2))
        else:
            _print_status(status)
        if not status["running"]:
            raise SystemExit(1)

    @serve.command("stop")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    def stop_command(as_json: bool) -> None:
        """Stop the daemon gracefully (events in flight are answered first)."""
        from hookmux.daemon.files import lock_held, read_state
        from hookmux.daemon.lifecycle import DRAIN_TIMEOUT
        from hookmux.state.paths import hookmux_home

        home = hookmux_home()
        pid = (read_state(home) or {}).get("pid")
        was_running = False
        try:
            answer = relay.exchange(home, relay.encode_request(relay.STOP, [], {}), 5.0)
            was_running = answer is not None
        except OSError:
            answer = None
        if answer is None and lock_held(home) and isinstance(pid, int):
            import signal

            try:
                os.kill(pid, signal.SIGTERM)
                was_running = True
            except ProcessLookupError:
                pass
        ends = time.monotonic() + DRAIN_TIMEOUT + 5
        while lock_held(home) and time.monotonic() < ends:
            time.sleep(0.05)
        while isinstance(pid, int) and _alive(pid) and time.monotonic() < ends:
            time.sleep(0.02)  # the lock is released just before the process exits
        stopped = not lock_held(home)
        result = {"was_running": was_running, "stopped": stopped, "home": home}
        if as_json:
            click.echo(json.dumps(result, indent=2))
        elif not was_running:
            click.echo("hookmux serve: not running")
        else:
            click.echo("hookmux serve: stopped" if stopped else "hookmux serve: still running after the wait")
        if not stopped:
            raise SystemExit(1)

    @serve.command("ensure", context_settings={"ignore_unknown_options": True})
    @click.option("--port", type=int, default=None, help="The port the http hooks use.")
    def ensure_command(port: int | None) -> None:
        """For Claude Code's SessionStart hook: exit at once when the daemon runs,
        else start it and wait until it answers (written by `hookmux install --transport http`)."""
        raise SystemExit(control.ensure_main([f"--port={port}"] if port else []))
