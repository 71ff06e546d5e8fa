"""Commit one page of records: people or companies, cursor and job progress together.

A page is handled in two steps. `plan_page` reads what the page touches and
works out the new people or companies; `write_plan` stores them with the
cursor and the job's progress in one transaction. The steps are apart so a
page can be planned while the one before it is still being written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from application.sync.ports import Record, SyncUnitOfWork, SyncUnitOfWorkFactory
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.people import (
    Company,
    PeopleIndex,
    apply_contact,
    apply_lead,
    company_from,
    ids_to_load,
    overlay,
)
from domain.soql import SyncCursor, cursor_limit, parse_record_datetime
from domain.sync import BulkMark, SyncJob, SyncState


class Cancelled(Exception):
    """Raised inside a run when the job was asked to stop, or has ended."""


async def hold_running(uow: SyncUnitOfWork, job: SyncJob) -> None:
    """Lock the stored job until `uow` ends; raise `Cancelled` unless it still
    runs with no cancel stored.

    Every write of a run goes through here first, in the write's own unit of
    work. A cancel (one a switch to another org stores before it purges the
    workspace's data, too) waits for a write holding the job, so it can undo
    it; a write that comes after the cancel sees it and writes nothing.
    """
    stop_if_asked(job, await uow.sync_jobs.get_for_update(job.workspace_id, job.job_id))


def stop_if_asked(job: SyncJob, stored: SyncJob | None) -> None:
    """Raise `Cancelled` unless `stored`, `job` as stored now, still runs
    with no cancel stored."""
    if stored is None or not stored.is_active or stored.cancel_requested:
        raise Cancelled(job.job_id)


def last_cursor(records: Sequence[Record], until: datetime) -> SyncCursor | None:
    """Where `records`, a page of a window ending at `until`, leave the
    cursor: at its last row stamped within the window and before `until`'s
    own second (`cursor_limit`), or None.

    A query cursor serves each page's values as it serves the page, so a row
    changed since the query began shows a stamp past the window, and where
    it stood in the read order is unknown: a cursor at it would pass rows
    stamped after the window's end that the next run must read. The next
    run reads such a row again, as it changed.
    """
    bound = cursor_limit(until)
    for record in reversed(records):
        modstamp = parse_record_datetime(record["SystemModstamp"])
        if modstamp <= bound:
            return SyncCursor(modstamp=modstamp, record_id=record["Id"])
    return None


@dataclass
class PagePlan:
    """A page's records and the rows they become, not stored yet."""

    obj: CrmObject
    records: Sequence[Record]
    companies: list[Company] = field(default_factory=list)
    people: PeopleIndex = field(default_factory=PeopleIndex)

    @property
    def written(self) -> int:
        return len(self.companies) + len(self.people.changed)


async def plan_page(
    uow: SyncUnitOfWorkFactory,
    workspace_id: str,
    obj: CrmObject,
    records: Sequence[Record],
    mapping: FieldMapping,
    now: datetime,
    *,
    pending: PagePlan | None = None,
) -> PagePlan:
    """The rows `records` become; `pending` is a plan that may not be stored
    yet, and is taken as stored. Companies are stamped `now`; changed people
    have no `updated_at`, so the store stamps them when it saves them."""
    plan = PagePlan(obj=obj, records=records)
    if obj is CrmObject.ACCOUNT:
        plan.companies = [
            msgspec.structs.replace(
                company_from(record, mapping, workspace_id), updated_at=now
            )
            for record in records
        ]
        return plan

    lead_ids, contact_ids = ids_to_load(obj, records)
    async with uow() as reading:
        found = await reading.people.find(
            workspace_id, lead_ids=lead_ids, contact_ids=contact_ids
        )
    if pending is not None:
        found = overlay(found, pending.people, lead_ids, contact_ids)
    index = plan.people = PeopleIndex(found)
    apply = apply_lead if obj is CrmObject.LEAD else apply_contact
    for record in records:
        apply(index, record, mapping, workspace_id)
    return plan


async def write_plan(
    uow: SyncUnitOfWork,
    job: SyncJob,
    plan: PagePlan,
    *,
    api_calls: int,
    now: datetime,
    advance_cursor: bool = True,
    bulk: BulkMark | None = None,
) -> SyncJob:
    """Store a planned page, move the cursor and record progress in one
    transaction; raises `Cancelled` if the job was asked to stop. `bulk`:
    how far the Bulk job the page comes from is stored, with the page."""
    await hold_running(uow, job)

    workspace_id = job.workspace_id
    records = plan.records
    assert job.until is not None
    cursor = last_cursor(records, job.until) if advance_cursor else None
    job = job.record_page(
        plan.obj,
        seen=len(records),
        written=plan.written,
        deleted=sum(1 for record in records if record.get("IsDeleted")),
        api_calls=api_calls,
        cursor=cursor,
        now=now,
    )
    if bulk is not None:
        job = job.mark_bulk(plan.obj, bulk)
    async with uow.together():
        if plan.obj is CrmObject.ACCOUNT:
            await uow.companies.save_page(
                workspace_id, plan.companies, job_id=job.seen_mark(plan.obj)
            )
        else:
            await uow.people.save_page(
                workspace_id,
                plan.people.changed.values(),
                plan.people.removed,
                seen_by=(plan.obj, job.seen_mark(plan.obj)),
            )
        if cursor is not None:
            await uow.cursors.set(workspace_id, plan.obj, cursor)
        await uow.sync_jobs.save(job, expected=SyncState.RUNNING)
    await uow.commit()
    return job
