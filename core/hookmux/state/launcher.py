"""The hook launcher: the script ``hookmux install`` wires instead of pip's console script.

What runs a hook decides what an event no plugin wants costs. pip's console scripts
import ``re`` before hookmux starts (pip < 25.2, such as the 23.2.1 bundled with
CPython 3.11), which costs about half an interpreter start per event; ``python -m``
pays for ``runpy``. The launcher is the console script without either: a shebang
naming this environment's interpreter and three lines calling the same entry point
(``hookmux.__main__:main``), so its speed does not depend on the pip that installed
hookmux.

It lives in ``$HOOKMUX_HOME/launchers/<environment key>/hookmux`` (0700 directories,
a 0700 file): private to the user, one per Python environment sharing the home,
named ``hookmux`` so every check that recognises hookmux's handlers by their program
recognises it. ``hookmux install`` (re)writes it whenever its text differs and
removes the launchers of environments that no longer exist; ``hookmux doctor``
checks it. It depends on nothing but the entry point the console script uses, so
upgrading hookmux keeps it working; a moved or deleted environment breaks it as it
breaks pip's script (``doctor`` says so, ``install`` from the new one fixes it).

Off the hot path: only ``install`` and ``doctor`` import this module.
"""

from __future__ import annotations

import os
import shutil
import sys
import zlib

from hookmux.state.paths import atomic_write, ensure_private_dir

LAUNCHERS = "launchers"
NAME = "hookmux"
#: The longest shebang every Linux kernel honours (older kernels cut at 127 bytes).
MAX_SHEBANG = 127
_MARK = "# hookmux launcher"


def interpreter() -> str:
    """This environment's interpreter as its console scripts name it (a virtual
    environment's python is not resolved through its symlink: that would leave the venv)."""
    return os.path.abspath(sys.executable)


def launchers_dir(home: str) -> str:
    return os.path.join(home, LAUNCHERS)


def launcher_path(home: str, python: str | None = None) -> str:
    """Where the launcher for ``python`` (default: this interpreter) lives under ``home``."""
    python = python or interpreter()
    # keyed by the interpreter's directory: `python` and `python3.11` of one venv share it
    key = zlib.crc32(os.fsencode(os.path.dirname(python)))
    return os.path.join(launchers_dir(home), f"{key:08x}", NAME)


def same_interpreter(first: str, second: str) -> bool:
    """Do two interpreter paths start the same environment (``python`` and ``python3.11``
    of one venv: the same directory, links to the same binary)?"""
    if first == second:
        return True
    try:
        return os.path.dirname(first) == os.path.dirname(second) and os.path.samefile(first, second)
    except OSError:
        return False


def launcher_text(python: str | None = None) -> str:
    """The launcher's whole text for ``python`` (default: this interpreter)."""
    python = python or interpreter()
    return (
        f"#!{python}\n"
        f"{_MARK} for {python}: written by `hookmux install`, checked by `hookmux doctor`.\n"
        "# The console script's entry point, without what pip's scripts import first (re).\n"
        "import sys\n"
        "try:\n"
        "    from hookmux.__main__ import main\n"
        "except ImportError as exc:\n"
        '    sys.exit(f"hookmux: cannot start ({exc}): is hookmux still installed for {sys.executable}? "\n'
        '             "Run `hookmux install` (or `hookmux uninstall`) from the venv hookmux is in.")\n'
        "sys.exit(main())\n"
    )


def unusable_reason(python: str | None = None) -> str | None:
    """Why no launcher can name ``python`` in its shebang, or None."""
    python = python or interpreter()
    if any(ch.isspace() for ch in python):
        return f"the interpreter's path {python!r} has whitespace, which a shebang cannot hold"
    if len(os.fsencode(python)) + 3 > MAX_SHEBANG:
        return f"the interpreter's path is longer than a shebang may be ({MAX_SHEBANG} bytes)"
    return None


def write_launcher(home: str) -> str:
    """Write (or rewrite, when its text differs) this environment's launcher; its path."""
    path = launcher_path(home)
    if launcher_problem(path) is None:
        return path  # current (possibly naming this venv's `python3.11` for our `python`)
    ensure_private_dir(launchers_dir(home))  # makedirs gives the mode to the leaf only
    ensure_private_dir(os.path.dirname(path))
    atomic_write(path, launcher_text().encode("utf-8"), 0o700)
    os.chmod(path, 0o700)  # atomic_write's mode went through the umask
    return path


def launcher_python(path: str) -> str | None:
    """The interpreter a launcher names, or None when ``path`` is not a hookmux launcher."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(8192)
    except (OSError, UnicodeDecodeError):
        return None
    first, _, rest = head.partition("\n")
    if not first.startswith("#!") or not rest.startswith(_MARK):
        return None
    return first[2:].strip()


def is_launcher(path: str, home: str) -> bool:
    """Is ``path`` a launcher under ``home``'s launcher directory?"""
    parent = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    return parent == os.path.abspath(launchers_dir(home)) and os.path.basename(path) == NAME


def launcher_problem(path: str) -> str | None:
    """What is wrong with the launcher at ``path`` for this environment, or None."""
    python = launcher_python(path)
    if python is None:
        return f"{path} is not a hookmux launcher"
    if not os.access(python, os.X_OK):
        return f"{path} starts {python}, which no longer exists (the environment moved or was deleted)"
    if not same_interpreter(python, interpreter()):
        return f"{path} starts {python}, not this environment's {interpreter()}"
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path} cannot be read: {exc}"
    if text != launcher_text(python):
        return f"{path} was written by another version of hookmux"
    if not os.access(path, os.X_OK):
        return f"{path} is not executable"
    return None


def prune_launchers(home: str) -> list[str]:
    """Remove the launchers whose interpreter no longer exists; the paths removed."""
    removed = []
    try:
        keys = os.listdir(launchers_dir(home))
    except OSError:
        return []
    for key in keys:
        path = os.path.join(launchers_dir(home), key, NAME)
        python = launcher_python(path)
        if python is not None and not os.path.exists(python):
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)
            removed.append(path)
    return removed


def script_imports_re(path: str) -> bool:
    """Does the console script at ``path`` import ``re`` before hookmux (pip < 25.2)?"""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(8192)
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip() == "import re" for line in text.splitlines())
