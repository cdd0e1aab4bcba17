"""Background work: queued after the answer, run by detached workers, capped per user.

``hookmux run`` appends jobs to a spool (no SQLite on its path) and starts a
worker only when one of the ``max_workers`` slots is free, so a burst of edits
starts at most that many processes; the queued jobs coalesce by key in the
store and the live workers drain them. Workers hold a slot by ``flock`` on
``$HOOKMUX_HOME/workers/slot-N``, which the kernel releases if they die.
"""

from __future__ import annotations

import os
import sys

from hookmux.state.records import JOBS, append_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any


def slot_file(home: str, index: int) -> str:
    return os.path.join(home, "workers", f"slot-{index}")


def acquire_slot(home: str, max_workers: int) -> int | None:
    """Hold a free worker slot (the fd stays open for the life of the process), or None."""
    import fcntl

    os.makedirs(os.path.join(home, "workers"), mode=0o700, exist_ok=True)
    for index in range(max_workers):
        fd = os.open(slot_file(home, index), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


def live_workers(home: str, max_workers: int) -> int:
    import fcntl

    alive = 0
    for index in range(max_workers):
        try:
            fd = os.open(slot_file(home, index), os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            alive += 1
        finally:
            os.close(fd)
    return alive


def queue(home: str, jobs: Sequence[Mapping[str, Any]]) -> bool:
    return append_lines(home, JOBS, jobs)


def queue_and_start(home: str, jobs: Sequence[Mapping[str, Any]], max_workers: int) -> None:
    """Queue ``jobs`` and start a worker for them if a slot is free (none is started when
    they could not be queued: it would find nothing)."""
    if queue(home, jobs):
        ensure_worker(home, max_workers)


#: The worker inherits its (already locked) slot under this descriptor number.
SLOT_FD_ENV = "HOOKMUX_WORKER_SLOT_FD"
#: How much a worker's niceness is raised over its starter's: background jobs yield the
#: CPU to the events being answered (and to the agent itself); at the same priority, a
#: job that runs for tens of ms delays the daemon's next answer by milliseconds on a
#: two-core machine.
NICENESS = 10
#: The niceness the starter gave the worker (it keeps it rather than adding to it).
NICENESS_ENV = "HOOKMUX_WORKER_NICENESS"


def lowered_niceness() -> int:
    """This process's niceness raised by :data:`NICENESS` (19 at most)."""
    return min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


def lower_priority(pid: int, niceness: int) -> None:
    """Give process ``pid`` (0: this one) ``niceness`` unless it is already that nice;
    where the system refuses, the work runs all the same."""
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except OSError:
        pass


def ensure_worker(home: str, max_workers: int) -> bool:
    """Start a detached worker if a slot is free; True when one was started.

    The slot is locked here and handed to the worker as an inherited descriptor,
    so concurrent callers can never start more than ``max_workers`` workers.
    """
    slot = acquire_slot(home, max_workers)
    if slot is None:
        return False  # the live workers check the queue again before they exit
    import subprocess

    env = dict(os.environ, HOOKMUX_HOME=home, HOOKMUX_MAX_WORKERS=str(max_workers))
    env[SLOT_FD_ENV] = str(slot)
    niceness = lowered_niceness() if hasattr(os, "getpriority") else None
    if niceness is not None:
        env[NICENESS_ENV] = str(niceness)
    log = os.path.join(home, "worker.log")
    try:
        out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        out = subprocess.DEVNULL
    try:
        # New session, no inherited descriptors: nothing keeps Claude Code's pipes open.
        worker = subprocess.Popen(
            [sys.executable, "-m", "hookmux.entry.worker"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
            pass_fds=(slot,),
            cwd=home,
            env=env,
        )
    except OSError as exc:
        print(f"hookmux: cannot start a background worker: {exc}", file=sys.stderr)
        return False
    else:
        # Lowered by its starter at once, not by the worker once its imports are done:
        # an interpreter's start and hookmux's imports are tens of ms of CPU, which at
        # the starter's priority would compete with the daemon's next answers.
        if niceness is not None:  # 0 too: a starter at -10 makes a worker at 0
            lower_priority(worker.pid, niceness)
    finally:
        if isinstance(out, int) and out >= 0:
            os.close(out)
        os.close(slot)  # the worker keeps its own copy, and with it the lock
    return True
