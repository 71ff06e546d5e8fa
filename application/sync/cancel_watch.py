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
    watch = _Watch(check, every)
    try:
        return await work
    except asyncio.CancelledError:
        # Only our own cancel becomes the check's error: another (a stop
        # signal's) goes on as it came.
        if watch.cut is not None and watch.task.uncancel() == 0:
            raise watch.cut from None
        raise
    finally:
        await watch.end()


class _Watch:
    """The checks beside one await. Its callbacks are bound methods, not
    closures that name each other: such a pair is a reference cycle, which
    would keep the awaiting task (a read-ahead's holds its page) until the
    collector runs, and a sync runs it seldom. Nothing refers to the watch
    once its timer is cancelled and its last check is done."""

    def __init__(self, check: Callable[[], Awaitable[None]], every: float) -> None:
        self.loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        self.task = task
        self.cut: Exception | None = None
        self._check = check
        self._every = every
        self._over = False
        self._checking: asyncio.Task[None] | None = None
        self._timer = self.loop.call_later(every, self._tick)

    def _tick(self) -> None:
        self._checking = self.loop.create_task(self._checked())

    async def _checked(self) -> None:
        try:
            await self._check()
        except StorageUnavailable:
            logger.debug("no cancel check: the database is unavailable")
        except Exception as exc:
            if not self._over:
                self.cut = exc
                self.task.cancel()
            return
        if not self._over:
            self._timer = self.loop.call_later(self._every, self._tick)

    async def end(self) -> None:
        """Stop checking; wait for a check under way."""
        self._over = True
        self._timer.cancel()
        if self._checking is not None:
            await asyncio.wait({self._checking})
