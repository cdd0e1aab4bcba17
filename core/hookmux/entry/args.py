"""``hookmux run``'s arguments, and the error for input it cannot route.

Shared by the hook process (:mod:`hookmux.entry.run`), which parses them before
relaying, and the in-process routing (:mod:`hookmux.entry.route`), which the
daemon calls with the arguments a relayed event came with.
"""

from __future__ import annotations

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO, Any

USAGE = """\
usage: hookmux run [--deadline SECONDS] [--transport command|http] [--wiring DIGEST]
                   [--agent claude|codex|gemini] [--no-relay]

Reads one hook event (JSON) on stdin, routes it to the plugins whose matchers
accept it and prints their merged answer (one JSON object, or nothing) in the
agent's own shape (default: Claude Code). Wire it into an agent with
`hookmux install --agent ...`. --no-relay routes the event in this process
(the native launcher passes it when the daemon could not answer).
"""

#: The agents ``--agent`` accepts (:data:`hookmux.protocol.events.AGENTS`; not imported:
#: the relay path never loads the event tables).
AGENTS = ("claude", "codex", "gemini")


class BadInput(Exception):
    """The event cannot be routed; the message is the stderr line."""


#: Arguments parsed without a warning, and their options: the daemon gets the same few
#: argument lists (the wiring's) with every event.
_parsed: dict[tuple[str, ...], dict[str, Any]] = {}


def parse_args(argv: list[str], err: IO[str]) -> dict[str, Any] | None:
    given = tuple(argv)
    known = _parsed.get(given)
    if known is not None:
        return dict(known)
    warned = False
    opts: dict[str, Any] = {
        "deadline": None,
        "transport": "command",
        "wiring": None,
        "agent": "claude",
        "relay": True,
    }
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            return None
        if arg == "--no-relay":  # the native launcher tried the daemon already: route here
            opts["relay"] = False
            continue
        key, sep, value = arg.partition("=")
        if key in ("--deadline", "--transport", "--wiring", "--agent"):
            value = value if sep else next(args, "")
            if key == "--wiring":
                opts["wiring"] = value
            elif key == "--agent":
                if value not in AGENTS:
                    # Routing another agent's event as Claude Code's would answer in the wrong shape.
                    raise BadInput(f"unknown --agent {value!r}: expected one of {', '.join(AGENTS)}")
                opts["agent"] = value
            elif key == "--deadline":
                try:
                    opts["deadline"] = float(value)
                    if opts["deadline"] <= 0:
                        raise ValueError
                except ValueError:
                    print(f"hookmux run: ignoring --deadline {value!r}: not a positive number", file=err)
                    opts["deadline"] = None
                    warned = True
            elif value in ("command", "http"):
                opts["transport"] = value
            else:
                print(f"hookmux run: ignoring --transport {value!r}: expected command or http", file=err)
                warned = True
        else:
            print(f"hookmux run: ignoring unknown argument {arg!r}", file=err)
            warned = True
    if not warned and len(_parsed) < 256:
        _parsed[given] = dict(opts)
    return opts


def normal_args(opts: Mapping[str, Any]) -> list[str]:
    """The parsed options as arguments again (the daemon need not repeat warnings)."""
    args = [f"--transport={opts['transport']}"]
    if opts["deadline"] is not None:
        args.append(f"--deadline={opts['deadline']!r}")
    if opts["wiring"] is not None:
        args.append(f"--wiring={opts['wiring']}")
    if opts["agent"] != "claude":
        args.append(f"--agent={opts['agent']}")
    return args
