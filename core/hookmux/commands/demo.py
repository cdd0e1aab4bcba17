"""``hookmux demo``: a recorded Claude Code session through every installed plugin."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from hookmux.commands.replay import echo_replayed, state_home
from hookmux.commands.replayer import Replayed, read_events, replay_event

#: Recorded from Claude Code 2.1.330 (tests/data/cc-2.1.330-events.ndjson): the user
#: asks to tick off a task; Claude reads and edits tasks.md, runs a command that fails
#: and the tests (one fails), asks to write metadata.json (not granted), echoes and
#: writes notes.txt, stops.
SESSION = Path(__file__).resolve().parent.parent / "data" / "demo-session.ndjson"
RECORDED_PROJECT = "/home/user/proj"
RECORDED_TRANSCRIPTS = "/home/user/.claude/projects/-home-user-proj"
#: The files of the recorded project, as they were before the session.
PROJECT_FILES = {
    ".specweave/increments/0001-demo/tasks.md": "# Tasks\n\n- [ ] T-001 first\n- [x] T-002 second\n",
}


def _relocate(value: Any, project: str, transcripts: str) -> Any:
    if isinstance(value, str):
        value = value.replace(RECORDED_TRANSCRIPTS, transcripts)
        return value.replace(RECORDED_PROJECT, project)
    if isinstance(value, list):
        return [_relocate(v, project, transcripts) for v in value]
    if isinstance(value, dict):
        return {k: _relocate(v, project, transcripts) for k, v in value.items()}
    return value


def session_events(project: str) -> list[dict[str, Any]]:
    """The bundled session with its paths moved into ``project``."""
    transcripts = os.path.join(project, ".claude", "transcripts")
    events = []
    with SESSION.open(encoding="utf-8") as fh:
        for _, event in read_events(fh):
            if isinstance(event, Exception):  # pragma: no cover - the file is ours
                raise click.ClickException(f"{SESSION}: {event}")
            events.append(_relocate(event, project, transcripts))
    return events


def apply_effect(event: Mapping[str, Any], project: str) -> None:
    """Make the file change a successful Write or Edit made, before its PostToolUse is
    routed, so plugins see the project as Claude Code left it."""
    tool_input = event.get("tool_input")
    if event.get("hook_event_name") != "PostToolUse" or not isinstance(tool_input, dict):
        return
    path = tool_input.get("file_path")
    if not isinstance(path, str) or not os.path.realpath(path).startswith(os.path.realpath(project) + os.sep):
        return
    target = Path(path)
    if event.get("tool_name") == "Write" and isinstance(tool_input.get("content"), str):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tool_input["content"], encoding="utf-8")
    elif event.get("tool_name") == "Edit" and target.is_file():
        old, new = tool_input.get("old_string"), tool_input.get("new_string")
        if isinstance(old, str) and isinstance(new, str):
            text = target.read_text(encoding="utf-8")
            count = -1 if tool_input.get("replace_all") else 1
            target.write_text(text.replace(old, new, count), encoding="utf-8")


def make_project(root: str) -> str:
    project = os.path.join(root, "proj")
    for rel, text in PROJECT_FILES.items():
        path = Path(project, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    Path(project, ".claude", "transcripts").mkdir(parents=True, exist_ok=True)
    return project


def plugin_summary(
    results: list[Replayed], manifest: Mapping[str, Any], project: str
) -> dict[str, dict[str, Any]]:
    """Per installed plugin: enabled or not, the events it handled and its statuses."""
    from hookmux.config import load_settings

    settings = load_settings(project)
    summary: dict[str, dict[str, Any]] = {
        name: {
            "events": [],
            "statuses": {},
            "error": record["error"],
            "enabled": settings.plugin_enabled(name),
        }
        for name, record in sorted(manifest["plugins"].items())
    }
    for item in results:
        for outcome in item.outcomes:
            entry = summary.setdefault(
                outcome["plugin"], {"events": [], "statuses": {}, "error": None, "enabled": True}
            )
            entry["events"].append(item.line)
            entry["statuses"][outcome["status"]] = entry["statuses"].get(outcome["status"], 0) + 1
    return summary


def register(cli: click.Group) -> None:
    @cli.command("demo")
    @click.option("--all", "show_all", is_flag=True, help="Also list the events no plugin matched.")
    @click.option("--keep", is_flag=True, help="Keep the throwaway project and state directory.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON for scripts.")
    def demo_command(show_all: bool, keep: bool, as_json: bool) -> None:
        """Run a recorded Claude Code session through every installed plugin.

        The session (23 real Claude Code 2.1.330 hook events: a prompt, file
        reads and edits, failing commands, a permission request, a stop) runs
        in a throwaway project with a throwaway state directory; the report
        shows, per event, which plugins matched, what each did and the answer
        Claude Code would get, then a summary per plugin.
        """
        from hookmux.routing.manifest import load_manifest

        root = tempfile.mkdtemp(prefix="hookmux-demo-")
        try:
            project = make_project(root)
            with state_home(os.path.join(root, "state")) as state:
                # the manifest too: the user's $HOOKMUX_HOME is left exactly as it was
                manifest = load_manifest(state)
                events = session_events(project)
                results = []
                for number, event in enumerate(events, 1):
                    apply_effect(event, project)
                    results.append(replay_event(number, event, manifest, home=state))
            summary = plugin_summary(results, manifest, project)
            if as_json:
                report = {
                    "project": project,
                    "events": [r.as_json() for r in results],
                    "plugins": summary,
                }
                click.echo(json.dumps(report, indent=2, ensure_ascii=False))
                return
            _print_report(results, summary, project, show_all)
        finally:
            if keep:
                click.echo(f"\nkept: {root}", err=True)
            else:
                shutil.rmtree(root, ignore_errors=True)


def _print_report(
    results: list[Replayed], summary: dict[str, dict[str, Any]], project: str, show_all: bool
) -> None:
    matched = [r for r in results if r.matched]
    click.secho(f"A recorded Claude Code session: {len(results)} hook events in {project}", bold=True)
    if not summary:
        click.echo(
            "\nNo hookmux plugins are installed, so every event went through the router and no "
            "plugin ran: Claude Code would carry on exactly as without hooks.\n"
            "Install one with: pip install hookmux-<name>, then run `hookmux demo` again."
        )
        return
    hint = "" if show_all or not matched else " (--all lists the others too)"
    click.echo(f"{len(matched)} of {len(results)} events matched a plugin{hint}.")
    for item in results:
        echo_replayed(item, quiet_unmatched=not show_all)
    click.secho("\nWhat each plugin did", bold=True)
    for name, entry in summary.items():
        if entry["error"]:
            click.secho(f"  {name}: not loaded: {entry['error']}", fg="red")
        elif not entry["enabled"]:
            click.echo(f"  {name}: disabled in the configuration, did not run")
        elif not entry["events"]:
            click.echo(f"  {name}: no event of this session matched its matchers")
        else:
            statuses = ", ".join(f"{n} {s}" for s, n in sorted(entry["statuses"].items()))
            lines = ", ".join(str(n) for n in dict.fromkeys(entry["events"]))
            click.echo(f"  {name}: ran on {len(set(entry['events']))} event(s) (lines {lines}): {statuses}")
