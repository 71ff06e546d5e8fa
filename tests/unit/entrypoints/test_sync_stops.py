"""How `crmbridge sync`'s run takes a stop signal: it interrupts the job,
unless the job has already ended."""

from __future__ import annotations

import asyncio
import signal

from entrypoints.sync_command import _Stops


async def test_a_stop_while_the_job_runs_interrupts_it() -> None:
    task = asyncio.create_task(asyncio.sleep(10))
    stops = _Stops(task)

    stops.heard(signal.SIGTERM)

    assert stops.received == [signal.SIGTERM]
    assert task.cancelling() == 1
    await asyncio.gather(task, return_exceptions=True)


async def test_a_stop_after_the_job_ended_interrupts_nothing() -> None:
    task = asyncio.create_task(asyncio.sleep(0))
    stops = _Stops(task)
    stops.job_ended = True

    stops.heard(signal.SIGINT)

    # Heard (a second one would still end the process at once), but the
    # command goes on to report the job as it ended.
    assert stops.received == [signal.SIGINT]
    assert task.cancelling() == 0
    await task
