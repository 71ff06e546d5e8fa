"""Sync job ids: version 7 UUIDs that order syncs made at one moment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.sync import SyncJob, SyncMode, new_job_id

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_ids_made_at_one_moment_grow_in_the_order_they_were_made() -> None:
    ids = [new_job_id(NOW) for _ in range(200)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(job_id).version == 7 for job_id in ids)


def test_an_id_carries_its_moment() -> None:
    later = NOW + timedelta(days=400)

    stamped = uuid.UUID(new_job_id(later)).int >> 80

    assert stamped == int(later.timestamp() * 1000)


def test_syncs_requested_at_one_moment_list_newest_first_by_id() -> None:
    jobs = [
        SyncJob.request(
            workspace_id="ws",
            mode=SyncMode.INCREMENTAL,
            objects=None,
            requested_by="cli",
            now=NOW,
        )
        for _ in range(3)
    ]

    newest_first = sorted(jobs, key=lambda j: (j.created_at, j.job_id), reverse=True)
    assert newest_first == jobs[::-1]
