"""Which Accounts changed since Contacts last caught up with their `Account.*` values.

A Contact's `Account.Name` changes when its Account is renamed, without
touching the Contact's SystemModstamp. So after a run, the Contacts of every
Account stored since the last run that finished its Contacts are re-read.
That point is read from the job history, so a paused, failed or killed run
leaves its Accounts to the next one instead of forgetting them. A run that
stopped inside the follow-up itself left a mark of how far it got (Accounts
go in `(updated_at, account_id)` order, and one stored again moves past the
mark): the next run goes on from there, so a run that can afford only part
of the follow-up each time still gets through it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from application.sync.history import history
from application.sync.ports import CompanyQuery, SyncUnitOfWorkFactory
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.sync import FollowUpMark, SyncJob, SyncState

HISTORY_PAGE = 50
SINCE_EVER = datetime.min.replace(tzinfo=UTC)


def follows_accounts(mapping: FieldMapping) -> bool:
    return any(
        source.lower().startswith("account.")
        for source in mapping.source_fields(CrmObject.CONTACT)
    )


class AccountFollowUp:
    def __init__(self, uow: SyncUnitOfWorkFactory, batch_size: int) -> None:
        self._uow = uow
        self._batch_size = batch_size

    async def since(self, workspace_id: str) -> tuple[datetime, FollowUpMark | None]:
        """When the newest successful run that synced Contacts finished, and
        how far a later run got in following up the Accounts since then."""
        before: datetime | None = None
        marks: list[FollowUpMark] = []
        while True:
            async with self._uow() as uow:
                page = await history(uow.sync_jobs, workspace_id, HISTORY_PAGE, before)
            for job in page.items:
                if _caught_up(job):
                    assert job.finished_at is not None
                    return job.finished_at, _resume(marks, job.finished_at)
                if CrmObject.CONTACT in job.objects:
                    mark = job.progress_of(CrmObject.CONTACT).follow_up
                    if mark is not None:
                        marks.append(mark)
            if page.next_before is None:
                return SINCE_EVER, _resume(marks, SINCE_EVER)
            before = page.next_before

    async def changed(
        self, workspace_id: str, since: datetime, resume: FollowUpMark | None = None
    ) -> AsyncIterator[tuple[tuple[str, ...], FollowUpMark]]:
        """Ids of Accounts stored at or after `since`, in batches, after
        `resume`; each batch with the mark of its last Account."""
        after = None if resume is None else (resume.updated_at, resume.account_id)
        while True:
            query = CompanyQuery(
                updated_since=since,
                include_deleted=True,
                after=after,
                limit=self._batch_size,
            )
            async with self._uow() as uow:
                companies = await uow.companies.list(workspace_id, query)
            if not companies:
                return
            last = companies[-1]
            assert last.updated_at is not None
            after = (last.updated_at, last.account_id)
            mark = FollowUpMark(
                since=since, updated_at=last.updated_at, account_id=last.account_id
            )
            yield tuple(company.account_id for company in companies), mark
            if len(companies) < self._batch_size:
                return


def _resume(marks: list[FollowUpMark], since: datetime) -> FollowUpMark | None:
    """The newest mark left for this `since` (older ones are behind it)."""
    return next((mark for mark in marks if mark.since == since), None)


def _caught_up(job: SyncJob) -> bool:
    return (
        job.state is SyncState.SUCCEEDED
        and CrmObject.CONTACT in job.objects
        and job.finished_at is not None
    )
