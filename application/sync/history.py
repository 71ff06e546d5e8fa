"""Application: the sync history a page at a time, newest first."""

from __future__ import annotations

from datetime import datetime

import msgspec

from application.sync.ports import SyncJobRepository
from domain.sync import SyncJob


class SyncHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A page of syncs, newest first, and the `before` of the next, older
    page (None: no older sync is left)."""

    items: list[SyncJob]
    next_before: datetime | None


async def history(
    jobs: SyncJobRepository, workspace_id: str, limit: int, before: datetime | None
) -> SyncHistory:
    """The page of at most `limit` syncs created before `before` (None: the
    newest)."""
    listed = await jobs.list(workspace_id, limit=limit + 1, before=before)
    return history_page(listed, limit)


def history_page(jobs: list[SyncJob], limit: int) -> SyncHistory:
    """`jobs` (newest first, one more than `limit` if there are more) as a
    page that ends between two moments of creation: the next page holds the
    syncs created before its last one, so syncs created at the same moment
    stay on one page rather than one of them never being listed."""
    if len(jobs) <= limit:
        return SyncHistory(items=jobs, next_before=None)
    following = jobs[limit].created_at
    page = [job for job in jobs[:limit] if job.created_at != following]
    # Limitation: more than `limit` syncs created in one moment fill the page
    # on their own; the next page then misses the rest of them.
    page = page or jobs[:limit]
    return SyncHistory(items=page, next_before=page[-1].created_at)
