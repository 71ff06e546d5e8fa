"""What a run tells its SyncProgress listener (the CLI's progress bars)."""

from __future__ import annotations

import pytest

from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from application.sync.run_sync import RunSync
from domain.crm import CrmObject
from domain.sync import SyncJob, SyncMode, SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import ACCOUNT, Sync, contact, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


class Told:
    def __init__(self) -> None:
        self.last: dict[CrmObject, tuple[str, int]] = {}

    def page_committed(self, job: SyncJob, obj: CrmObject, total: int | None) -> None:
        self.last[obj] = ("page", job.progress_of(obj).api_calls)

    def counted(self, job: SyncJob, obj: CrmObject) -> None:
        self.last[obj] = ("done", job.progress_of(obj).api_calls)


@pytest.mark.parametrize(
    ("used", "state"),
    [(10, SyncState.SUCCEEDED), (11_985, SyncState.PAUSED)],
    ids=["succeeded", "paused while polling"],
)
async def test_the_last_word_on_each_object_has_its_final_counts(
    sync: Sync, used: int, state: SyncState
) -> None:
    """Sweeps' and status polls' calls come without a page, and a pause
    comes after calls no page reported: bars fed by pages only showed fewer
    calls than the report."""
    salesforce = sync.app.salesforce
    salesforce.spend_api_quota = True
    salesforce.api_used = used
    sync.org.page_size = 2
    sync.org.bulk_polls = 20
    sync.org.create(ACCOUNT, {"Name": "Acme"})
    for n in range(6):
        lead(sync.org, n)
        contact(sync.org, n)
    told = Told()
    app = sync.app
    options = SyncOptions(settle_seconds=0, bulk_threshold=4, bulk_poll_seconds=0)
    runner = RunSync(
        app.store.unit_of_work,
        app.session,
        app.salesforce,
        app.clock,
        options,
        progress=told,
    )
    job = await sync.start.execute(StartSync.Command(actor=ADMIN, mode=SyncMode.FULL))

    ended = await runner.execute(job.workspace_id, job.job_id)

    assert ended is not None
    assert ended.state is state
    assert told.last == {
        obj: ("done", ended.progress_of(obj).api_calls) for obj in ended.objects
    }
