"""Run a coroutine to its end on the fastest event loop installed.

uvloop (libuv) wakes the loop from aiosqlite's thread and reads sockets with
far less Python per event than asyncio's own loop; a sync makes thousands of
such round trips. Where uvloop is missing (Windows), asyncio's loop runs.

While it runs, what start-up left alive is kept out of the garbage
collector's passes (see `freeze_start_up`).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    freeze_start_up()
    try:
        return _run(main)
    finally:
        gc.unfreeze()


def _run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is installed off Windows
        return asyncio.run(main)
    return uvloop.run(main)


def freeze_start_up() -> None:
    """Keep what is alive now (modules, classes, the wiring) out of the
    collector's passes: they never become garbage, and a sync or a busy
    server would walk them all on every full pass."""
    gc.freeze()
