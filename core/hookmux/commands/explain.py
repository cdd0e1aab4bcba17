"""``hookmux explain``: what hookmux did with recent events, and why."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from hookmux.state.paths import hookmux_home


def decisions(event: str, handlers: list[dict[str, Any]]) -> list[str]:
    """How the merge decided each contested field, from the answer class's own rules."""
    import attrs

    from hookmux.protocol.answers import answer_class

    cls = answer_class(event)
    if cls is None:
        return []
    answers = [(h["plugin"], json.loads(h["answer"])) for h in handlers if h.get("answer")]
    lines = []
    for field in attrs.fields(cls):
        votes = [(plugin, answer[field.name]) for plugin, answer in answers if field.name in answer]
        if not votes:
            continue
        merge = field.metadata["merge"]
        cast = ", ".join(f"{plugin}={value!r}" for plugin, value in votes)
        if merge == "rank":
            ranking = field.metadata["ranking"]
            winner = min((v for _, v in votes), key=ranking.index)
            lines.append(f"{field.name}: {winner} wins ({' > '.join(ranking)}): {cast}")
        elif merge == "any" and len(votes) >= 1:
            lines.append(f"{field.name}: true, as any handler said so: {', '.join(p for p, _ in votes)}")
        elif merge == "first" and field.metadata.get("unless"):
            gate, value = field.metadata["unless"]
            if any(answer.get(gate) == value for _, answer in answers):
                lines.append(f"{field.name}: not applied, as the merged {gate} is {value}: {cast}")
        elif merge == "first" and len(votes) > 1:
            lines.append(
                f"{field.name}: from {votes[0][0]}, the highest priority of {', '.join(p for p, _ in votes)}"
            )
        elif merge == "join" and len(votes) > 1:
            lines.append(f"{field.name}: joined in priority order: {', '.join(p for p, _ in votes)}")
    return lines


def recent(home: str, last: int, session: str | None) -> list[dict[str, Any]]:
    from hookmux.state import store

    with store.opened(home) as conn:
        store.ingest(home, conn)
        where, args = ("where session_id = ?", [session]) if session else ("", [])
        events = [
            dict(row)
            for row in conn.execute(
                f"select * from events {where} order by ts desc, id limit ?",  # noqa: S608 - fixed text
                [*args, last],
            )
        ]
        for event in events:
            event.pop("payload", None)
            event.pop("payload_encoding", None)
            event["handlers"] = [
                dict(row)
                for row in conn.execute(
                    "select plugin, handler, status, duration_ms, error, dedupe_hits, answer, background "
                    "from executions where event_id = ? order by seq",
                    (event["id"],),
                )
            ]
            event["background_runs"] = [
                dict(row)
                for row in conn.execute(
                    "select plugin, handler, status, duration_ms, error, ts from executions "
                    "where correlation_id = ? and background = 1 order by ts",
                    (event["correlation_id"],),
                )
            ]
            event["decisions"] = decisions(event["event"], event["handlers"])
    return list(reversed(events))


def register(cli: click.Group) -> None:
    @cli.command("explain")
    @click.option("--last", "last", type=click.IntRange(1, 10_000), default=10, show_default=True,
                  help="How many recent events.")  # fmt: skip
    @click.option("--session", help="Only events of this Claude Code session id.")
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON list for scripts.")
    def explain_command(last: int, session: str | None, as_json: bool) -> None:
        """For recent routed events: which plugins matched, what each answered, how the
        merge decided, and timings."""
        events = recent(hookmux_home(), last, session)
        if as_json:
            click.echo(json.dumps(events, indent=2))
            return
        if not events:
            click.echo("no routed event recorded yet (events no plugin matches are not recorded)")
            return
        for e in events:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e["ts"]))
            tool = f" {e['tool_name']}" if e["tool_name"] else ""
            if e.get("agent") not in (None, "claude"):
                tool += f"  ({e['agent']})"
            click.secho(
                f"{when}  {e['event']}{tool}  {e['outcome']}  {e['duration_ms']:.1f} ms"
                f"  session {e['session_id']}  correlation {e['correlation_id']}",
                bold=True,
            )
            for i, h in enumerate(e["handlers"], 1):
                detail = h["error"] or h["answer"] or ""
                color = "red" if h["status"] in ("error", "timeout", "invalid", "skipped") else None
                name = f"{h['plugin']}.{h['handler']}"
                click.secho(
                    f"  {i}. {name:<36} {h['status']:<8} {h['duration_ms']:7.2f} ms  {detail}", fg=color
                )
            for line in e["decisions"]:
                click.echo(f"  decided: {line}")
            if e["notes"]:
                for note in e["notes"].splitlines():
                    click.echo(f"  note: {note}")
            click.echo(f"  answer: {e['output'] or '(nothing printed)'}")
            for b in e["background_runs"]:
                click.echo(
                    f"  background: {b['plugin']}.{b['handler']} {b['status']} {b['duration_ms']:.1f} ms"
                )
