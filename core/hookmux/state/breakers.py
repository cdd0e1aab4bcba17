"""Per-handler circuit breakers, shared by every hookmux process of the user.

State lives in one small file per handler under ``$HOOKMUX_HOME/breakers``,
read without a lock and rewritten under ``flock``, so checking a breaker costs
a file read on the matching path (no SQLite). A handler that fails
``threshold`` times in a row opens its breaker: it is skipped for ``cooldown``
seconds, then one process runs it as a probe (half-open); success closes the
breaker, failure opens it again. A handler whose failure rate over its last
``window`` runs exceeds ``max_failure_rate`` is disabled until
``hookmux breakers reset``.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

CLOSED, OPEN, HALF_OPEN, DISABLED = "closed", "open", "half-open", "disabled"


class Policy:
    __slots__ = ("cooldown", "max_failure_rate", "threshold", "window")

    def __init__(
        self, threshold: int = 3, cooldown: float = 60.0, window: int = 20, max_failure_rate: float = 0.5
    ):
        self.threshold = threshold
        self.cooldown = cooldown
        self.window = window
        self.max_failure_rate = max_failure_rate


class State:
    """``state failures opened_at probe_at history`` (history: 1 = failure, newest last)."""

    __slots__ = ("failures", "history", "opened_at", "probe_at", "state")

    def __init__(
        self,
        state: str = CLOSED,
        failures: int = 0,
        opened_at: float = 0.0,
        probe_at: float = 0.0,
        history: str = "",
    ) -> None:
        self.state, self.failures, self.opened_at, self.probe_at, self.history = (
            state,
            failures,
            opened_at,
            probe_at,
            history,
        )

    @classmethod
    def parse(cls, text: str) -> State:
        parts = text.split()
        try:
            return cls(
                parts[0], int(parts[1]), float(parts[2]), float(parts[3]), parts[4] if len(parts) > 4 else ""
            )
        except (IndexError, ValueError):
            return cls()

    def dump(self) -> str:
        return f"{self.state} {self.failures} {self.opened_at} {self.probe_at} {self.history}\n"


def breaker_dir(home: str) -> str:
    return os.path.join(home, "breakers")


#: (home, plugin, handler) -> its breaker file: every matched event asks for it, and
#: joining its path twice cost as much as reading the file.
_files: dict[tuple[str, str, str], str] = {}


def breaker_file(home: str, plugin: str, handler: str) -> str:
    key = (home, plugin, handler)
    path = _files.get(key)
    if path is None:
        safe = f"{plugin}--{handler}".replace("/", "_")
        path = os.path.join(breaker_dir(home), safe)
        if len(_files) >= 1024:  # bounded: a daemon serves any number of homes
            _files.clear()
        _files[key] = path
    return path


def read(home: str, plugin: str, handler: str) -> State:
    # Read on every matched event, uncached: other processes rewrite it. A bare descriptor,
    # not a buffered text file, for a few bytes: 5 us instead of 24 when the file exists.
    try:
        fd = os.open(breaker_file(home, plugin, handler), os.O_RDONLY)
    except OSError:
        return State()
    try:
        chunks = []
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    except OSError:  # a directory, say
        return State()
    finally:
        os.close(fd)
    # The file is ASCII (dump); strict UTF-8 as open() under a UTF-8 locale, so a corrupt
    # file raises as it did.
    return State.parse(b"".join(chunks).decode())


def _update(path: str, change: object) -> State:
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        state = State.parse(os.read(fd, 4096).decode("ascii", "replace"))
        change(state)  # type: ignore[operator]
        data = state.dump().encode("ascii")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, data)
        return state
    finally:
        os.close(fd)


def admit(home: str, plugin: str, handler: str, policy: Policy) -> str | None:
    """None when the handler may run now; otherwise why not (``open``/``disabled``)."""
    return admit_state(home, plugin, handler, policy)[0]


def admit_state(home: str, plugin: str, handler: str, policy: Policy) -> tuple[str | None, State]:
    """:func:`admit`, and the state it read (for :func:`record`'s ``seen``)."""
    state = read(home, plugin, handler)
    if state.state == CLOSED:
        return None, state
    return _admit_open(home, plugin, handler, policy, state), state


def _admit_open(home: str, plugin: str, handler: str, policy: Policy, state: State) -> str | None:
    if state.state == DISABLED:
        return DISABLED
    now = time.time()
    if now - state.opened_at < policy.cooldown:
        return OPEN
    verdict: list[str | None] = [OPEN]

    def claim_probe(current: State) -> None:
        # One probe per cooldown period, whichever process gets here first.
        if current.state in (OPEN, HALF_OPEN) and now - current.probe_at >= policy.cooldown:
            current.state, current.probe_at = HALF_OPEN, now
            verdict[0] = None
        elif current.state == CLOSED:
            verdict[0] = None

    try:
        _update(breaker_file(home, plugin, handler), claim_probe)
    except OSError:
        return None  # cannot share state: run rather than silently skip
    return verdict[0]


def record(
    home: str, plugin: str, handler: str, ok: bool, policy: Policy, seen: State | None = None
) -> State | None:
    """Account one run. Cheap when nothing changes: a success on a clean breaker
    with no failures in its window writes nothing. ``seen``: the state read when
    the run was admitted; a success after a clean one is not read again."""
    if ok and seen is not None and seen.state == CLOSED and "1" not in seen.history:
        return seen
    current = read(home, plugin, handler)
    if ok and current.state == CLOSED and "1" not in current.history:
        return current
    now = time.time()

    def account(state: State) -> None:
        state.history = (state.history + ("0" if ok else "1"))[-policy.window :]
        if ok:
            state.failures = 0
            if state.state in (OPEN, HALF_OPEN):
                state.state = CLOSED
        else:
            state.failures += 1
            if state.state == HALF_OPEN or state.failures >= policy.threshold:
                state.state, state.opened_at, state.probe_at = OPEN, now, 0.0
        if (
            len(state.history) >= policy.window
            and state.history.count("1") / len(state.history) > policy.max_failure_rate
        ):
            state.state = DISABLED

    try:
        return _update(breaker_file(home, plugin, handler), account)
    except OSError:
        return None


def reset(home: str, plugin: str | None = None, handler: str | None = None) -> list[str]:
    """Close breakers (all, a plugin's, or one handler's); returns the names reset."""
    done = []
    for name, _ in states(home):
        p, _, h = name.partition("--")
        if (plugin is None or p == plugin) and (handler is None or h == handler):
            os.unlink(os.path.join(breaker_dir(home), name))
            done.append(f"{p}.{h}")
    return done


def states(home: str) -> Iterator[tuple[str, State]]:
    try:
        names = sorted(os.listdir(breaker_dir(home)))
    except FileNotFoundError:
        return
    for name in names:
        try:
            with open(os.path.join(breaker_dir(home), name)) as fh:
                yield name, State.parse(fh.read())
        except OSError:
            continue
