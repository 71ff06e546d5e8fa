"""The demo's port choice: its preferred port, unless something listens there."""

from __future__ import annotations

import socket

from entrypoints.demo.processes import free_port


def test_a_port_left_in_time_wait_is_still_the_demos() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # The server closes first: its side waits in TIME_WAIT.
        client.close()

    assert free_port(port) == port


def test_a_port_something_listens_on_is_left_alone() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        assert free_port(port) != port
