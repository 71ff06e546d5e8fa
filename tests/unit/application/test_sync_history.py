"""Pages of the sync history: none skipped where syncs share a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.sync.history import history_page
from domain.sync import SyncJob, SyncMode

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def created(*moments: datetime) -> list[SyncJob]:
    """Syncs created at `moments`, newest first, as the store lists them."""
    jobs = [
        SyncJob.request(
            workspace_id="ws",
            mode=SyncMode.INCREMENTAL,
            objects=None,
            requested_by="cli",
            now=moment,
            job_id=f"job-{n}",
        )
        for n, moment in enumerate(moments)
    ]
    return sorted(jobs, key=lambda job: (job.created_at, job.job_id), reverse=True)


def pages(jobs: list[SyncJob], limit: int) -> list[list[str]]:
    """Every page from the newest on, each asked for as a caller would: the
    syncs created before the last page's `next_before`, one more than
    `limit` of them."""
    listed: list[list[str]] = []
    before = None
    while True:
        older = [j for j in jobs if before is None or j.created_at < before]
        page = history_page(older[: limit + 1], limit)
        listed.append([job.job_id for job in page.items])
        if page.next_before is None:
            return listed
        before = page.next_before


def test_syncs_of_one_moment_are_not_split_across_pages() -> None:
    later = T0 + timedelta(microseconds=1)
    jobs = created(later, T0, T0, T0)

    assert pages(jobs, 3) == [["job-0"], ["job-3", "job-2", "job-1"]]


def test_a_page_of_the_last_syncs_says_none_is_left() -> None:
    jobs = created(*(T0 + timedelta(seconds=n) for n in range(4)))

    assert pages(jobs, 2) == [["job-3", "job-2"], ["job-1", "job-0"]]
    assert history_page(jobs, 4).next_before is None
