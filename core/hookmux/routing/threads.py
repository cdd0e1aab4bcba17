"""Handler threads: a call with a timeout in a reusable worker thread, and the
count of threads still running a handler that was abandoned at its timeout.

A one-event ``hookmux run`` hands each handler to a worker thread and waits with
the handler's timeout; ``hookmux serve`` runs handlers in place under a
:class:`~hookmux.routing.takeover.Guard`, which counts its stuck threads here too.
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Callable
from typing import Any

#: Handler threads abandoned at their timeout (a long-lived ``hookmux serve`` counts
#: the live ones; ``hookmux run`` exits without waiting for them).
abandoned: set[threading.Thread] = set()
lock = threading.Lock()


def abandon(thread: threading.Thread) -> None:
    """Count ``thread`` as hung: it runs a handler past its timeout."""
    with lock:
        abandoned.add(thread)


def release_abandoned(thread: threading.Thread) -> None:
    """``thread``'s handler returned after all."""
    with lock:
        abandoned.discard(thread)


def hung_threads() -> int:
    """How many abandoned handler threads are still running."""
    with lock:
        for thread in [t for t in abandoned if not t.is_alive()]:
            abandoned.discard(thread)
        return len(abandoned)


class _Worker(threading.Thread):
    """A handler thread that takes the next handler once it is done with one.

    A daemon answers thousands of events: reusing threads saves starting one per
    handler. A worker abandoned at its timeout serves again only once its
    handler returns.
    """

    def __init__(self) -> None:
        super().__init__(name="hookmux-worker", daemon=True)
        self.go = _thread.allocate_lock()
        self.go.acquire()
        self.job: tuple[Callable[..., Any], dict[str, Any], dict[str, Any], Any] | None = None

    def run(self) -> None:
        while True:
            self.go.acquire()
            job, self.job = self.job, None
            if job is None:
                return
            fn, kwargs, box, done = job
            del job
            try:
                box["value"] = fn(**kwargs)
            except BaseException as exc:  # noqa: BLE001 - isolate everything, SystemExit included
                box["error"] = exc
            del fn, kwargs, box
            with lock:
                abandoned.discard(self)
                reuse = len(_idle_workers) < MAX_IDLE_WORKERS
                if reuse:
                    _idle_workers.append(self)
            done.release()
            del done
            if not reuse:
                return


#: Idle handler threads kept for the next handlers (a daemon runs many at once).
MAX_IDLE_WORKERS = 16
_idle_workers: list[_Worker] = []


def call_with_timeout(
    fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float, name: str
) -> tuple[str, Any]:
    """Run ``fn`` in a daemon thread: ("ok", value), ("error", exception) or ("timeout", None)."""
    box: dict[str, Any] = {}
    with lock:
        worker = _idle_workers.pop() if _idle_workers else None
    if worker is None:
        worker = _Worker()
        worker.start()
    worker.name = f"hookmux-{name}"
    done = _thread.allocate_lock()
    done.acquire()
    worker.job = (fn, kwargs, box, done)
    worker.go.release()
    if not done.acquire(timeout=max(timeout, 0.0)):
        with lock:
            finished = done.acquire(blocking=False)  # it may have returned just now
            if not finished:
                abandoned.add(worker)
        if not finished:
            return "timeout", None
    if "error" in box:
        return "error", box["error"]
    return "ok", box.get("value")
