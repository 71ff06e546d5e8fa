"""cut_on_cancel: a long await cut short by a stored cancel, and only by it."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from application.errors import StorageUnavailable
from application.sync.cancel_watch import cut_on_cancel
from application.sync.page_writer import Cancelled

EVERY = 0.005


class Checks:
    """A check that raises each of `outcomes` in turn, then passes."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.made = 0

    async def __call__(self) -> None:
        self.made += 1
        if self.outcomes:
            outcome = self.outcomes.pop(0)
            if outcome is not None:
                raise outcome


async def forever() -> None:
    await asyncio.Event().wait()


async def test_work_that_ends_first_is_not_checked() -> None:
    checks = Checks(Cancelled("job"))

    answer = await cut_on_cancel(asyncio.sleep(0, "page"), checks, every=60)

    assert answer == "page"
    assert checks.made == 0


async def test_a_cancel_found_cuts_the_work() -> None:
    checks = Checks(None, None, Cancelled("job"))

    with pytest.raises(Cancelled):
        await cut_on_cancel(forever(), checks, every=EVERY)

    assert checks.made == 3


async def test_a_check_without_the_database_is_skipped() -> None:
    checks = Checks(StorageUnavailable("database is locked"), Cancelled("job"))

    with pytest.raises(Cancelled):
        await cut_on_cancel(forever(), checks, every=EVERY)

    assert checks.made == 2


async def test_another_cancel_stays_a_cancel() -> None:
    """A stop signal's, say: the run is not to end as if asked to stop."""
    checks = Checks()
    watched = asyncio.create_task(cut_on_cancel(forever(), checks, every=EVERY))
    await asyncio.sleep(3 * EVERY)

    watched.cancel()

    with pytest.raises(asyncio.CancelledError):
        await watched
    assert checks.made >= 1


async def test_nothing_is_left_to_cancel_what_follows() -> None:
    """A check still reading when the work ends cancels nothing after it."""
    release = asyncio.Event()
    checking = asyncio.Event()

    async def slow_check() -> None:
        checking.set()
        await release.wait()
        raise Cancelled("job")

    async def work() -> str:
        await checking.wait()
        return "page"

    async def release_soon() -> None:
        await asyncio.sleep(EVERY)
        release.set()

    releasing = asyncio.create_task(release_soon())
    answer = await cut_on_cancel(work(), slow_check, every=EVERY)
    await asyncio.sleep(2 * EVERY)  # would raise if a cancel were pending

    assert answer == "page"
    await releasing


async def test_a_check_that_breaks_is_not_hidden() -> None:
    with pytest.raises(ZeroDivisionError):
        await cut_on_cancel(forever(), Checks(ZeroDivisionError()), every=EVERY)


async def test_a_watched_task_is_freed_as_soon_as_it_is_dropped() -> None:
    """No reference cycle keeps the task (a read-ahead's holds its page)
    for the collector, which a sync runs seldom."""

    async def read_ahead() -> str:
        return await cut_on_cancel(asyncio.sleep(0, "page"), Checks(), every=60)

    gc.disable()
    try:
        task = asyncio.create_task(read_ahead())
        assert await task == "page"
        freed = weakref.ref(task)
        del task
        for _ in range(2):  # The loop lets go of the handle that woke us.
            await asyncio.sleep(0)
        assert freed() is None
    finally:
        gc.enable()
