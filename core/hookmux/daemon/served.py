"""What the two listeners need of the daemon they serve: the daemon (:mod:`hookmux.daemon.lifecycle`)
provides it, the listeners (:mod:`hookmux.daemon.httpserver`, :mod:`hookmux.daemon.relayserver`)
use it, so neither listener imports the lifecycle that starts them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from hookmux.routing.takeover import Guard


class AfterWork:
    """What is left to do once an event is answered (observers, recording, background
    jobs), and the entry that replays it if the daemon dies first (None: nothing to do)."""

    __slots__ = ("entry", "tasks")

    def __init__(self, tasks: list[Callable[[], None]], entry: tuple[bytes, bytes] | None) -> None:
        self.tasks = tasks
        #: (header, payload) for :meth:`hookmux.state.pending.PendingLog.owe`
        self.entry = entry if tasks else None


class Served(Protocol):
    """The daemon, as a listener sees it."""

    home: str
    port: int
    token: str
    max_body: int
    socket_path: str
    environ: Mapping[str, str]
    #: who the daemon answers for (``--python``), and for the native launcher (``--python-env``)
    identity: str
    env_identity: str | None
    lock: threading.Lock
    draining: bool
    last_activity: float
    foreign_callers: int
    #: the open http connections (handlers), for the connection limit and the drain
    connections: set[Any]

    def log(self, message: str) -> None: ...
    def count(self, transport: str, outcome: str) -> None: ...
    def request(self, deadline: float, key: object = None) -> AbstractContextManager[None]: ...
    def forget_request(self, key: object) -> None: ...
    def fresh(self) -> bool: ...
    def health(self) -> dict[str, Any]: ...
    def metrics(self) -> str: ...
    def register_session(self, pid: int) -> None: ...
    def retry_http(self) -> None: ...
    def request_stop(self, reason: str) -> None: ...
    def request_restart(self, reason: str) -> None: ...
    def route(
        self, argv: list[str], payload: bytes, environ: Mapping[str, str], guard: Guard | None = None
    ) -> tuple[int, bytes, str, AfterWork]: ...
    def nobody_wants(self, payload: bytes) -> bool: ...
    def only_observed(self, payload: bytes) -> bool: ...
    def routed_after_answer(self, argv: list[str], payload: bytes) -> AfterWork: ...
    def log_if_invalid(self, payload: bytes) -> None: ...
    def place_after(self, later: AfterWork) -> int | None: ...
    def hold_back(self) -> None: ...
    def after(self, later: AfterWork, place: int | None) -> None: ...
    def route_elsewhere(self, body: bytes, deadline: float | None) -> bytes: ...
