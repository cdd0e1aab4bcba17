"""The native launcher: a small C program (``native/launcher.c``) that relays ``hookmux
run`` events to ``hookmux serve`` without starting Python.

A Python start costs ~10 ms of every hook, even when all it does is hand the event
to the daemon; the native launcher starts in well under a millisecond. It hands
everything it does not relay (other commands, no daemon, a failed relay) to the
Python launcher with the event on stdin, so no event is lost and every answer is
the one Python would give. ``hookmux install`` builds it where a C compiler is
found (``$CC``, ``cc``, ``gcc`` or ``clang``), next to the Python launcher, with
``launcher.conf`` beside it (the Python launcher, hookmux's version, this
environment's identity, and the digest of the source it was built from, so a
newer hookmux rebuilds it), in ``native/`` beside the Python launcher
(:mod:`hookmux.state.launcher`), and named ``hookmux`` too, so every check that
recognises hookmux's handlers by their program recognises it. Without a compiler,
or when the build fails, the Python launcher is wired (``install`` says why).

Off the hot path: only ``install`` and ``doctor`` import this module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile

from hookmux import __version__
from hookmux.entry.relay import environment_identity
from hookmux.state.paths import atomic_write, ensure_private_dir

SOURCE = os.path.join(os.path.dirname(__file__), "native", "launcher.c")
CONF = "launcher.conf"
#: Seconds a build may take before hookmux install gives up and wires Python.
BUILD_TIMEOUT = 60.0


def native_path(python_launcher: str) -> str:
    """Where the native launcher that hands over to ``python_launcher`` lives."""
    return os.path.join(os.path.dirname(python_launcher), "native", "hookmux")


def python_launcher_of(binary: str) -> str | None:
    """The Python launcher a native launcher hands over to (its settings' first line), or
    None when ``binary`` is not a native launcher."""
    if os.path.basename(os.path.dirname(binary)) != "native":
        return None
    try:
        with open(conf_path(binary), encoding="utf-8") as fh:
            first = fh.readline()
    except OSError:
        return None
    return first.rstrip("\n") if first.endswith("\n") else None


def compiler() -> str | None:
    """The C compiler to build with: ``$CC`` (its first word), else the first of cc, gcc, clang."""
    wanted = os.environ.get("CC", "").split()
    for name in [*wanted[:1], "cc", "gcc", "clang"]:
        found = shutil.which(name)
        if found:
            return found
    return None


def source_digest() -> str:
    with open(SOURCE, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def conf_text(python_launcher: str) -> str:
    """``launcher.conf``: read line by line by the program (the fourth line is for hookmux)."""
    return f"{python_launcher}\n{__version__}\n{environment_identity()}\n{source_digest()}\n"


def conf_path(binary: str) -> str:
    return os.path.join(os.path.dirname(binary), CONF)


def problem(binary: str, python_launcher: str) -> str | None:
    """Why the native launcher at ``binary`` is not the one this hookmux would build, or None."""
    try:
        with open(conf_path(binary), encoding="utf-8") as fh:
            conf = fh.read()
    except OSError:
        return f"{conf_path(binary)} is missing"
    if conf != conf_text(python_launcher):
        return f"{binary} was built by another hookmux or for another environment"
    if not os.access(binary, os.X_OK):
        return f"{binary} is not executable"
    return None


def build(binary: str, python_launcher: str) -> str | None:
    """Build the native launcher at ``binary`` (0700), handing over to ``python_launcher``;
    None when it was built (or was current already), else why not (no compiler, a failed build)."""
    if problem(binary, python_launcher) is None:
        return None
    cc = compiler()
    if cc is None:
        return "no C compiler found ($CC, cc, gcc, clang)"
    directory = ensure_private_dir(os.path.dirname(binary))
    fd, scratch = tempfile.mkstemp(prefix=".launcher-", dir=directory)
    os.close(fd)
    try:
        proc = subprocess.run(
            [cc, "-O2", "-o", scratch, SOURCE],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            first = (proc.stderr.strip().splitlines() or ["no message"])[0]
            return f"{os.path.basename(cc)} failed: {first}"
        os.chmod(scratch, 0o700)
        # The settings first: a program without them says so rather than relaying wrongly.
        atomic_write(conf_path(binary), conf_text(python_launcher).encode("utf-8"))
        os.replace(scratch, binary)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the build failed: {exc}"
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    return None
