"""The static matchers of the outcome handlers (kept apart: hookmux reads them when
it builds its manifest, and the plugin module imports them on every event)."""

#: What ``hookimpl(commands=...)`` lets through to this module: a superset of
#: :func:`hookmux_ghap.outcome.classify`, so commands that are surely not tests never import the plugin.
COMMAND_GLOBS = (
    "*pytest*",
    "*py.test*",
    "tox*",
    "* tox*",
    "*/tox*",
    "nox*",
    "* nox*",
    "*/nox*",
    "*jest*",
    "*vitest*",
    "*mocha*",
    "*rspec*",
    "*unittest*",
    "*npm *",
    "*yarn *",
    "*bun *",
    "*go test*",
    "*go build*",
    "*cargo *",
    "*make *",
)
