"""How `crmbridge sync`'s run takes a stop signal: it interrupts the job,
unless the job has already ended, and what the command then says."""

from __future__ import annotations

import asyncio
import signal

from entrypoints.sync_command import StoppedBySignal, _Stops


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


def test_a_stop_before_the_job_was_queued_says_no_run_was_paused() -> None:
    early = StoppedBySignal(signal.SIGTERM, job_started=False)
    late = StoppedBySignal(signal.SIGINT, job_started=True)

    assert early.line() == "sync stopped (SIGTERM) before its job started"
    assert late.line().startswith("sync stopped (SIGINT): a run it interrupted")
