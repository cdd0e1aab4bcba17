"""``hookmux ghap ...``: manage GHAP entries and values from a shell.

The agent runs these from Bash (the session-start instructions name them), the
user from a terminal. Validation and messages are the original MCP tools'
(``start_ghap``, ``update_ghap``, ``resolve_ghap``); errors exit 1 (never 2, which
Claude Code reads as a block), with ``--json`` as ``{"error": {"type", "message"}}``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

from hookmux_ghap import model
from hookmux_ghap.config import Config, Settings, resolve
from hookmux_ghap.journal import Journal, LockTimeout

JSON_HELP = "Print JSON for scripts."


class Context:
    """What every ``ghap`` subcommand needs: the settings and the journal."""

    def __init__(self, project_dir: str | None) -> None:
        self._project_dir = project_dir
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(find_project(self._project_dir))
        return self._settings

    @property
    def journal(self) -> Journal:
        return Journal(self.settings.journal_dir, self.settings.config.lock_timeout)


def find_project(given: str | None) -> str:
    """``--project-dir``, else ``$CLAUDE_PROJECT_DIR``, else the nearest directory
    above the current one holding ``.claude/journal`` (not the home directory,
    whose ``.claude`` is Claude Code's own, nor a world-writable one like /tmp,
    where anyone's journal could sit), else the current directory."""
    if given:
        return os.path.abspath(given)
    env = os.environ.get("CLAUDE_PROJECT_DIR")
    if env:
        return os.path.abspath(env)
    cwd = os.getcwd()
    home = os.path.realpath(os.path.expanduser("~"))
    here = cwd
    while True:
        if (
            os.path.realpath(here) != home
            and not _world_writable(here)
            and os.path.isdir(os.path.join(here, ".claude", "journal"))
        ):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return cwd
        here = parent


def _world_writable(path: str) -> bool:
    try:
        return bool(os.stat(path).st_mode & 0o002)
    except OSError:
        return False


def load_settings(project: str) -> Settings:
    from hookmux.config import load_settings as load_hookmux_settings

    loaded = load_hookmux_settings(project)
    for error in loaded.errors:
        click.echo(f"hookmux: config: {error}", err=True)
    config, errors = loaded.plugin_config("ghap", Config)
    if errors:
        raise click.ClickException("invalid [plugins.ghap] config: " + "; ".join(errors))
    settings = resolve(config, project)
    for warning in settings.warnings:
        click.echo(f"hookmux-ghap: warning: {warning}", err=True)
    return settings


pass_context = click.make_pass_decorator(Context)


def emit(as_json: bool, data: Any, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)


def fail(as_json: bool, kind: str, message: str) -> NoReturn:
    if as_json:
        click.echo(json.dumps({"error": {"type": kind, "message": message}}, indent=2))
    else:
        click.echo(f"hookmux ghap: {kind}: {message}", err=True)
    sys.exit(1)


@contextmanager
def refusals(as_json: bool) -> Iterator[None]:
    """GHAP errors, a busy journal and unwritable files end the command with exit 1."""
    try:
        yield
    except model.GHAPError as exc:
        fail(as_json, exc.kind, str(exc))
    except LockTimeout as exc:
        fail(as_json, "journal_locked", str(exc))
    except OSError as exc:
        fail(as_json, "journal_error", f"{type(exc).__name__}: {exc}")


def claude_session() -> str | None:
    """Claude Code's session id, which it gives the commands its Bash tool runs."""
    return os.environ.get("CLAUDE_CODE_SESSION_ID") or None


def clean(text: str | None) -> str | None:
    """Secrets never reach the journal."""
    if text is None:
        return None
    from hookmux.state.redact import redact_text

    return redact_text(text)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help=JSON_HELP)(func)


def one_line(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# -- rendering ------------------------------------------------------------------


def render_entry(entry: dict[str, Any], heading: str) -> str:
    lines = [
        heading,
        f"Domain:     {entry['domain']}",
        f"Strategy:   {entry['strategy']}",
        f"Goal:       {entry['goal']}",
        f"Hypothesis: {entry['hypothesis']}",
        f"Action:     {entry['action']}",
        f"Prediction: {entry['prediction']}",
        f"Created:    {entry['created_at']}",
    ]
    history = entry.get("history") or []
    if history:
        lines.append("History:")
        lines.extend(
            f"  {h.get('timestamp')}  hypothesis: {h.get('hypothesis')} | action: {h.get('action')}"
            f" | prediction: {h.get('prediction')}"
            for h in history
        )
    notes = entry.get("notes") or []
    if notes:
        lines.append("Notes:")
        lines.extend(f"  - {n}" for n in notes)
    outcome = entry.get("outcome")
    if isinstance(outcome, dict):
        auto = " (auto-captured)" if outcome.get("auto_captured") else ""
        lines.append(f"Outcome:    {outcome.get('status')}{auto}: {outcome.get('result')}")
        if entry.get("surprise"):
            lines.append(f"Surprise:   {entry['surprise']}")
        root = entry.get("root_cause")
        if isinstance(root, dict):
            lines.append(f"Root cause: {root.get('category')}: {root.get('description')}")
        lesson = entry.get("lesson")
        if isinstance(lesson, dict):
            lines.append(f"Lesson:     {lesson.get('what_worked')}")
            if lesson.get("takeaway"):
                lines.append(f"Takeaway:   {lesson['takeaway']}")
        lines.append(f"Tier:       {entry.get('confidence_tier')}")
    return "\n".join(lines)


# -- commands -------------------------------------------------------------------

DOMAIN_HELP = "One of: " + ", ".join(model.DOMAINS) + "."
STRATEGY_HELP = "One of: " + ", ".join(model.STRATEGIES) + "."
CATEGORY_HELP = "Required when falsified; one of: " + ", ".join(model.ROOT_CAUSE_CATEGORIES) + "."


def register(cli: click.Group) -> None:
    cli.add_command(ghap)


@click.group()
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The project whose journal to use (default: $CLAUDE_PROJECT_DIR, else the nearest "
    "directory above holding .claude/journal, else the current directory).",
)
@click.pass_context
def ghap(ctx: click.Context, project_dir: str | None) -> None:
    """GHAP journal: Goal, Hypothesis, Action, Prediction entries for debugging.

    Start an entry before investigating, update it when the hypothesis changes,
    resolve it (confirmed, falsified, abandoned) when the outcome is known.
    """
    ctx.obj = Context(project_dir)


@ghap.command()
@click.option("--domain", required=True, help=DOMAIN_HELP)
@click.option("--strategy", required=True, help=STRATEGY_HELP)
@click.option("--goal", required=True, help="What meaningful change are you trying to make?")
@click.option("--hypothesis", required=True, help="What do you believe about the situation?")
@click.option("--action", required=True, help="What are you doing based on this belief?")
@click.option("--prediction", required=True, help="If your hypothesis is correct, what will you observe?")
@json_option
@pass_context
def start(
    obj: Context,
    domain: str,
    strategy: str,
    goal: str,
    hypothesis: str,
    action: str,
    prediction: str,
    as_json: bool,
) -> None:
    """Begin tracking a new GHAP entry (fails while one is active)."""
    with refusals(as_json):
        model.validate_start(domain, strategy, goal, hypothesis, action, prediction)
        entry = obj.journal.create(
            domain,
            strategy,
            clean(goal) or "",
            clean(hypothesis) or "",
            clean(action) or "",
            clean(prediction) or "",
            session_hint=claude_session(),
        )
    emit(as_json, {"ok": True, "id": entry["id"]}, f"Started {entry['id']} (session {entry['session_id']}).")


@ghap.command()
@click.option("--hypothesis", help="The revised hypothesis.")
@click.option("--action", help="The revised action.")
@click.option("--prediction", help="The revised prediction.")
@click.option("--strategy", help=STRATEGY_HELP)
@click.option("--note", help="A note to append.")
@json_option
@pass_context
def update(
    obj: Context,
    hypothesis: str | None,
    action: str | None,
    prediction: str | None,
    strategy: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Revise the active entry: a changed hypothesis, action or prediction is kept in
    its history and counts as an iteration."""
    with refusals(as_json):
        model.validate_update(hypothesis, action, prediction, strategy)
        entry = obj.journal.update(clean(hypothesis), clean(action), clean(prediction), strategy, clean(note))
    emit(
        as_json,
        {"success": True, "iteration_count": entry["iteration_count"]},
        f"Updated {entry['id']} (iteration {entry['iteration_count']}).",
    )


@ghap.command("resolve")
@click.option("--status", required=True, help="confirmed, falsified or abandoned.")
@click.option("--result", required=True, help="What actually happened.")
@click.option("--surprise", help="What was unexpected (required when falsified).")
@click.option("--root-cause-category", "category", help=CATEGORY_HELP)
@click.option(
    "--root-cause-description", "description", help="Why the hypothesis was wrong (required when falsified)."
)
@click.option("--what-worked", help="The lesson: what worked.")
@click.option("--takeaway", help="The lesson's takeaway (needs --what-worked).")
@json_option
@pass_context
def resolve_command(
    obj: Context,
    status: str,
    result: str,
    surprise: str | None,
    category: str | None,
    description: str | None,
    what_worked: str | None,
    takeaway: str | None,
    as_json: bool,
) -> None:
    """Resolve the active entry. A resolution that agrees with the last test or
    build outcome seen since the entry's last update is auto-captured (tier gold);
    other resolutions are silver, abandoned ones abandoned."""
    root_cause = None
    if category is not None or description is not None:
        root_cause = {"category": category or "", "description": description or ""}
    lesson: dict[str, str | None] | None = None
    if what_worked is not None or takeaway is not None:
        lesson = {"what_worked": what_worked or "", "takeaway": takeaway}
    with refusals(as_json):
        model.validate_resolve(status, result, surprise, root_cause, lesson)
        if root_cause is not None:
            root_cause = {
                "category": root_cause["category"],
                "description": clean(root_cause["description"]) or "",
            }
        if lesson is not None:
            lesson = {"what_worked": clean(lesson["what_worked"]), "takeaway": clean(lesson["takeaway"])}
        entry = obj.journal.resolve(status, clean(result) or "", clean(surprise), root_cause, lesson)
    tier = entry["confidence_tier"]
    emit(
        as_json,
        {"ok": True, "id": entry["id"], "status": status, "confidence_tier": tier},
        f"Resolved {entry['id']} as {status} (tier {tier}).",
    )


@ghap.command()
@click.option("--reason", required=True, help="Why the entry is abandoned.")
@json_option
@pass_context
def abandon(obj: Context, reason: str, as_json: bool) -> None:
    """Abandon the active entry (an orphan of an earlier session goes to that
    session's archive)."""
    with refusals(as_json):
        model.validate_resolve("abandoned", reason, None, None, None)
        entry, where = obj.journal.abandon(clean(reason) or "")
    emit(
        as_json,
        {"ok": True, "id": entry["id"], "status": "abandoned", "confidence_tier": "abandoned", "file": where},
        f"Abandoned {entry['id']} (recorded in {where}).",
    )


@ghap.command()
@json_option
@pass_context
def adopt(obj: Context, as_json: bool) -> None:
    """Adopt an orphaned entry into the current session and continue it."""
    with refusals(as_json):
        entry = obj.journal.adopt(claude_session())
        if entry is None:
            raise model.NotFoundError("No orphaned GHAP entry to adopt")
    emit(
        as_json,
        {"ok": True, "id": entry["id"], "session_id": entry["session_id"]},
        f"Adopted {entry['id']} into session {entry['session_id']}.",
    )


@ghap.command()
@json_option
@pass_context
def show(obj: Context, as_json: bool) -> None:
    """Show the active entry, the session and the tool count."""
    settings = obj.settings
    journal = obj.journal
    with refusals(as_json):
        entry = journal.current()
        orphan = entry is not None and journal.is_orphan(entry)
        data = {
            "active": entry,
            "orphan": orphan,
            "session_id": journal.session_id(),
            "tool_count": journal.tool_count(),
            "check_frequency": settings.frequency,
            "journal": journal.directory,
            "last_outcome": journal.last_outcome() if entry is not None else None,
        }
    if as_json:
        emit(True, data, "")
        return
    tail = f"Tool calls since the last check-in: {data['tool_count']} (check-in every {settings.frequency})"
    if entry is None:
        click.echo(f"No active GHAP (journal {journal.directory}).\n{tail}")
        return
    where = f"orphaned from session {entry['session_id']}" if orphan else f"session {entry['session_id']}"
    heading = f"Active GHAP {entry['id']} (iteration {entry.get('iteration_count', 1)}, {where})"
    click.echo(render_entry(entry, heading) + "\n" + tail)


@ghap.command("list")
@click.option("--all", "everything", is_flag=True, help="Include archived sessions.")
@click.option("--status", help="Only entries with this outcome status.")
@click.option("--tier", help="Only entries with this confidence tier (gold, silver, bronze, abandoned).")
@click.option("--domain", help="Only entries of this domain.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@json_option
@pass_context
def list_command(
    obj: Context,
    everything: bool,
    status: str | None,
    tier: str | None,
    domain: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Resolved entries, newest first: this session's (with --all, archived ones too)."""
    with refusals(as_json):
        if status is not None and status not in model.OUTCOME_STATUSES:
            raise model.ValidationError(
                f"Invalid outcome status '{status}'. Valid options: {', '.join(model.OUTCOME_STATUSES)}"
            )
        if tier is not None and tier not in model.CONFIDENCE_TIERS:
            raise model.ValidationError(
                f"Invalid confidence tier '{tier}'. Valid options: {', '.join(model.CONFIDENCE_TIERS)}"
            )
        if domain is not None and domain not in model.DOMAINS:
            raise model.ValidationError(
                f"Invalid domain '{domain}'. Valid options: {', '.join(model.DOMAINS)}"
            )
        journal = obj.journal
        entries = list(journal.iter_all()) if everything else journal.entries()
    selected = [
        e
        for e in reversed(entries)
        if (status is None or (e.get("outcome") or {}).get("status") == status)
        and (tier is None or e.get("confidence_tier") == tier)
        and (domain is None or e.get("domain") == domain)
    ][:limit]
    if as_json:
        emit(True, selected, "")
        return
    if not selected:
        click.echo("No resolved GHAP entries.")
        return
    for e in selected:
        outcome = (e.get("outcome") or {}).get("status", "?")
        tier = e.get("confidence_tier") or "-"
        click.echo(f"{e['id']}  {outcome:<9}  {tier:<9}  {e['domain']:<13}  {one_line(e['goal'])}")


@ghap.group()
def values() -> None:
    """Learned values: short principles injected at session start and with each prompt."""


@values.command("add")
@click.argument("text")
@click.option("--axis", default="full", show_default=True, help="full, strategy, surprise or root_cause.")
@click.option(
    "--cluster-label",
    type=int,
    default=-1,
    show_default=True,
    help="The cluster the value distils (-1: none).",
)
@click.option("--cluster-size", type=click.IntRange(0), default=0, show_default=True)
@json_option
@pass_context
def values_add(
    obj: Context, text: str, axis: str, cluster_label: int, cluster_size: int, as_json: bool
) -> None:
    """Store a value in the embedded store (the journal's values.jsonl)."""
    from hookmux_ghap import values as store

    with refusals(as_json):
        if not text.strip():
            raise model.ValidationError("Field 'text' cannot be empty")
        if len(text) > model.MAX_RESOLVE_FIELD:
            raise model.ValidationError(
                f"Field 'text' exceeds {model.MAX_RESOLVE_FIELD} character limit ({len(text)} chars)"
            )
        if axis not in store.AXES:
            raise model.ValidationError(f"Invalid axis '{axis}'. Valid options: {', '.join(store.AXES)}")
        if obj.settings.config.values_store != "embedded":
            raise model.ValidationError(
                f"values_store is {obj.settings.config.values_store!r}: values are added to the embedded "
                "store only (Qdrant needs an embedding for each value; the CLAMS server adds those)"
            )
        point = store.add_embedded(obj.journal, clean(text) or "", axis, cluster_label, cluster_size)
    emit(as_json, point, f"Added {point['id']}.")


@values.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@json_option
@pass_context
def values_list(obj: Context, limit: int, as_json: bool) -> None:
    """Values, newest first, from the configured store."""
    from hookmux_ghap import values as store

    config = obj.settings.config
    try:
        if config.values_store == "off":
            payloads: list[dict[str, Any]] = []
        elif config.values_store == "qdrant":
            payloads = store.scroll_qdrant(
                config.qdrant_url, limit, config.qdrant_timeout, config.qdrant_api_key
            )
        else:
            payloads = [p["payload"] for p in store.read_embedded(obj.journal)]
    except store.ValuesUnavailable as exc:
        fail(as_json, "values_unavailable", f"{config.values_store} store: {exc}")
    selected = store.newest_first(payloads)[:limit]
    if as_json:
        emit(True, selected, "")
        return
    if not selected:
        click.echo(f"No values ({config.values_store} store).")
        return
    for payload in selected:
        click.echo(f"- {payload.get('text')}  [{payload.get('cluster_id')}, {payload.get('created_at')}]")
