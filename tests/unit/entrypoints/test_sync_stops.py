"""How `crmbridge sync`'s run takes a stop signal: it interrupts the job,
unless the job has already ended, and what the command then says."""

from __future__ import annotations

import asyncio
import signal

import pytest

from entrypoints.sync_command import StoppedBySignal, _Stops
from tests.support.scripts import run_python


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


# The run is over; stops land before the loop has closed.
STOPPED_AS_THE_RUN_ENDS = """
import asyncio, os, signal, sys, time
from entrypoints.sync_command import _stopping_on_signals

async def main():
    with _stopping_on_signals() as stops:
        stops.job_ended = True
        for _ in range({inside}):
            os.kill(os.getpid(), signal.{name})
            await asyncio.sleep(0.05)
    for _ in range({after}):
        os.kill(os.getpid(), signal.{name})
        time.sleep(0.1)
    print("reported", flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize(
    ("inside", "after", "status", "said"),
    [
        (0, 1, 0, ""),  # one stop while the loop closes: interrupts nothing
        (1, 1, "stop", "sync stopped at once ({})\n"),  # the second counts
        (2, 0, "stop", "\nsync stopped at once ({})\n"),  # both in the loop
    ],
    ids=["one after", "one inside, one after", "two inside"],
)
def test_stops_once_the_job_has_ended_interrupt_nothing_then_end_it(
    stop: signal.Signals, inside: int, after: int, status: object, said: str
) -> None:
    script = STOPPED_AS_THE_RUN_ENDS.format(name=stop.name, inside=inside, after=after)

    done = run_python(script)

    assert done.returncode == (128 + stop if status == "stop" else status)
    assert done.stderr == said.format(stop.name)
    assert done.stdout == ("" if status == "stop" else "reported\n")
