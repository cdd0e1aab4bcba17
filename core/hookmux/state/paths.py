"""Where hookmux keeps its state and finds its configuration. Stdlib only."""

from __future__ import annotations

import _thread
import os
import stat  # already imported by os

# typing and collections.abc cost milliseconds at import: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def hookmux_home(environ: Mapping[str, str] = os.environ) -> str:
    """``$HOOKMUX_HOME``, default ``$XDG_STATE_HOME/hookmux`` or ``~/.local/state/hookmux``."""
    home = environ.get("HOOKMUX_HOME")
    if home:
        return os.path.abspath(os.path.expanduser(home))
    state = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "hookmux")


def daemon_dir(home: str) -> str:
    return os.path.join(home, "daemon")


#: Longest Unix socket path (sun_path is 108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100


def socket_path(home: str) -> str:
    """``hookmux serve``'s relay socket: ``$HOOKMUX_HOME/daemon/relay.sock``, or, when
    that path is too long for a Unix socket, one in ``/tmp/hookmux-<uid>/`` (0700)
    named after the home."""
    path = os.path.join(daemon_dir(home), "relay.sock")
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path
    import zlib

    base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"  # noqa: S108 - a 0700 directory of our own
    key = zlib.crc32(os.fsencode(home))
    return os.path.join(base, f"hookmux-{os.getuid()}", f"{key:08x}.sock")


def user_config_file(environ: Mapping[str, str] = os.environ) -> str:
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "hookmux", "config.toml")


#: The file an administrator or team lead rolls out: neither the user nor a project
#: overrides its keys (as Claude Code's managed settings).
MANAGED_CONFIG_FILE = "/etc/hookmux/config.toml"


def managed_config_files(environ: Mapping[str, str] = os.environ) -> list[str]:
    """:data:`MANAGED_CONFIG_FILE`, then ``$HOOKMUX_MANAGED_CONFIG`` when set (tests): the
    variable adds a managed file but cannot take the rolled-out one away, whose keys win."""
    other = environ.get("HOOKMUX_MANAGED_CONFIG")
    if other:
        return [os.path.abspath(os.path.expanduser(other)), MANAGED_CONFIG_FILE]
    return [MANAGED_CONFIG_FILE]


#: absolute directory -> its normal form: routing an event asks for its project three
#: times (matching, dispatch, the outcome), and for an absolute path the answer is pure.
_projects: dict[str, str] = {}


def project_dir(event_cwd: object, environ: Mapping[str, str] = os.environ) -> str:
    """The project an event belongs to: ``$CLAUDE_PROJECT_DIR``, else the event's cwd."""
    given = environ.get("CLAUDE_PROJECT_DIR")
    if not given:
        if not (isinstance(event_cwd, str) and event_cwd):
            return os.getcwd()
        given = event_cwd
    found = _projects.get(given)
    if found is None:
        found = os.path.abspath(given)
        if os.path.isabs(given):  # a relative one depends on the process's cwd
            if len(_projects) >= 256:  # bounded: a daemon serves any number of projects
                _projects.clear()
            _projects[given] = found
    return found


def project_config_files(project: str) -> tuple[str, str]:
    """The project file (committed) and the local file (git-ignored)."""
    claude = os.path.join(project, ".claude")
    return (os.path.join(claude, "hookmux.toml"), os.path.join(claude, "hookmux.local.toml"))


#: Directories this process made (or found) with :func:`ensure_private_dir`: asked again
#: (a plugin's ``ctx.state_dir``, several times per event), one ``stat`` tells they are
#: still there, where ``makedirs`` costs a failing ``mkdir`` and an exception besides.
_ensured: set[str] = set()


def ensure_private_dir(path: str) -> str:
    """Create ``path`` (and parents) readable by this user only."""
    if not _still_there(path):
        os.makedirs(path, mode=0o700, exist_ok=True)
        _ensured.add(path)
    return path


def _still_there(path: str) -> bool:
    """Whether :func:`ensure_private_dir` made or found ``path`` in this process and it is
    a directory still (one ``stat``)."""
    if path not in _ensured:
        return False
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False  # removed since: made again


#: A file system in memory (Linux), where short-lived state goes: creating a file there
#: costs a fraction of what it costs on disk (0.15 against 0.5 ms on this VM's ext4).
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - its directory is made and checked private (_private_memory_dir)
_scratch: dict[str, str] = {}


def scratch_dir(home: str) -> str:
    """Where short-lived state of ``home`` goes (what one event leaves for a later one of
    the same tool call): ``/dev/shm/hookmux-<uid>/<home's checksum>`` when the system has
    ``/dev/shm`` and that directory is this user's own, else ``<home>/scratch``. Always the
    same for a home and a user, so every process of the home finds the same files; not
    created here (see :func:`plugin_scratch_dir`)."""
    found = _scratch.get(home)
    if found is None:
        base = _private_memory_dir()
        found = _scratch[home] = (
            os.path.join(base, _checksum(os.fsencode(home)))
            if base is not None
            else os.path.join(home, "scratch")
        )
    return found


def plugin_scratch_dir(home: str, plugin: str) -> str:
    """``plugin``'s private directory in :func:`scratch_dir`, made if need be. Once made,
    one ``stat`` tells it is still there; when it is not (the system may empty /dev/shm
    of a user's files at their last logout), the shared-memory directory is checked
    again before anything is made in it: someone else may have made it meanwhile."""
    path = os.path.join(scratch_dir(home), "plugins", plugin)
    if _still_there(path):
        return path
    _scratch.pop(home, None)
    return ensure_private_dir(os.path.join(scratch_dir(home), "plugins", plugin))


def _checksum(data: bytes) -> str:
    """FNV-1a, 32 bits: a short name for a home (zlib or hashlib would cost a library's
    load, 0.6 ms, in each ``hookmux run`` that asks)."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def _private_memory_dir() -> str | None:
    """``/dev/shm/hookmux-<uid>``, made 0700 if need be; None without one, or when what is
    there is not a directory of this user's that nobody else may enter (a link, say, put
    there by another user: /dev/shm is everyone's)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None or not os.path.isdir(SHARED_MEMORY):
        return None
    base = os.path.join(SHARED_MEMORY, f"hookmux-{getuid()}")
    try:
        os.mkdir(base, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        found = os.lstat(base)
    except OSError:
        return None
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != getuid() or found.st_mode & 0o077:
        return None
    return base


def atomic_write(path: str, data: bytes, mode: int = 0o600, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``: readers see
    the old content or the new, whole. ``durable`` (the default) also syncs the data to
    disk before the rename (a power cut cannot leave an empty file); state that is
    rewritten on every event and cheap to lose (a counter) passes False: an fsync costs
    0.5-4 ms here, more than the rest of a handler."""
    directory = os.path.dirname(path) or "."
    # pid and thread id: concurrent writers (processes or daemon threads) never share a temp file.
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{_thread.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
