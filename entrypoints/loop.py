"""Run a coroutine to its end on the fastest event loop installed.

uvloop (libuv) wakes the loop from aiosqlite's thread and reads sockets with
far less Python per event than asyncio's own loop; a sync makes thousands of
such round trips. Where uvloop is missing (Windows), asyncio's loop runs.

While it runs, what start-up left alive is kept out of the garbage
collector's passes (see `freeze_start_up`), and its youngest generation is
collected less often (see `batch_collector`); a command's imports run with
no pass at all (see `entrypoints.console.collector_paused`).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

# New container objects between two passes over the youngest generation;
# Python's default is 700.
YOUNG_GENERATION = 50_000


def run(main: Coroutine[Any, Any, T]) -> T:
    freeze_start_up()
    try:
        with batch_collector():
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


@contextmanager
def batch_collector() -> Iterator[None]:
    """Pass over the youngest generation once per `YOUNG_GENERATION` new
    objects while the block runs.

    A sync decodes a page's records, thousands of dicts, which all live
    until the page is stored: every default pass walked the ones made so
    far again and moved them on to older generations. Garbage that only the
    collector frees (reference cycles) waits longer, for a pass over the
    generation it reached: a cycle that holds much must be broken where it
    is made, as `adapters.salesforce.http` does for httpx's responses.
    """
    previous = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
