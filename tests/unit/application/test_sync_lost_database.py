"""A sync whose database drops out ends failed with a problem that says so."""

from __future__ import annotations

from application.errors import StorageUnavailable
from application.sync.jobs import StartSync
from application.sync.ports import SyncUnitOfWork, SyncUnitOfWorkFactory
from domain.sync import SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


def dropping_commit(uow: SyncUnitOfWorkFactory, at: int) -> SyncUnitOfWorkFactory:
    """Units of work whose `at`-th commit finds the database gone."""
    commits = [0]

    def factory() -> SyncUnitOfWork:
        inner = uow()
        commit = inner.commit

        async def maybe_drop() -> None:
            commits[0] += 1
            if commits[0] == at:
                raise StorageUnavailable("the database stayed locked by another writer")
            await commit()

        inner.commit = maybe_drop  # type: ignore[method-assign]
        return inner

    return factory


async def test_a_database_lost_mid_sync_is_named_and_the_next_sync_goes_on(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(6)]
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    runner = sync.runner(dropping_commit(sync.app.store.unit_of_work, at=3))

    failed = await runner.execute(job.workspace_id, job.job_id)
    again = await sync.once()

    assert failed is not None
    assert failed.state is SyncState.FAILED
    assert failed.problem is not None
    assert failed.problem.code == "database_unavailable"
    assert failed.problem.message == (
        "The sync stopped: the database stayed locked by another writer. "
        "What it had committed is kept."
    )
    assert again.state is SyncState.SUCCEEDED
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
