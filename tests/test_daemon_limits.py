"""The daemon's connections wait a bounded time for each read and write, told to the kernel."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

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


def test_a_silent_client_is_given_up_on_after_the_time_allowed(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, _ = pair
    wait_at_most(server, 0.3)
    start = time.monotonic()
    with pytest.raises(OSError):
        server.recv(10)
    assert 0.25 <= time.monotonic() - start < 5


def test_a_client_that_reads_nothing_cannot_hold_an_answer_forever(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, _ = pair
    wait_at_most(server, 0.3)
    start = time.monotonic()
    with pytest.raises(OSError):
        while True:  # the client never reads: the buffers fill, then the send waits
            server.sendall(b"x" * 65536)
    assert time.monotonic() - start < 30


def test_data_that_arrives_in_time_is_read(pair: tuple[socket.socket, socket.socket]) -> None:
    server, client = pair
    wait_at_most(server, 5)
    client.sendall(b"hello")
    assert server.recv(10) == b"hello"
    # The kernel bounds the wait: no Python timeout, whose poll() precedes every call.
    assert server.gettimeout() is None
