"""Several workers on one database: one of them runs every sync job, once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.memory import InMemoryStore
from application.errors import SyncNotScheduled
from domain.sync import SyncJob, SyncMode, SyncState
from entrypoints.worker import (
    InProcessSyncScheduler,
    ParentWatch,
    SharedSyncScheduler,
    SyncJobExecutor,
    runner_folder,
)
from entrypoints.worker.shared import Handoffs, RunnerLock
from tests.support.clock import FixedClock
from tests.unit.entrypoints.test_sync_runner import ScriptedRunSync, factory

POLL = 0.01


@dataclass
class Worker:
    run_sync: ScriptedRunSync
    scheduler: SharedSyncScheduler


def worker(
    store: InMemoryStore,
    clock: FixedClock,
    folder: Path,
    *,
    signals: bool = False,
    supervisor: ParentWatch | None = None,
) -> Worker:
    run_sync = ScriptedRunSync(store, clock)
    executor = SyncJobExecutor(factory(run_sync), store.unit_of_work, clock)
    runner = InProcessSyncScheduler(executor, store.unit_of_work, workers=1)
    scheduler = SharedSyncScheduler(
        runner,
        folder,
        poll_seconds=POLL,
        hear_stop_signals=signals,
        supervisor=supervisor,
    )
    return Worker(run_sync, scheduler)


@dataclass
class Workers:
    """Two workers' schedulers over one store and one runner folder."""

    store: InMemoryStore
    clock: FixedClock
    folder: Path
    first: Worker
    second: Worker

    def queue(self, workspace_id: str) -> str:
        job = SyncJob.request(
            workspace_id=workspace_id,
            mode=SyncMode.INCREMENTAL,
            objects=None,
            requested_by="alice",
            now=self.clock.now(),
        )
        self.store.sync_jobs[(workspace_id, job.job_id)] = job
        return job.job_id

    def state(self, workspace_id: str, job_id: str) -> SyncState:
        return self.store.sync_jobs[(workspace_id, job_id)].state

    def release(self, *job_ids: str) -> None:
        """Let these jobs finish, whichever worker runs them."""
        for job_id in job_ids:
            self.first.run_sync.cue(job_id).set()
            self.second.run_sync.cue(job_id).set()

    @property
    def started(self) -> list[str]:
        return self.first.run_sync.started + self.second.run_sync.started


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[Workers]:
    clock = FixedClock()
    store = InMemoryStore(clock=clock)
    folder = tmp_path / "runner"
    both = Workers(
        store, clock, folder, worker(store, clock, folder), worker(store, clock, folder)
    )
    yield both
    both.release(*both.started)
    await both.first.scheduler.stop()
    await both.second.scheduler.stop()


async def until(condition: Callable[[], bool]) -> None:
    """Poll, as the workers do, for at most five seconds."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(POLL)
    raise AssertionError("the condition never held")


async def test_exactly_one_worker_runs_jobs(workers: Workers) -> None:
    await workers.first.scheduler.start()
    await workers.second.scheduler.start()

    leaders = [w.scheduler.runs_jobs for w in (workers.first, workers.second)]

    assert leaders == [True, False]


async def test_a_job_queued_by_another_worker_runs_in_the_runner(
    workers: Workers,
) -> None:
    await workers.first.scheduler.start()
    await workers.second.scheduler.start()
    job = workers.queue("ws-a")

    workers.second.scheduler.submit("ws-a", job)
    await until(lambda: bool(workers.started))
    workers.first.run_sync.cue(job).set()
    await until(lambda: workers.state("ws-a", job) is SyncState.SUCCEEDED)

    assert workers.first.run_sync.started == [job]
    assert workers.second.run_sync.started == []


async def test_jobs_left_queued_are_resubmitted_once_at_start_up(
    workers: Workers,
) -> None:
    left = {"ws-a": workers.queue("ws-a"), "ws-b": workers.queue("ws-b")}
    workers.release(*left.values())

    await asyncio.gather(
        workers.first.scheduler.start(), workers.second.scheduler.start()
    )
    await until(lambda: len(workers.started) == 2)
    await asyncio.sleep(POLL * 5)

    assert sorted(workers.started) == sorted(left.values())
    assert {workers.state(*key) for key in left.items()} == {SyncState.SUCCEEDED}


async def test_when_the_runner_stops_another_worker_takes_over(
    workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await workers.first.scheduler.start()
    await workers.second.scheduler.start()
    running, waiting = workers.queue("ws-a"), workers.queue("ws-b")
    workers.second.scheduler.submit("ws-a", running)
    workers.second.scheduler.submit("ws-b", waiting)
    await until(lambda: workers.first.run_sync.started == [running])

    await workers.first.scheduler.stop()
    await until(lambda: workers.second.scheduler.runs_jobs)
    workers.second.run_sync.cue(waiting).set()
    await until(lambda: workers.state("ws-b", waiting) is SyncState.SUCCEEDED)

    assert workers.state("ws-a", running) is SyncState.PAUSED
    assert workers.first.run_sync.started == [running]
    assert workers.second.run_sync.started == [waiting]
    assert caplog.text.count("this worker runs the sync jobs") == 2


async def test_a_worker_asked_to_stop_never_takes_over(
    workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await workers.first.scheduler.start()
    await workers.second.scheduler.start()
    waiting = workers.queue("ws-a")

    workers.second.scheduler.stand_down()
    await workers.first.scheduler.stop()
    await asyncio.sleep(POLL * 10)

    assert not workers.second.scheduler.runs_jobs
    assert workers.started == []
    assert workers.state("ws-a", waiting) is SyncState.QUEUED
    assert caplog.text.count("this worker runs the sync jobs") == 1


async def test_the_leader_asked_to_stop_runs_on_until_it_stops(
    workers: Workers,
) -> None:
    await workers.first.scheduler.start()
    await workers.second.scheduler.start()
    job = workers.queue("ws-a")

    workers.first.scheduler.stand_down()
    workers.second.scheduler.submit("ws-a", job)
    await until(lambda: bool(workers.started))

    assert workers.first.scheduler.runs_jobs
    assert workers.first.run_sync.started == [job]


async def test_a_worker_that_runs_jobs_runs_its_own_at_once(
    workers: Workers,
) -> None:
    await workers.first.scheduler.start()
    job = workers.queue("ws-a")

    workers.first.scheduler.submit("ws-a", job)
    await until(lambda: bool(workers.started))

    assert workers.first.run_sync.started == [job]
    assert not list((workers.folder / "handoffs").glob("*.job"))


async def test_a_failed_handoff_raises_and_is_logged_in_one_line(
    workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    await workers.first.scheduler.start()
    await workers.second.scheduler.start()
    (workers.folder / "handoffs").write_text("not a folder")
    job = workers.queue("ws-a")

    with pytest.raises(SyncNotScheduled) as raised:
        workers.second.scheduler.submit("ws-a", job)

    assert raised.value.code == "sync_not_scheduled"
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is None
    assert f"workspace=ws-a job={job}" in record.getMessage()


async def test_a_failing_election_is_logged_once_until_it_works_again(
    workers: Workers, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="entrypoints.worker.shared")
    broken = asyncio.Event()
    broken.set()
    take = Handoffs.take

    def flaky(self: Handoffs) -> list[tuple[str, str]]:
        if broken.is_set():
            raise PermissionError(13, "Permission denied", "handoffs")
        return take(self)

    await workers.first.scheduler.start()
    monkeypatch.setattr(Handoffs, "take", flaky)
    await asyncio.sleep(POLL * 30)
    broken.clear()
    await until(lambda: "works again" in caplog.text)

    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == ["sync runner election failed"]


def test_the_lock_is_held_by_one_holder_until_released(tmp_path: Path) -> None:
    first, second = RunnerLock(tmp_path / "lock"), RunnerLock(tmp_path / "lock")

    taken = [first.acquire(), first.acquire(), second.acquire()]
    first.release()

    assert taken == [True, True, False]
    assert second.acquire() is True
    second.release()


def test_handoffs_are_taken_once_oldest_first_and_junk_is_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handoffs = Handoffs(tmp_path)
    handoffs.post("ws-a", "job-1")
    handoffs.post("ws-b", "job-2")
    (tmp_path / "junk.job").write_bytes(b"not json")

    taken = handoffs.take()

    assert taken == [("ws-a", "job-1"), ("ws-b", "job-2")]
    assert handoffs.take() == []
    assert list(tmp_path.iterdir()) == []
    assert "unreadable" in caplog.text


def test_each_database_has_its_own_folder_and_it_names_no_password(
    tmp_path: Path,
) -> None:
    one = runner_folder("postgresql://crm:secret@db/one", tmp_path)
    again = runner_folder("postgresql://crm:other@db/one", tmp_path)
    two = runner_folder("postgresql://crm:secret@db/two", tmp_path)

    assert one == again
    assert one != two
    assert one.parent == tmp_path.resolve() / "runner"
    assert "secret" not in str(one)
