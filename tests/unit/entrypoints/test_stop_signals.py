"""A stop signal is heard at once, and still reaches the handler from before."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from adapters.memory import InMemoryStore
from entrypoints.console import STOP_SIGNALS
from entrypoints.worker.signals import StopSignals
from tests.support.clock import FixedClock
from tests.unit.entrypoints.test_shared_runner import POLL, worker


@pytest.fixture
def received() -> Iterator[list[int]]:
    """Stands in for the server's handlers, which would stop this process."""
    got: list[int] = []

    def server(sig: int, frame: FrameType | None) -> None:
        got.append(sig)

    before = {sig: signal.signal(sig, server) for sig in STOP_SIGNALS}
    yield got
    for sig, handler in before.items():
        signal.signal(sig, handler)


def test_a_stop_signal_is_heard_then_passed_on(received: list[int]) -> None:
    heard: list[str] = []
    signals = StopSignals(lambda: heard.append("stop"))
    signals.install()

    signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)
    signals.restore()
    signal.raise_signal(signal.SIGTERM)

    assert heard == ["stop", "stop"]
    assert received == [signal.SIGTERM, signal.SIGINT, signal.SIGTERM]


def test_off_the_main_thread_nothing_is_installed(received: list[int]) -> None:
    before = signal.getsignal(signal.SIGTERM)

    async def installed() -> object:
        signals = StopSignals(lambda: None)
        await asyncio.to_thread(signals.install)
        return signal.getsignal(signal.SIGTERM)

    assert asyncio.run(installed()) is before


async def test_a_worker_sent_sigterm_does_not_take_over_the_runner(
    received: list[int], tmp_path: Path
) -> None:
    clock = FixedClock()
    store = InMemoryStore(clock=clock)
    leader = worker(store, clock, tmp_path)
    other = worker(store, clock, tmp_path, signals=True)
    await leader.scheduler.start()
    await other.scheduler.start()

    signal.raise_signal(signal.SIGTERM)
    await leader.scheduler.stop()
    await asyncio.sleep(POLL * 10)
    leading = other.scheduler.runs_jobs
    await other.scheduler.stop()

    assert leading is False
    assert received == [signal.SIGTERM]
