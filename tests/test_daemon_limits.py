"""The daemon's connections wait a bounded time for each read and write, told to the kernel."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from hookmux.daemon.limits import wait_at_most


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    yield server, client
    server.close()
    client.close()


def _flood(server: socket.socket) -> None:
    while True:  # the client never reads: the buffers fill, then the send waits
        server.sendall(b"x" * 65536)


@pytest.mark.parametrize(
    "wait",
    [
        pytest.param(lambda server: server.recv(10), id="a silent client is given up on"),
        pytest.param(_flood, id="a client that reads nothing cannot hold an answer forever"),
    ],
)
def test_each_wait_on_a_client_ends_after_the_time_allowed(
    pair: tuple[socket.socket, socket.socket], wait: Callable[[socket.socket], object]
) -> None:
    server, _ = pair
    wait_at_most(server, 0.3)
    start = time.monotonic()
    with pytest.raises(OSError):
        wait(server)
    assert 0.25 <= time.monotonic() - start < 30


def test_data_that_arrives_in_time_is_read(pair: tuple[socket.socket, socket.socket]) -> None:
    server, client = pair
    wait_at_most(server, 5)
    client.sendall(b"hello")
    assert server.recv(10) == b"hello"
    # The kernel bounds the wait: no Python timeout, whose poll() precedes every call.
    assert server.gettimeout() is None
