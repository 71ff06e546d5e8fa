"""Run a coroutine to its end on the fastest event loop installed.

uvloop (libuv) wakes the loop from aiosqlite's thread and reads sockets with
far less Python per event than asyncio's own loop; a sync makes thousands of
such round trips. Where uvloop is missing (Windows), asyncio's loop runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is installed off Windows
        return asyncio.run(main)
    return uvloop.run(main)
