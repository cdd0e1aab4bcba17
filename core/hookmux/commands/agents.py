"""``hookmux agents``: the coding agents hookmux answers, and what each fires and honours."""

from __future__ import annotations

import json

import click


def register(cli: click.Group) -> None:
    @cli.command("agents")
    @click.option("--json", "as_json", is_flag=True, help="Print the events and answer fields as JSON.")
    def agents_command(as_json: bool) -> None:
        """The support matrix: under which name each agent fires each canonical event, and
        which answer fields it honours (hookmux does not emit the others, and says so in
        `hookmux explain`). Markdown, as in the README."""
        from hookmux.agents.matrix import answer_rows, event_rows, markdown

        if as_json:
            click.echo(json.dumps({"events": event_rows(), "answers": answer_rows()}, indent=2))
        else:
            click.echo(markdown(), nl=False)
