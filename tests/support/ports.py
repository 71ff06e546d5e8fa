"""Ports for tests that must choose them instead of letting the system pick."""

from __future__ import annotations

import socket


def free_run_of_ports(count: int) -> int:
    """The first of `count` consecutive ports nothing listens on right now."""
    for first in range(42000, 60000, count):
        socks = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
        return first
    raise AssertionError("no free run of ports")
