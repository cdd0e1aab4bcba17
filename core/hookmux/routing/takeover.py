"""Handlers run in the thread that routes the event, with a watchdog for their timeouts.

A one-event ``hookmux run`` hands each handler to a worker thread and waits for it
with a timeout. In ``hookmux serve`` that hand-off (two thread wake-ups per
handler, and the handler's data crossing to another core) was the largest part
of an event's latency, so the daemon runs handlers in the thread that read the
event, under a :class:`Guard`. A watchdog thread keeps the timeouts: when a
handler overruns, the guard's ``rescue`` is started in a new thread, which owns
the event from then on. It finishes the same dispatch (the handler counts as
timed out, the following ones run) and sends the answer; the stuck thread, when
its handler ever returns, finds the event taken over and unwinds with
:class:`Abandoned` without touching it.

Arming the watchdog wakes it only when the new deadline comes before its next
wake-up (it wakes at least every :data:`TICK` seconds), so a handler's run costs
no thread switch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from hookmux.routing.threads import abandon, release_abandoned

#: Longest the watchdog sleeps with nothing due earlier: a deadline armed further
#: out than its next wake-up needs no wake-up of its own.
TICK = 0.25


class Abandoned(BaseException):
    """Raised in a thread whose event another thread took over (never caught by
    ``except Exception``: nothing on the way may answer the event again)."""


class Guard:
    """One event routed in the calling thread; see the module docstring.

    :param rescue: called in a new thread when a handler overruns, with this guard:
        it routes the event again with this guard (the dispatch resumes where it
        stood) and delivers the answer.
    """

    def __init__(self, rescue: Callable[[Guard], None]) -> None:
        self.rescue = rescue
        self.lock = threading.Lock()
        self.owner = threading.get_ident()
        #: the dispatch's state, resumed by the thread that takes over
        self.run: Any = None
        #: index of the handler running now, its deadline, and the thread running it
        self.running: tuple[int, float, threading.Thread] | None = None

    def call(
        self, index: int, fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float
    ) -> tuple[str, Any]:
        """Run ``fn`` here: ("ok", value) or ("error", exception); raises
        :class:`Abandoned` when the watchdog gave the event to another thread."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self.lock:
            if self.owner != threading.get_ident():
                raise Abandoned
            self.running = (index, deadline, threading.current_thread())
        watchdog().arm(self, deadline)
        try:
            result: tuple[str, Any] = ("ok", fn(**kwargs))
        except BaseException as exc:  # noqa: BLE001 - isolate everything, SystemExit included
            result = ("error", exc)
        with self.lock:
            mine = self.owner == threading.get_ident()
            if mine:
                self.running = None
        if not mine:
            release_abandoned(threading.current_thread())
            raise Abandoned
        watchdog().disarm(self)
        return result

    def expire(self, now: float) -> bool:
        """The watchdog's turn: take the event over if its handler is overdue."""
        with self.lock:
            if self.running is None or self.running[1] > now:
                return False
            index, _, stuck = self.running
            self.running = None
            self.owner = -1  # nobody until the rescuing thread starts
        abandon(stuck)
        threading.Thread(target=self._rescue, args=(index,), name="hookmux-rescue", daemon=True).start()
        return True

    def _rescue(self, index: int) -> None:
        with self.lock:
            self.owner = threading.get_ident()
        self.run.expired(index)
        self.rescue(self)


class _Watchdog:
    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.armed: dict[Guard, float] = {}
        self.wakes_at = 0.0
        threading.Thread(target=self._loop, name="hookmux-watchdog", daemon=True).start()

    def arm(self, guard: Guard, deadline: float) -> None:
        with self.cond:
            self.armed[guard] = deadline
            if deadline < self.wakes_at:
                self.cond.notify()

    def disarm(self, guard: Guard) -> None:
        with self.cond:
            self.armed.pop(guard, None)

    def _loop(self) -> None:
        while True:
            with self.cond:
                now = time.monotonic()
                due = [g for g, d in self.armed.items() if d <= now]
                for guard in due:
                    del self.armed[guard]
            for guard in due:
                try:
                    guard.expire(now)
                except Exception:  # noqa: BLE001, S110 - the watchdog must outlive any one event
                    pass
            with self.cond:
                now = time.monotonic()
                self.wakes_at = min([now + TICK, *self.armed.values()])
                self.cond.wait(max(self.wakes_at - now, 0.0))


_watchdog: _Watchdog | None = None
_start_lock = threading.Lock()


def watchdog() -> _Watchdog:
    global _watchdog  # noqa: PLW0603 - one per process, started on first use
    if _watchdog is None:
        with _start_lock:
            if _watchdog is None:
                _watchdog = _Watchdog()
    return _watchdog
