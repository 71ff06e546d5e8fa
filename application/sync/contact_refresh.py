"""Application: the part of a run that re-reads the Contacts of Accounts
stored since Contacts last caught up with them (see `account_follow_up`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from application.sync.account_follow_up import AccountFollowUp, follows_accounts
from application.sync.run_tools import RunTools
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.soql import related_query, select_fields
from domain.sync import FollowUpMark, SyncJob

# Accounts stored since when, how far a run got, and the Contacts read up to.
FollowUp = tuple[datetime, FollowUpMark | None, datetime]


async def follow_up_since(
    tools: RunTools, accounts: AccountFollowUp, job: SyncJob, mapping: FieldMapping
) -> FollowUp | None:
    """From when Accounts need their Contacts re-read, how far an earlier run
    got at it, and up to which Contact modstamp (later ones this run reads
    anyway); None if not at all (no `Account.*` rule, or this run reads every
    Contact)."""
    if CrmObject.CONTACT not in job.objects or not follows_accounts(mapping):
        return None
    cursor = await tools.start_cursor(job, CrmObject.CONTACT)
    if cursor is None:
        return None
    since, resume = await accounts.since(job.workspace_id)
    return since, resume, cursor.modstamp


async def refresh_contacts(
    tools: RunTools,
    accounts: AccountFollowUp,
    job: SyncJob,
    mapping: FieldMapping,
    follow_up: FollowUp,
) -> SyncJob:
    """Re-read the Contacts of Accounts stored since the first bound that the
    run's own Contact window did not read (changed by the third), going on
    after the second; each batch done is marked in the job. While it
    runs, the Contact is not done (a stop then shows on it)."""
    since, resume, read_up_to = follow_up
    obj = CrmObject.CONTACT
    fields = select_fields(obj, mapping.source_fields(obj))
    until = job.until
    assert until is not None
    changed = accounts.changed(job.workspace_id, since, resume)
    started = False
    async for batch, mark in changed:
        if not started:
            job = await tools.store(job, SyncJob.following_up)
            started = True
        # Contacts changed after the start cursor were just read with the
        # stored Accounts' new values: not again.
        soql = related_query(
            obj,
            fields,
            reference="AccountId",
            ids=batch,
            until=min(until, read_up_to),
        )
        # One page at a time: the quota is checked before each next call.
        async with tools.pipeline(job, obj, mapping) as pipeline:
            async for page in tools.pages(job, soql):
                await pipeline.submit(page, api_calls=1, advance_cursor=False)
                job = await pipeline.drain()
        job = await tools.store(job, partial(SyncJob.follow_up_to, mark=mark))
    if started:
        job = await tools.store(job, partial(SyncJob.finish_object, obj=obj))
    return job
