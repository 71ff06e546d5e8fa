"""What a run tells its SyncProgress listener (the CLI's progress bars)."""

from __future__ import annotations

from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from application.sync.run_sync import RunSync
from domain.crm import CrmObject
from domain.sync import SyncJob, SyncMode, SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.test_sync import ACCOUNT, Sync, contact, lead
from tests.unit.application.test_sync import sync as sync  # the fixture


class Told:
    def __init__(self) -> None:
        self.last: dict[CrmObject, tuple[str, int]] = {}

    def page_committed(self, job: SyncJob, obj: CrmObject, total: int | None) -> None:
        self.last[obj] = ("page", job.progress_of(obj).api_calls)

    def object_done(self, job: SyncJob, obj: CrmObject) -> None:
        self.last[obj] = ("done", job.progress_of(obj).api_calls)


async def test_the_last_word_on_each_object_has_its_final_counts(sync: Sync) -> None:
    """The sweep's call comes after the last page: a bar fed by pages only
    showed one call fewer than the report."""
    sync.org.page_size = 2
    sync.org.create(ACCOUNT, {"Name": "Acme"})
    for n in range(3):
        lead(sync.org, n)
        contact(sync.org, n)
    told = Told()
    app = sync.app
    runner = RunSync(
        app.store.unit_of_work,
        app.session,
        app.salesforce,
        app.clock,
        SyncOptions(settle_seconds=0),
        progress=told,
    )
    job = await sync.start.execute(StartSync.Command(actor=ADMIN, mode=SyncMode.FULL))

    done = await runner.execute(job.workspace_id, job.job_id)

    assert done is not None
    assert done.state is SyncState.SUCCEEDED
    assert told.last == {
        obj: ("done", done.progress_of(obj).api_calls) for obj in done.objects
    }
