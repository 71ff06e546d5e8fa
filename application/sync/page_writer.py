"""Commit one page of records: people or companies, cursor and job progress together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from application.sync.ports import Record, SyncUnitOfWork
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.people import (
    PeopleIndex,
    apply_contact,
    apply_lead,
    company_from,
    ids_to_load,
)
from domain.soql import SyncCursor, parse_record_datetime
from domain.sync import SyncJob


class Cancelled(Exception):
    """Raised inside a run when the job was asked to stop."""


def last_cursor(records: Sequence[Record]) -> SyncCursor | None:
    if not records:
        return None
    last = records[-1]
    return SyncCursor(
        modstamp=parse_record_datetime(last["SystemModstamp"]), record_id=last["Id"]
    )


async def write_page(
    uow: SyncUnitOfWork,
    job: SyncJob,
    obj: CrmObject,
    records: Sequence[Record],
    mapping: FieldMapping,
    now: datetime,
) -> int:
    """Apply the records in `uow`; return how many local rows changed."""
    workspace_id = job.workspace_id
    if obj is CrmObject.ACCOUNT:
        companies = [
            msgspec.structs.replace(
                company_from(record, mapping, workspace_id), updated_at=now
            )
            for record in records
        ]
        await uow.companies.save_page(workspace_id, companies, job_id=job.job_id)
        return len(companies)

    lead_ids, contact_ids = ids_to_load(obj, records)
    index = PeopleIndex(
        await uow.people.find(workspace_id, lead_ids=lead_ids, contact_ids=contact_ids)
    )
    apply = apply_lead if obj is CrmObject.LEAD else apply_contact
    for record in records:
        apply(index, record, mapping, workspace_id)
    changed = [
        msgspec.structs.replace(person, updated_at=now)
        for person in index.changed.values()
    ]
    await uow.people.save_page(
        workspace_id, changed, index.removed, seen_by=(obj, job.job_id)
    )
    return len(changed)


async def commit_page(
    uow: SyncUnitOfWork,
    job: SyncJob,
    obj: CrmObject,
    records: Sequence[Record],
    mapping: FieldMapping,
    *,
    api_calls: int,
    now: datetime,
    advance_cursor: bool = True,
) -> SyncJob:
    """Write a page, move the cursor and record progress in one transaction."""
    # Limitation: the job row is read here and written whole below; a cancel
    # stored in between is overwritten (the store has no partial update).
    stored = await uow.sync_jobs.get(job.workspace_id, job.job_id)
    if stored is not None and stored.cancel_requested:
        raise Cancelled(job.job_id)

    written = await write_page(uow, job, obj, records, mapping, now)
    cursor = last_cursor(records) if advance_cursor else None
    if cursor is not None:
        await uow.cursors.set(job.workspace_id, obj, cursor)
    job = job.record_page(
        obj,
        seen=len(records),
        written=written,
        deleted=sum(1 for record in records if record.get("IsDeleted")),
        api_calls=api_calls,
        cursor=cursor,
        now=now,
    )
    await uow.sync_jobs.save(job)
    await uow.commit()
    return job
