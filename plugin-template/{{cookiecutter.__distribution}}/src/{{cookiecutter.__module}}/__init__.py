"""{{ cookiecutter.description | replace('\\', '\\\\') | replace('"""', '\\"\\"\\"') }}

hookmux finds this module through the entry point ``{{ cookiecutter.plugin_name }}`` (group
``hookmux``) and imports it only when an event passes the matchers a handler declares
in ``@hookimpl(...)``; every other event never loads it. The example handler asks the
user before Claude force-pushes: replace it with your own. hookmux's author's guide
(docs/plugins.md) lists every hook, matcher, answer and merge rule.
"""

from __future__ import annotations

import shlex
from typing import Literal

import attrs
from hookmux import hookimpl
from hookmux.config import protection
from hookmux.protocol.answers import PreToolUseAnswer
from hookmux.protocol.eventmodels import PreToolUse
from hookmux.routing.context import HookContext


@attrs.frozen(kw_only=True)
class Config:
    """The ``[plugins.{{ cookiecutter.plugin_name }}]`` table of hookmux's config files.

    Set in ``~/.config/hookmux/config.toml``, ``.claude/hookmux.toml`` or
    ``.claude/hookmux.local.toml``, or as ``{{ cookiecutter.__env_prefix }}DECISION=deny``.
    A wrong key or type is reported with its file and the plugin sits the event out.

    :ivar decision: ``"ask"`` the user before a force push, or ``"deny"`` it outright.
    :ivar flags: the ``git push`` options that make it a force push.

    Each key says how far a repository may be trusted with it (``metadata``): a
    ``protection()`` (it can weaken a guard) or a ``destination()`` (a path, URL or
    host data goes to) set in a project's ``.claude/hookmux.toml`` applies only
    after the user ran ``hookmux trust`` (a protection's ``safer`` value applies at
    once); keys without one are plain (unless their type, name or value says path or URL).
    """

    # a repository may make the guard stricter (deny, more flags) without trust
    decision: Literal["ask", "deny"] = attrs.field(
        default="ask", metadata=protection(safer=lambda v, _: v == "deny")
    )
    flags: tuple[str, ...] = attrs.field(
        default=("--force", "-f"),
        metadata=protection(safer=lambda v, now: set(now or ()) <= set(v)),
    )


@hookimpl
def hookmux_config_schema() -> type[Config]:
    return Config


def push_options(command: str) -> list[str]:
    """The words after ``git push`` in each part of a shell command."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:  # unbalanced quotes: fall back to plain words
        words = command.split()
    options: list[str] = []
    pushing = False
    for index, word in enumerate(words):
        if word and set(word) <= set("&|;()<>"):  # a shell operator ends the command
            pushing = False
        elif word == "push" and index > 0 and words[index - 1] == "git":
            pushing = True
        elif pushing:
            options.append(word)
    return options


# matcher: the tool name, with Claude Code's own matcher semantics.
# commands: globs tried on the whole Bash command and on each &&/||/;/| part.
# priority: larger runs first (default 50); the highest priority's reason comes first.
@hookimpl(matcher="Bash", commands=["git push*"], priority=60)
def hookmux_pre_tool_use(event: PreToolUse, ctx: HookContext) -> PreToolUseAnswer | None:
    """Ask (or refuse, per config) before Claude force-pushes; stay silent otherwise."""
    config: Config = ctx.config
    used = [option for option in push_options(event.command or "") if option in config.flags]
    if not used:
        return None  # silent: no opinion, other plugins and Claude Code decide
    return PreToolUseAnswer(
        permission=config.decision,
        reason=f"{' '.join(used)} rewrites the remote branch's history; push without it, "
        "or use --force-with-lease",
    )
