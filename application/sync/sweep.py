"""Application: a full run's sweep, which marks what the run did not see as
deleted, except rows changed after its window."""

from __future__ import annotations

import asyncio
import logging

from application.sync.merged_leads import mark_merged_leads_gone
from application.sync.page_writer import hold_running
from application.sync.run_tools import RunTools
from domain.crm import CrmObject
from domain.soql import changed_after_query
from domain.sync import SyncJob, SyncState

logger = logging.getLogger(__name__)
# Ids changed after a run's window, and the calls that read them.
Changed = tuple[set[str], int]


async def sweep(
    tools: RunTools,
    job: SyncJob,
    obj: CrmObject,
    changed: asyncio.Future[Changed] | None,
    *,
    related_batch: int,
) -> SyncJob:
    """Mark what the full read did not see as deleted, except rows changed
    after its window: no page showed them, yet they exist. For Leads, then
    the Leads merged into people (`mark_merged_leads_gone`). A read that went
    on over several runs spares what any of them saw (`SyncJob.seen_mark`).
    `changed` is that query if it was asked for once the last page was in;
    `related_batch` is how many Ids one query asks for by Id.

    But for Leads, the sweep is the object's last write, so it also marks
    the object done (`RunTools.finish_object`): a cancel stored after it
    comes too late for this object, as the README says."""
    alive, calls = await (changed or changed_after_window(tools, job, obj))
    mark = job.seen_mark(obj)
    # Limitation: a Lead sweep is followed by the merged-Lead check, so the
    # done mark is a write of its own there: a cancel stored between them
    # ends a sync whose Leads are all written cancelled (the next run reads on).
    finishes = obj is not CrmObject.LEAD
    async with tools.uow() as uow:
        await hold_running(uow, job)
        if obj is CrmObject.ACCOUNT:
            swept = await uow.companies.sweep_unseen(job.workspace_id, mark, keep=alive)
        else:
            swept = await uow.people.sweep_unseen(
                job.workspace_id, obj, mark, keep=alive
            )
        job = job.count_calls(obj, calls, tools.clock.now()).count_swept(obj, swept)
        if finishes:
            await tools.read_through(job, obj, uow)
            job = job.finish_object(obj)
        await uow.sync_jobs.save(job, expected=SyncState.RUNNING)
        await uow.commit()
    logger.info(
        "full sync swept workspace=%s object=%s missing=%d changed_since=%d",
        job.workspace_id,
        obj.value,
        swept,
        len(alive),
    )
    if obj is CrmObject.LEAD:
        return await mark_merged_leads_gone(tools, job, alive, batch=related_batch)
    return job


async def changed_after_window(
    tools: RunTools, job: SyncJob, obj: CrmObject
) -> Changed:
    """Ids of `obj` rows changed after the run's bound (deleted ones too),
    and the API calls it took to read them.

    Each next page is asked for only while the quota reserve is not reached;
    reached, the run pauses before its sweep, which needs them all.
    """
    assert job.until is not None
    ids: set[str] = set()
    calls = 0
    # Limitation: a pause between these pages (`RunTools.call` refusing the
    # next) leaves the calls spent on them out of the job's count: they are
    # stored with the sweep.
    async for page in tools.pages(job, changed_after_query(obj, job.until)):
        ids.update(record["Id"] for record in page.records)
        calls += 1
    return ids, calls
