"""Domain: which objects an incremental sync reads in full, and from where.

Two reasons (see `RunSync`): deletions Salesforce may have purged since an
object's last complete read (`misses_deletions`), and a full read that the
last sync of that object stopped short of its end, which this one goes on
with from where it stopped (`SyncJob.go_on_with`) rather than from the
start. Likewise, a Bulk job that sync stopped in is gone on with
(`SyncJob.go_on_with_bulk`), full read or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from domain.crm import CrmObject
from domain.soql import SyncCursor
from domain.sync import SyncJob, misses_deletions


def choose_full_reads(
    job: SyncJob,
    earlier: Sequence[SyncJob],
    cursors: Mapping[CrmObject, SyncCursor | None],
    read_through: Mapping[CrmObject, datetime | None],
) -> SyncJob:
    """`job` (a started incremental one) with its full reads and the Bulk
    jobs it goes on with marked, given the syncs before it (newest first),
    each object's stored cursor and its last complete read. An object goes
    on with the read of the last sync that ran with it, whatever syncs came
    between that did not, or that stopped before they stored any of it
    (`_stored_none`)."""
    assert job.until is not None, "a started job has its bound"
    chosen = job
    gaps: set[CrmObject] = set()
    for obj in job.objects:
        last = next((e for e in earlier if _ran(e, obj)), None)
        unfinished = _unfinished_full_read(earlier, obj, cursors.get(obj))
        if unfinished is not None:
            chosen = chosen.go_on_with(unfinished, obj)
        elif misses_deletions(read_through.get(obj), job.until):
            gaps.add(obj)  # read from the start: no job is gone on with
            continue
        if last is not None and stopped_in_bulk_at(last, obj, cursors.get(obj)):
            chosen = chosen.go_on_with_bulk(last, obj)
    return chosen.read_in_full(frozenset(gaps))


def stopped_in_full_at(job: SyncJob, obj: CrmObject, cursor: SyncCursor | None) -> bool:
    """Whether `job` was reading `obj` in full and stopped before its end at
    `cursor`, the object's stored cursor. A cursor moved or cleared since (a
    switch to another org clears them) means that read is not the one to go
    on with; neither is one that committed no page."""
    if obj not in job.objects or not job.reads_in_full(obj):
        return False
    progress = job.progress_of(obj)
    return not progress.done and cursor is not None and progress.cursor == cursor


def _unfinished_full_read(
    earlier: Sequence[SyncJob], obj: CrmObject, cursor: SyncCursor | None
) -> SyncJob | None:
    """The sync whose full read of `obj` stopped at `cursor`, if it is the
    last to have stored any of `obj`: a sync that stored none of it before
    it stopped (a cancel while it read another object) left the rows, their
    marks and the cursor as that sync did."""
    for other in earlier:
        if not _ran(other, obj):
            continue
        if stopped_in_full_at(other, obj, cursor):
            return other
        if not _stored_none(other, obj):
            return None
    return None


def _stored_none(job: SyncJob, obj: CrmObject) -> bool:
    """Whether `job` stopped before it stored any row of `obj`, and did not
    go on with an earlier read of it (a run that does starts with that
    read's cursor, and is the next link in its chain)."""
    progress = job.progress_of(obj)
    bulk = progress.bulk
    return (
        progress.cursor is None
        and progress.pages == 0
        and not progress.done
        and progress.follow_up is None
        and (bulk is None or not bulk.results_stored)
    )


def stopped_in_bulk_at(job: SyncJob, obj: CrmObject, cursor: SyncCursor | None) -> bool:
    """Whether `job` stopped while it read `obj` with a Bulk job that starts
    at `cursor`, the object's stored cursor (which such a job moves only at
    its end: a cursor moved since means another run read on)."""
    if obj not in job.objects:
        return False
    progress = job.progress_of(obj)
    mark = progress.bulk
    return (
        mark is not None
        and not progress.done
        and mark.after == cursor
        and progress.cursor == cursor
    )


def bulk_jobs_left(
    job: SyncJob, earlier: Sequence[SyncJob]
) -> list[tuple[CrmObject, str]]:
    """The Bulk jobs, with their objects, that the last sync of each of
    `job`'s objects stopped in and `job` does not go on with (a full sync, a
    read from the start, or one that goes on from the stored cursor while
    that job started elsewhere), from which no results were stored: they may
    still be running at Salesforce, for no one. Also the ones that sync was
    to abort and did not (`ObjectProgress.aborting`)."""
    left: list[tuple[CrmObject, str]] = []
    for obj in job.objects:
        last = next((e for e in earlier if _ran(e, obj)), None)
        if last is None:
            continue
        before = last.progress_of(obj)
        left += [(obj, job_id) for job_id in before.aborting]
        if job.progress_of(obj).bulk is not None:
            continue  # gone on with
        mark = before.bulk
        if mark is not None and not mark.results_stored and not before.done:
            left.append((obj, mark.job_id))
    return left


def last_of_each_found(
    objects: Iterable[CrmObject], earlier: Sequence[SyncJob]
) -> bool:
    """Whether `earlier` reaches back to the last sync that ran with each of
    `objects` (a sync cancelled before it started read nothing) and stored
    any of it (`_unfinished_full_read` looks past those that did not)."""
    return all(
        any(_ran(e, obj) and not _stored_none(e, obj) for e in earlier)
        for obj in objects
    )


def _ran(job: SyncJob, obj: CrmObject) -> bool:
    return obj in job.objects and job.started_at is not None
