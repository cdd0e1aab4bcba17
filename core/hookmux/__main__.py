"""The ``hookmux`` console script.

``hookmux run`` goes straight to the stdlib-only hook entry; every other
command loads the click command line (and with it the plugins' commands).
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["run"]:
        from hookmux.hookentry import run

        code = run(argv[1:])
        sys.exit(code)
    from hookmux.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
