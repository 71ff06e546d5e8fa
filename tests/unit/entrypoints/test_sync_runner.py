"""The in-process sync runner: slots, crashes, cancels, start-up and shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from adapters.liveness import InMemoryLiveness
from adapters.memory import InMemoryStore
from application.errors import StorageUnavailable
from application.sync.orphans import SyncOrphans
from application.sync.ports import SyncUnitOfWork
from domain.sync import SyncJob, SyncMode, SyncState
from entrypoints.worker import InProcessSyncScheduler, SyncJobExecutor
from entrypoints.worker.executor import JobRunner
from tests.support.clock import FixedClock

Key = tuple[str, str]


@dataclass
class ScriptedRunSync:
    """Stands in for RunSync: marks the job running, then waits for its cue."""

    store: InMemoryStore
    clock: FixedClock
    cues: dict[str, asyncio.Event] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    crash: set[str] = field(default_factory=set)

    def cue(self, job_id: str) -> asyncio.Event:
        return self.cues.setdefault(job_id, asyncio.Event())

    async def execute(self, workspace_id: str, job_id: str) -> SyncJob | None:
        job = self.store.sync_jobs[(workspace_id, job_id)]
        if job.state is not SyncState.QUEUED:
            return None
        now = self.clock.now()
        self.store.sync_jobs[(workspace_id, job_id)] = job.start(now=now, until=now)
        self.started.append(job_id)
        await self.cue(job_id).wait()
        if job_id in self.crash:
            raise RuntimeError("a bug in the run")
        done = self.store.sync_jobs[(workspace_id, job_id)].succeed(now)
        self.store.sync_jobs[(workspace_id, job_id)] = done
        return done


@dataclass
class Runner:
    store: InMemoryStore
    clock: FixedClock
    run_sync: ScriptedRunSync
    scheduler: InProcessSyncScheduler

    def queue(
        self, workspace_id: str = "ws-a", mode: SyncMode = SyncMode.INCREMENTAL
    ) -> str:
        job = SyncJob.request(
            workspace_id=workspace_id,
            mode=mode,
            objects=None,
            requested_by="alice",
            now=self.clock.now(),
        )
        self.store.sync_jobs[(workspace_id, job.job_id)] = job
        return job.job_id

    def state(self, job_id: str, workspace_id: str = "ws-a") -> SyncState:
        return self.store.sync_jobs[(workspace_id, job_id)].state


def factory(run_sync: ScriptedRunSync) -> Callable[[], Awaitable[JobRunner]]:
    async def make() -> JobRunner:
        return run_sync

    return make


@pytest.fixture
async def runner() -> Runner:
    clock = FixedClock()
    store = InMemoryStore(clock=clock)
    run_sync = ScriptedRunSync(store, clock)
    executor = SyncJobExecutor(factory(run_sync), store.unit_of_work, clock)
    scheduler = InProcessSyncScheduler(executor, store.unit_of_work, workers=1)
    return Runner(store, clock, run_sync, scheduler)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_jobs_wait_for_a_free_slot(runner: Runner) -> None:
    first, second = runner.queue("ws-a"), runner.queue("ws-b")

    runner.scheduler.submit("ws-a", first)
    runner.scheduler.submit("ws-b", second)
    await settle()
    started_alone = list(runner.run_sync.started)
    runner.run_sync.cue(first).set()
    runner.run_sync.cue(second).set()
    await settle()

    assert started_alone == [first]
    assert runner.run_sync.started == [first, second]
    assert runner.state(first) is SyncState.SUCCEEDED
    assert runner.state(second, "ws-b") is SyncState.SUCCEEDED
    assert runner.scheduler.jobs == frozenset()


async def test_a_job_submitted_twice_runs_once(runner: Runner) -> None:
    job = runner.queue()

    runner.scheduler.submit("ws-a", job)
    runner.scheduler.submit("ws-a", job)
    runner.run_sync.cue(job).set()
    await settle()

    assert runner.run_sync.started == [job]


async def test_a_crash_fails_the_job_with_one_stack_trace(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    job = runner.queue()
    runner.run_sync.crash.add(job)

    runner.scheduler.submit("ws-a", job)
    runner.run_sync.cue(job).set()
    await settle()

    stored = runner.store.sync_jobs[("ws-a", job)]
    assert stored.state is SyncState.FAILED
    assert stored.problem is not None
    assert stored.problem.code == "internal_error"
    assert "a bug" not in stored.problem.message
    traces = [record for record in caplog.records if record.exc_info]
    assert len(traces) == 1
    assert traces[0].levelno == logging.ERROR
    assert job in traces[0].getMessage()


async def test_a_use_case_that_cannot_be_built_fails_the_job(
    runner: Runner,
) -> None:
    async def broken() -> JobRunner:
        raise RuntimeError("no database")

    executor = SyncJobExecutor(broken, runner.store.unit_of_work, runner.clock)
    job = runner.queue()

    ended = await executor.run("ws-a", job)

    assert ended is not None
    assert ended.state is SyncState.FAILED


class NoDatabase:
    """A RunSync whose start meets no database."""

    async def execute(self, workspace_id: str, job_id: str) -> SyncJob | None:
        raise StorageUnavailable("the database connection was lost")


async def test_a_start_without_the_database_fails_the_job_in_those_words(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    async def make() -> JobRunner:
        return NoDatabase()

    executor = SyncJobExecutor(make, runner.store.unit_of_work, runner.clock)
    job = runner.queue()

    ended = await executor.run("ws-a", job)

    assert ended is not None
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "database_unavailable"
    assert "connection was lost" in ended.problem.message
    assert not [record for record in caplog.records if record.exc_info]


async def test_an_end_the_database_refuses_too_is_said_in_words(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    """The job stays running, to end as interrupted once the database is
    back; a stack trace would tell the reader nothing more."""

    def no_store() -> SyncUnitOfWork:
        raise StorageUnavailable("the database file cannot be written")

    async def make() -> JobRunner:
        return NoDatabase()

    executor = SyncJobExecutor(make, no_store, runner.clock)

    ended = await executor.run("ws-a", runner.queue())

    assert ended is None
    assert not [record for record in caplog.records if record.exc_info]
    said = [record.getMessage() for record in caplog.records]
    assert any("the database file cannot be written; it ends as" in s for s in said)


async def test_cancel_drops_a_job_still_waiting_for_a_slot(runner: Runner) -> None:
    first, second = runner.queue("ws-a"), runner.queue("ws-b")
    runner.scheduler.submit("ws-a", first)
    runner.scheduler.submit("ws-b", second)
    await settle()

    runner.scheduler.cancel("ws-b", second)
    runner.scheduler.cancel("ws-a", first)
    runner.run_sync.cue(first).set()
    await settle()

    assert runner.run_sync.started == [first]
    assert runner.state(first) is SyncState.SUCCEEDED
    assert runner.scheduler.jobs == frozenset()


async def test_start_up_resubmits_queued_jobs_and_leaves_running_ones(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    queued = runner.queue("ws-a")
    running = runner.queue("ws-b")
    job = runner.store.sync_jobs[("ws-b", running)]
    now = runner.clock.now()
    runner.store.sync_jobs[("ws-b", running)] = job.start(now=now, until=now)
    finished = runner.queue("ws-c")
    runner.store.sync_jobs[("ws-c", finished)] = runner.store.sync_jobs[
        ("ws-c", finished)
    ].cancel(now)

    await runner.scheduler.start()
    runner.run_sync.cue(queued).set()
    await settle()

    assert runner.run_sync.started == [queued]
    assert runner.state(queued) is SyncState.SUCCEEDED
    assert runner.state(running, "ws-b") is SyncState.RUNNING
    assert f"job={queued}" in caplog.text
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert running in warned[0].getMessage()


async def test_shutdown_pauses_running_jobs_and_keeps_waiting_ones_queued(
    runner: Runner,
) -> None:
    running, waiting = runner.queue("ws-a"), runner.queue("ws-b")
    runner.scheduler.submit("ws-a", running)
    runner.scheduler.submit("ws-b", waiting)
    await settle()

    await runner.scheduler.stop()
    runner.scheduler.submit("ws-c", runner.queue("ws-c"))

    paused = runner.store.sync_jobs[("ws-a", running)]
    assert paused.state is SyncState.PAUSED
    assert paused.problem is not None
    assert paused.problem.code == "sync_stopped"
    assert "goes on from its last committed page" in (paused.problem.hint or "")
    assert runner.state(waiting, "ws-b") is SyncState.QUEUED
    assert runner.scheduler.jobs == frozenset()


async def test_a_full_sync_stopped_or_crashed_says_a_new_one_starts_over(
    runner: Runner,
) -> None:
    crashing = runner.queue("ws-a", SyncMode.FULL)
    runner.run_sync.crash.add(crashing)
    stopping = runner.queue("ws-b", SyncMode.FULL)
    runner.scheduler.submit("ws-a", crashing)
    runner.scheduler.submit("ws-b", stopping)
    runner.run_sync.cue(crashing).set()
    await settle()

    await runner.scheduler.stop()

    for workspace_id, job_id in (("ws-a", crashing), ("ws-b", stopping)):
        problem = runner.store.sync_jobs[(workspace_id, job_id)].problem
        assert problem is not None
        assert "a new full sync starts over from the beginning" in (problem.hint or "")
        assert "ends it as a full sync would" in (problem.hint or "")


async def test_a_job_paused_at_shutdown_can_be_followed_by_a_new_one(
    runner: Runner,
) -> None:
    job = runner.queue()
    runner.scheduler.submit("ws-a", job)
    await settle()
    await runner.scheduler.stop()

    stored = runner.store.sync_jobs[("ws-a", job)]

    assert not stored.is_active
    assert not stored.is_stale(runner.clock.now() + timedelta(hours=1), 1)


def with_liveness(runner: Runner, liveness: InMemoryLiveness) -> Runner:
    """The same store and RunSync, with job locks and the orphans' rule."""
    uow, clock = runner.store.unit_of_work, runner.clock
    executor = SyncJobExecutor(factory(runner.run_sync), uow, clock, liveness)
    orphans = SyncOrphans(liveness, clock, stale_after_seconds=300)
    scheduler = InProcessSyncScheduler(executor, uow, workers=1, orphans=orphans)
    return Runner(runner.store, clock, runner.run_sync, scheduler)


def mark_running(runner: Runner, workspace_id: str) -> str:
    job_id = runner.queue(workspace_id)
    now = runner.clock.now()
    job = runner.store.sync_jobs[(workspace_id, job_id)]
    runner.store.sync_jobs[(workspace_id, job_id)] = job.start(now=now, until=now)
    return job_id


async def test_start_up_ends_running_jobs_whose_process_died(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    liveness = InMemoryLiveness()
    runner = with_liveness(runner, liveness)
    dead, live, unknown = (mark_running(runner, ws) for ws in ("ws-a", "ws-b", "ws-c"))
    liveness.die("ws-a", dead)
    liveness.held.add(("ws-b", live))

    await runner.scheduler.start()

    ended = runner.store.sync_jobs[("ws-a", dead)]
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "sync_interrupted"
    assert runner.state(live, "ws-b") is SyncState.RUNNING
    assert runner.state(unknown, "ws-c") is SyncState.RUNNING
    assert f"job={dead}: ended as interrupted" in caplog.text


async def test_a_job_holds_its_lock_until_its_end_is_stored(runner: Runner) -> None:
    liveness = InMemoryLiveness()
    runner = with_liveness(runner, liveness)
    job = runner.queue()

    runner.scheduler.submit("ws-a", job)
    await settle()
    held_while_running = liveness.is_held("ws-a", job)
    runner.run_sync.cue(job).set()
    await settle()

    assert held_while_running is True
    assert runner.state(job) is SyncState.SUCCEEDED
    assert liveness.is_held("ws-a", job) is None


async def test_a_job_another_process_runs_is_not_run_here(runner: Runner) -> None:
    liveness = InMemoryLiveness()
    runner = with_liveness(runner, liveness)
    job = runner.queue()
    liveness.held.add(("ws-a", job))

    runner.scheduler.submit("ws-a", job)
    await settle()

    assert runner.run_sync.started == []
    assert runner.state(job) is SyncState.QUEUED


async def test_start_up_ends_a_queued_job_whose_process_died(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    liveness = InMemoryLiveness()
    runner = with_liveness(runner, liveness)
    dead, waiting = runner.queue("ws-a"), runner.queue("ws-b")
    liveness.die("ws-a", dead)
    runner.run_sync.cue(waiting).set()

    await runner.scheduler.start()
    await settle()

    ended = runner.store.sync_jobs[("ws-a", dead)]
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "sync_interrupted"
    assert runner.run_sync.started == [waiting]
    assert runner.state(waiting, "ws-b") is SyncState.SUCCEEDED
    assert liveness.is_held("ws-a", dead) is None
    assert f"a sync was queued when its process died workspace=ws-a job={dead}" in (
        caplog.text
    )


async def test_a_job_whose_end_could_not_be_stored_leaves_its_lock_to_read(
    runner: Runner,
) -> None:
    liveness = InMemoryLiveness()
    job = runner.queue()
    runner.run_sync.crash.add(job)
    runner.run_sync.cue(job).set()

    def unstorable() -> SyncUnitOfWork:
        raise RuntimeError("the database went away")

    executor = SyncJobExecutor(
        factory(runner.run_sync), unstorable, runner.clock, liveness
    )

    ended = await executor.run("ws-a", job)

    assert ended is None
    assert runner.state(job) is SyncState.RUNNING
    assert liveness.is_held("ws-a", job) is False


async def test_an_end_never_overwrites_a_start_stored_after_it_read_the_job(
    runner: Runner,
) -> None:
    async def broken() -> JobRunner:
        raise RuntimeError("no database")

    job = runner.queue()
    key = ("ws-a", job)
    now = runner.clock.now()

    def racing() -> SyncUnitOfWork:
        uow = runner.store.unit_of_work()
        read = uow.sync_jobs.get

        async def read_then_lose_the_race(
            workspace_id: str, job_id: str
        ) -> SyncJob | None:
            seen = await read(workspace_id, job_id)
            stored = runner.store.sync_jobs[key]
            if stored.state is SyncState.QUEUED:
                # Another runner starts the job between this read and the save.
                runner.store.sync_jobs[key] = stored.start(now=now, until=now)
            return seen

        uow.sync_jobs.get = read_then_lose_the_race  # type: ignore[method-assign]
        return uow

    executor = SyncJobExecutor(broken, racing, runner.clock)

    ended = await executor.run("ws-a", job)

    assert runner.state(job) is SyncState.RUNNING
    assert ended is not None
    assert ended.state is SyncState.RUNNING
