"""The ``hookmux`` console script.

``hookmux run`` goes straight to the stdlib-only hook entry, and ``hookmux
statusline`` to the stdlib-only renderer a plugin declares (see
:mod:`hookmux.entry.statusline`); every other command loads the click command line
(and with it the plugins' commands).
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["run"]:
        from hookmux.entry.run import main as run

        run(argv[1:])
    if argv[:2] == ["serve", "ensure"] and "--help" not in argv:
        from hookmux.entry.control import ensure_main

        sys.exit(ensure_main(argv[2:]))
    if argv[:1] == ["statusline"]:
        from hookmux.entry.statusline import run as statusline

        rendered = statusline(argv[1:])
        if rendered is not None:
            sys.exit(rendered)
    from hookmux.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
