"""StartSync: admins only, one job at a time, and a job no runner takes."""

from __future__ import annotations

import pytest

from application.errors import Conflict, NotPermitted, SyncNotScheduled
from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from domain.sync import SyncState
from tests.unit.application.conftest import ADMIN, MEMBER
from tests.unit.application.sync_support import RecordingScheduler, Sync
from tests.unit.application.sync_support import sync as sync  # the fixture


class RefusingScheduler(RecordingScheduler):
    def submit(self, workspace_id: str, job_id: str) -> None:
        raise SyncNotScheduled("No space left on device")


async def test_one_sync_at_a_time(sync: Sync) -> None:
    await sync.start.execute(StartSync.Command(actor=ADMIN))

    with pytest.raises(Conflict):
        await sync.start.execute(StartSync.Command(actor=ADMIN))


async def test_a_silent_job_does_not_block_a_new_one(sync: Sync) -> None:
    stale = await sync.start.execute(StartSync.Command(actor=ADMIN))
    sync.app.clock.advance(hours=1)

    fresh = await sync.start.execute(StartSync.Command(actor=ADMIN))

    assert fresh.job_id != stale.job_id


async def test_a_job_no_runner_takes_ends_failed_instead_of_queued(
    sync: Sync,
) -> None:
    refusing = StartSync(
        sync.app.store.unit_of_work, RefusingScheduler(), sync.app.clock, SyncOptions()
    )

    with pytest.raises(SyncNotScheduled) as refused:
        await refusing.execute(StartSync.Command(actor=ADMIN))
    next_one = await sync.start.execute(StartSync.Command(actor=ADMIN))

    jobs = sync.app.store.sync_jobs.values()
    [failed] = [job for job in jobs if job.job_id != next_one.job_id]
    assert failed.state is SyncState.FAILED
    assert failed.problem == refused.value.problem
    assert "No space left on device" in refused.value.message
    assert next_one.state is SyncState.QUEUED


async def test_members_cannot_start_syncs(sync: Sync) -> None:
    with pytest.raises(NotPermitted):
        await sync.start.execute(StartSync.Command(actor=MEMBER))
