"""Cutting a run's long await short once its job is asked to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import StorageUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def cut_on_cancel(
    work: Awaitable[T], check: Callable[[], Awaitable[None]], every: float
) -> T:
    """Await `work` in the current task; while it lasts, run `check` every
    `every` seconds, and once it raises (`Cancelled`: a cancel is stored),
    cancel `work` and raise that instead.

    `work` runs where it would without the watch (no task of its own), so
    what it does keeps its order against the rest of the run; only the
    checks run beside it. A check that cannot read the database is skipped:
    the run's next write meets the outage, or the cancel, itself.
    """
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    assert current is not None
    cut: Exception | None = None
    over = False
    checking: asyncio.Task[None] | None = None
    timer: asyncio.TimerHandle

    async def checked() -> None:
        nonlocal cut, timer
        try:
            await check()
        except StorageUnavailable:
            logger.debug("no cancel check: the database is unavailable")
        except Exception as exc:
            if not over:
                cut = exc
                current.cancel()
            return
        if not over:
            timer = loop.call_later(every, tick)

    def tick() -> None:
        nonlocal checking
        checking = loop.create_task(checked())

    timer = loop.call_later(every, tick)
    try:
        return await work
    except asyncio.CancelledError:
        # Only our own cancel becomes the check's error: another (a stop
        # signal's) goes on as it came.
        if cut is not None and current.uncancel() == 0:
            raise cut from None
        raise
    finally:
        over = True
        timer.cancel()
        if checking is not None:
            await asyncio.wait({checking})
