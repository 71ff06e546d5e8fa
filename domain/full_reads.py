"""Domain: which objects an incremental sync reads in full, and from where.

Two reasons (see `RunSync`): deletions Salesforce may have purged since an
object's last complete read (`misses_deletions`), and a full read that the
sync before stopped short of its end, which this one goes on with from
where it stopped (`SyncJob.go_on_with`) rather than from the start.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.crm import CrmObject
from domain.soql import SyncCursor
from domain.sync import SyncJob, misses_deletions


def choose_full_reads(
    job: SyncJob,
    before: SyncJob | None,
    cursors: Mapping[CrmObject, SyncCursor | None],
    read_through: Mapping[CrmObject, datetime | None],
) -> SyncJob:
    """`job` (a started incremental one) with its full reads marked, given
    the sync before it and each object's stored cursor and last complete
    read."""
    assert job.until is not None, "a started job has its bound"
    going_on = [
        obj
        for obj in job.objects
        if before is not None and stopped_in_full_at(before, obj, cursors.get(obj))
    ]
    gaps = frozenset(
        obj
        for obj in job.objects
        if obj not in going_on and misses_deletions(read_through.get(obj), job.until)
    )
    chosen = job.read_in_full(gaps)
    for obj in going_on:
        assert before is not None
        chosen = chosen.go_on_with(before, obj)
    return chosen


def stopped_in_full_at(job: SyncJob, obj: CrmObject, cursor: SyncCursor | None) -> bool:
    """Whether `job` was reading `obj` in full and stopped before its end at
    `cursor`, the object's stored cursor. A cursor moved or cleared since (a
    switch to another org clears them) means that read is not the one to go
    on with; neither is one that committed no page."""
    if obj not in job.objects or not job.reads_in_full(obj):
        return False
    progress = job.progress_of(obj)
    return not progress.done and cursor is not None and progress.cursor == cursor
