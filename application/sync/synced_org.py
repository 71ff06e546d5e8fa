"""A workspace's synced data comes from one Salesforce org: connecting to
another drops it, inside the connect's own unit of work."""

from __future__ import annotations

from datetime import datetime

import msgspec

from application.sync.ports import SyncUnitOfWork


class SyncedDataDropped(msgspec.Struct, frozen=True, kw_only=True):
    """What connecting to another org removed."""

    previous_org_id: str | None
    people: int
    companies: int
    cancelled_job_id: str | None


async def claim_synced_data(
    uow: SyncUnitOfWork, workspace_id: str, org_id: str, now: datetime
) -> SyncedDataDropped | None:
    """Make `org_id` the org of the workspace's synced data, inside `uow`.

    Nothing changes (None) when it already is. Otherwise, and also when no
    org was recorded (the data's origin is unknown), the active sync is
    cancelled first, then the people, companies, cursors and cached
    describes are deleted and `org_id` recorded. A running sync's write
    holds its job (`page_writer.hold_running`), so the cancel waits for a
    write in flight, whose rows the delete then removes; a later write sees
    the cancel and stores nothing. The field mapping stays: it is the
    workspace's configuration, not the org's data.
    """
    previous = await uow.synced_orgs.get(workspace_id)
    if previous == org_id:
        return None

    cancelled = await _cancel_active_sync(uow, workspace_id, now)
    # Limitation: the delete runs in the callback's transaction, so a copy of
    # millions of rows holds the writers up (all of SQLite's) for seconds.
    people = await uow.people.purge(workspace_id)
    companies = await uow.companies.purge(workspace_id)
    await uow.cursors.clear(workspace_id)
    await uow.describes.clear(workspace_id)
    await uow.synced_orgs.set(workspace_id, org_id)

    return SyncedDataDropped(
        previous_org_id=previous,
        people=people,
        companies=companies,
        cancelled_job_id=cancelled,
    )


async def _cancel_active_sync(
    uow: SyncUnitOfWork, workspace_id: str, now: datetime
) -> str | None:
    """Cancel the workspace's queued or running job; its id, if there was one.

    A queued job ends at once; a running one at its next write (the flag
    is sticky, so no save of an older copy clears it).
    """
    active = await uow.sync_jobs.active(workspace_id)
    if active is None:
        return None
    flagged = await uow.sync_jobs.request_cancel(workspace_id, active.job_id)
    if flagged is not None and flagged.is_active and flagged.started_at is None:
        await uow.sync_jobs.save(flagged.cancel(now), expected=flagged.state)
    return active.job_id
