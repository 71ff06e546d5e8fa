"""Application: the end of a full read of Leads, for the Leads merged into
people, which the sweep cannot tell gone."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from functools import partial

from application.sync.page_writer import hold_running
from application.sync.ports import PeopleRepository
from application.sync.run_tools import RunTools
from domain.crm import CrmObject
from domain.lead_conversion import leads_of, without_leads
from domain.people import Person
from domain.soql import related_query
from domain.sync import SyncJob, SyncState

logger = logging.getLogger(__name__)


async def mark_merged_leads_gone(
    tools: RunTools, job: SyncJob, alive: Collection[str], *, batch: int
) -> SyncJob:
    """Mark deleted the Leads of people with merged Leads that Salesforce no
    longer has, and name each such person's Lead by the usual rule: a full
    read reads every Lead there is, but a person is one row for all its
    Leads, so the sweep (by row) sees it read when any of them was, and
    flags only the named Lead when none was. A Lead purged since is then
    never read again.

    `queryAll` by Id asks for each live Lead of those people (one call per
    `batch`, the Account follow-up's `related_batch_size`), and those it
    does not return are gone, unless `alive` (changed
    after the run's window) holds them. Those people are few: several Leads
    converted into one Contact. No call is made when the people hold as
    many Leads as this run read (`_none_missed`).
    """
    async with tools.uow() as uow:
        people = await uow.people.with_merged_leads(job.workspace_id)
        none_missed = await _none_missed(uow.people, job, people, alive)
    gone: set[str] = set()
    calls = 0
    if not none_missed:
        gone, calls, job = await _gone(tools, job, people, alive, batch)
    changed = [
        after
        for person in people
        if (after := without_leads(person, gone)) is not person
    ]
    if not changed:
        return job
    async with tools.uow() as uow:
        await hold_running(uow, job)
        await uow.people.save_page(
            job.workspace_id,
            changed,
            (),
            seen_by=(CrmObject.LEAD, job.seen_mark(CrmObject.LEAD)),
        )
        await uow.sync_jobs.save(job, expected=SyncState.RUNNING)
        await uow.commit()
    logger.info(
        "merged leads checked workspace=%s gone=%d people_changed=%d calls=%d",
        job.workspace_id,
        len(gone),
        len(changed),
        calls,
    )
    return job


async def _gone(
    tools: RunTools,
    job: SyncJob,
    people: Sequence[Person],
    alive: Collection[str],
    batch: int,
) -> tuple[set[str], int, SyncJob]:
    """The live Leads of `people`, but for `alive`, that Salesforce no
    longer has, the calls it took to ask, and the job with them counted.
    Each batch's calls are stored as it ends, with a heartbeat: there may be
    hundreds, and a silent job may be taken for dead (or a cancel wait)."""
    assert job.until is not None
    live = sorted(
        {
            lead
            for person in people
            for lead, deleted in leads_of(person).items()
            if not deleted
        }.difference(alive)
    )
    found: set[str] = set()
    calls = 0
    for start in range(0, len(live), batch):
        soql = related_query(
            CrmObject.LEAD,
            ("Id",),
            reference="Id",
            ids=tuple(live[start : start + batch]),
            until=job.until,
        )
        asked = 0
        async for page in tools.pages(job, soql):
            found.update(record["Id"] for record in page.records)
            asked += 1
        counted = partial(
            SyncJob.count_calls,
            obj=CrmObject.LEAD,
            api_calls=asked,
            now=tools.clock.now(),
        )
        job = await tools.store(job, counted)
        calls += asked
    return set(live) - found, calls, job


async def _none_missed(
    stored: PeopleRepository,
    job: SyncJob,
    merged: Sequence[Person],
    alive: Collection[str],
) -> bool:
    """Whether the people hold as live exactly the live Leads the run read,
    so none is gone: every Lead read is held by one person, named or merged,
    live if it was read live, and one held live but not read would make one
    more. Leads flagged deleted (read so, or purged before) do not count.
    Only a read that this run made whole, with no Lead changed after its
    window, counts its Leads so; for the rest, Salesforce is asked."""
    progress = job.progress_of(CrmObject.LEAD)
    if progress.continues is not None or alive:
        return False
    held = await stored.count_live_named_leads(job.workspace_id)
    held += sum(not deleted for p in merged for deleted in p.merged_leads.values())
    return held == progress.seen - progress.deleted
