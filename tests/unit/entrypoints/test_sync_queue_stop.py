"""A stop that comes while `crmbridge sync` queues its job: the job, if it
was stored, is paused rather than left queued for the next sync to end as
interrupted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.liveness import InMemoryLiveness
from adapters.memory import InMemoryStore
from application.sync.jobs import StartSync
from domain.sync import SyncJob, SyncMode, SyncState, new_job_id
from domain.workspace import Actor, Role
from entrypoints.sync_command import _queued
from entrypoints.worker import SyncJobExecutor
from entrypoints.worker.executor import JobRunner
from tests.support.clock import FixedClock

WORKSPACE = "ws-a"
CLI = Actor(workspace_id=WORKSPACE, subject="crmbridge-cli", role=Role.OWNER)


async def no_runner() -> JobRunner:
    raise AssertionError("no run is started")


@dataclass
class Cli:
    store: InMemoryStore
    clock: FixedClock
    liveness: InMemoryLiveness
    executor: SyncJobExecutor

    def stored(self, job_id: str) -> SyncJob | None:
        return self.store.sync_jobs.get((WORKSPACE, job_id))


@pytest.fixture
def cli() -> Cli:
    clock = FixedClock()
    store = InMemoryStore(clock=clock)
    liveness = InMemoryLiveness()
    executor = SyncJobExecutor(no_runner, store.unit_of_work, clock, liveness)
    return Cli(store, clock, liveness, executor)


def requested(cli: Cli, job_id: str | None = None) -> SyncJob:
    return SyncJob.request(
        workspace_id=WORKSPACE,
        mode=SyncMode.FULL,
        objects=None,
        requested_by=CLI.subject,
        now=cli.clock.now(),
        job_id=job_id,
    )


class StoppedInStartSync(StartSync):
    """StartSync stopped by a signal, after (`stores`) or before its commit."""

    def __init__(self, cli: Cli, *, stores: bool) -> None:
        self._cli = cli
        self._stores = stores

    async def execute(self, command: StartSync.Command) -> SyncJob:
        if self._stores:
            job = requested(self._cli, command.job_id)
            self._cli.store.sync_jobs[(WORKSPACE, job.job_id)] = job
        raise asyncio.CancelledError


class Container:
    def __init__(self, cli: Cli, *, stores: bool) -> None:
        self._start = StoppedInStartSync(cli, stores=stores)
        self._liveness = cli.liveness

    def start_sync(self) -> StartSync:
        return self._start

    def liveness(self) -> Any:
        return self._liveness


async def stopped_while_queued(cli: Cli, *, stores: bool) -> str:
    job_id = new_job_id(cli.clock.now())
    command = StartSync.Command(actor=CLI, mode=SyncMode.FULL)
    container = Container(cli, stores=stores)
    with (
        cli.executor.claim(WORKSPACE, job_id),
        pytest.raises(asyncio.CancelledError),
    ):
        await _queued(container, command, job_id, cli.executor)
    return job_id


async def test_a_job_stored_before_the_stop_is_paused_and_its_lock_goes(
    cli: Cli,
) -> None:
    job_id = await stopped_while_queued(cli, stores=True)

    paused = cli.stored(job_id)
    assert paused is not None
    assert paused.state is SyncState.PAUSED
    assert paused.problem is not None
    assert paused.problem.code == "sync_stopped"
    assert cli.liveness.is_held(WORKSPACE, job_id) is None


async def test_a_job_not_stored_yet_keeps_its_lock_to_read_as_dead(
    cli: Cli,
) -> None:
    job_id = await stopped_while_queued(cli, stores=False)

    assert cli.stored(job_id) is None
    # Its commit might still land: the lock file then tells at once that
    # no process runs it.
    assert cli.liveness.is_held(WORKSPACE, job_id) is False


async def test_a_job_that_has_ended_is_left_as_it_ended(cli: Cli) -> None:
    job = requested(cli)
    cancelled = job.cancel(cli.clock.now())
    cli.store.sync_jobs[(WORKSPACE, job.job_id)] = cancelled

    with cli.executor.claim(WORKSPACE, job.job_id):
        ended = await cli.executor.stop(WORKSPACE, job.job_id)

    assert ended == cancelled
    assert cli.liveness.is_held(WORKSPACE, job.job_id) is None
