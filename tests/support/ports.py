"""Ports for tests that must choose them instead of letting the system pick."""

from __future__ import annotations

import random
import socket

# Below Linux's ephemeral range (32768 and up by default), so no outgoing
# connection of another process takes one between the check and the bind.
_LOW, _HIGH = 28000, 32700


def free_run_of_ports(count: int) -> int:
    """The first of `count` consecutive ports nothing listens on right now.

    The search starts at a random run, so two test runs on one machine seldom
    check the same ports at the same moment."""
    runs = range(_LOW, _HIGH - count, count)
    start = random.randrange(len(runs))
    for step in range(len(runs)):
        first = runs[(start + step) % len(runs)]
        if _all_free(first, count):
            return first
    raise AssertionError("no free run of ports")


def _all_free(first: int, count: int) -> bool:
    socks = []
    try:
        for port in range(first, first + count):
            sock = socket.socket()
            socks.append(sock)
            sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in socks:
            sock.close()
    return True
