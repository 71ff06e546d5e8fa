"""Sync jobs: what was asked, how far each object got, and how a job ends.

queued ──start──▶ running ──▶ succeeded
                    │  ├────▶ failed     (an error a retry won't fix)
                    │  ├────▶ paused     (API quota reserve reached)
                    │  └────▶ cancelled  (asked to stop)
"""

from __future__ import annotations

import enum
import os
import random
from datetime import datetime, timedelta

import msgspec

from domain import uuid7
from domain.crm import SYNC_ORDER, CrmObject
from domain.errors import IllegalTransition, InvalidSetting
from domain.problems import Problem
from domain.soql import SyncCursor
from domain.uuid7 import EPOCH, MILLIS_MASK, MILLISECOND, RANDOM_BITS


class SyncMode(enum.StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"


class SyncState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PAUSED = "paused"
    CANCELLED = "cancelled"


ACTIVE = frozenset({SyncState.QUEUED, SyncState.RUNNING})

# Salesforce keeps a deleted record in its Recycle Bin, where `queryAll` shows
# it, for 15 days. An incremental read from further back may miss deletions
# purged since; a day's margin covers the run's settle bound and clocks.
# Limitation: a bin emptied by hand, or a hard delete, purges sooner; only a
# full sync sees those (an id-only read of each object would, for its calls).
TRUSTED_GAP = timedelta(days=14)


def misses_deletions(read_through: datetime | None, until: datetime) -> bool:
    """Whether an incremental read of an object last read to its run's end
    at `read_through` may miss records deleted and purged since; never when
    no such read is recorded (the object's first read starts at the start)."""
    return read_through is not None and until - read_through > TRUSTED_GAP


class FollowUpMark(msgspec.Struct, frozen=True, kw_only=True):
    """How far a run re-read the Contacts of Accounts stored since `since`:
    every Account up to `(updated_at, account_id)` in that order is done."""

    since: datetime
    updated_at: datetime
    account_id: str


class BulkMark(msgspec.Struct, frozen=True, kw_only=True):
    """How far a run stored the results of its Bulk API query job for an
    object, so that the next run goes on with the job rather than read its
    rows again (Salesforce keeps a job's results for days).

    The job reads the rows after `after` with `fields`. `locator` is the
    results page to fetch next (None: the first); `complete` says every page
    is stored. `newest` is the newest row stored from the job so far: the
    object's cursor moves there once the job is complete, as its rows come
    in no order.
    """

    job_id: str
    after: SyncCursor | None
    fields: tuple[str, ...]
    locator: str | None = None
    newest: SyncCursor | None = None
    complete: bool = False

    @property
    def results_stored(self) -> bool:
        """Whether a run stored any of the job's results, which it can only
        once the job has finished: without, the job may still be running."""
        return self.complete or self.locator is not None or self.newest is not None


class ObjectProgress(msgspec.Struct, frozen=True, kw_only=True):
    object: CrmObject
    seen: int = 0
    written: int = 0
    deleted: int = 0
    # Rows a full read marked deleted, as it did not see them (the sweep).
    swept: int = 0
    pages: int = 0
    api_calls: int = 0
    cursor: SyncCursor | None = None
    done: bool = False
    # An incremental run reads this object from the start, and then marks
    # what it did not see deleted, as a full run does (`misses_deletions`).
    read_in_full: bool = False
    # The sync whose unfinished full read of this object this run goes on
    # with (from where it stopped): the rows it reads carry that sync's mark,
    # so the sweep at the end spans every run of that read.
    continues: str | None = None
    error: Problem | None = None
    # Contacts only: the Account follow-up's progress, so a run paused in it
    # leaves the next one where it stopped.
    follow_up: FollowUpMark | None = None
    # The Bulk API job this run reads the object with, while it reads it.
    bulk: BulkMark | None = None
    # Bulk jobs no run will read, to abort: ones an earlier run left that
    # this one does not go on with (aborted before it reads anything), and
    # ones this run started but stopped before it stored (its end marks
    # them). Kept until aborted, so the next run aborts what this one did
    # not (`full_reads.bulk_jobs_left`).
    aborting: tuple[str, ...] = ()


def new_job_id(now: datetime) -> str:
    """A version 7 UUID (RFC 9562) stamped with `now`, and greater than every
    job id this process made before: syncs created at one moment (a clock
    frozen in tests, or a coarse one) still order newest first by their id,
    as the history and a run's look back for an object's last sync do."""
    global _last_job_id
    millis = max(0, (now - EPOCH) // MILLISECOND) & MILLIS_MASK
    value = millis << RANDOM_BITS | random.getrandbits(RANDOM_BITS)
    if value <= _last_job_id:
        value = _last_job_id + 1
    _last_job_id = value
    return uuid7.text(value)


def _restart_job_ids() -> None:
    global _last_job_id
    _last_job_id = -1


_last_job_id = -1
# A forked child (a server's worker) starts its own sequence: two children
# going on from the same last id could make the same id.
os.register_at_fork(after_in_child=_restart_job_ids)


class SyncJob(msgspec.Struct, frozen=True, kw_only=True):
    job_id: str
    workspace_id: str
    mode: SyncMode
    objects: tuple[CrmObject, ...]
    state: SyncState
    requested_by: str
    created_at: datetime
    progress: tuple[ObjectProgress, ...]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    until: datetime | None = None
    cancel_requested: bool = False
    problem: Problem | None = None

    @classmethod
    def request(
        cls,
        *,
        workspace_id: str,
        mode: SyncMode,
        objects: tuple[CrmObject, ...] | None,
        requested_by: str,
        now: datetime,
        job_id: str | None = None,
    ) -> SyncJob:
        chosen = objects or SYNC_ORDER
        if len(set(chosen)) != len(chosen):
            raise InvalidSetting("objects must not repeat", field="objects")
        ordered = tuple(obj for obj in SYNC_ORDER if obj in chosen)
        return cls(
            job_id=job_id or new_job_id(now),
            workspace_id=workspace_id,
            mode=mode,
            objects=ordered,
            state=SyncState.QUEUED,
            requested_by=requested_by,
            created_at=now,
            progress=tuple(ObjectProgress(object=obj) for obj in ordered),
        )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE

    def is_stale(self, now: datetime, after_seconds: float) -> bool:
        """Running, but nobody has reported progress for too long: its worker died."""
        last = self.heartbeat_at or self.started_at or self.created_at
        return self.is_active and (now - last).total_seconds() > after_seconds

    def progress_of(self, obj: CrmObject) -> ObjectProgress:
        return next(p for p in self.progress if p.object is obj)

    def reads_in_full(self, obj: CrmObject) -> bool:
        """Whether this run reads `obj` from the start and sweeps it."""
        return self.mode is SyncMode.FULL or self.progress_of(obj).read_in_full

    def reads_from_start(self, obj: CrmObject) -> bool:
        """Whether this run reads `obj` in full from its first row, rather
        than going on with an earlier run's read (`go_on_with`)."""
        return self.reads_in_full(obj) and self.progress_of(obj).continues is None

    def seen_mark(self, obj: CrmObject) -> str:
        """What the rows of `obj` this run reads are marked as seen by, and
        its sweep spares: this sync, or the one whose read it goes on with."""
        return self.progress_of(obj).continues or self.job_id

    def go_on_with(self, earlier: SyncJob, obj: CrmObject) -> SyncJob:
        """Go on with `earlier`'s full read of `obj`, which stopped before its
        end, from `earlier`'s last committed page, and sweep at the end."""
        going_on = msgspec.structs.replace(
            self.progress_of(obj),
            read_in_full=True,
            continues=earlier.seen_mark(obj),
            cursor=earlier.progress_of(obj).cursor,
        )
        return self._with(going_on)

    def go_on_with_bulk(self, earlier: SyncJob, obj: CrmObject) -> SyncJob:
        """Go on with the Bulk job `earlier` was reading `obj` with when it
        stopped: fetch the pages it did not store, then read on from there."""
        before = earlier.progress_of(obj)
        going_on = msgspec.structs.replace(
            self.progress_of(obj), bulk=before.bulk, cursor=before.cursor
        )
        return self._with(going_on)

    def mark_bulk(self, obj: CrmObject, mark: BulkMark | None) -> SyncJob:
        """How far `obj`'s Bulk job is stored; None once it is done with."""
        return self._with(msgspec.structs.replace(self.progress_of(obj), bulk=mark))

    def to_abort(self, obj: CrmObject, job_id: str) -> SyncJob:
        """Mark a Bulk job of `obj`'s that no run will read, to abort."""
        progress = self.progress_of(obj)
        if job_id in progress.aborting:
            return self
        aborting = (*progress.aborting, job_id)
        return self._with(msgspec.structs.replace(progress, aborting=aborting))

    def aborted(self, obj: CrmObject, job_id: str) -> SyncJob:
        """The abort of `job_id` is made (or refused): no longer to abort."""
        progress = self.progress_of(obj)
        aborting = tuple(left for left in progress.aborting if left != job_id)
        return self._with(msgspec.structs.replace(progress, aborting=aborting))

    def jobs_to_abort(self) -> list[tuple[CrmObject, str]]:
        """The Bulk jobs, with their objects, this run is still to abort."""
        return [(p.object, job_id) for p in self.progress for job_id in p.aborting]

    def read_in_full(self, objects: frozenset[CrmObject]) -> SyncJob:
        """Read `objects` from the start and sweep them, though incremental."""
        progress = tuple(
            msgspec.structs.replace(p, read_in_full=True) if p.object in objects else p
            for p in self.progress
        )
        return msgspec.structs.replace(self, progress=progress)

    def start(self, *, now: datetime, until: datetime) -> SyncJob:
        if self.state is not SyncState.QUEUED:
            raise IllegalTransition(f"a {self.state.value} sync cannot start")
        return msgspec.structs.replace(
            self, state=SyncState.RUNNING, started_at=now, heartbeat_at=now, until=until
        )

    def record_page(
        self,
        obj: CrmObject,
        *,
        seen: int,
        written: int,
        deleted: int,
        api_calls: int,
        cursor: SyncCursor | None,
        now: datetime,
    ) -> SyncJob:
        current = self.progress_of(obj)
        updated = msgspec.structs.replace(
            current,
            seen=current.seen + seen,
            written=current.written + written,
            deleted=current.deleted + deleted,
            pages=current.pages + 1,
            api_calls=current.api_calls + api_calls,
            cursor=cursor or current.cursor,
        )
        return self._with(updated, heartbeat_at=now)

    def move_cursor(self, obj: CrmObject, cursor: SyncCursor) -> SyncJob:
        """`obj` is stored up to `cursor`, with no page of its own (a Bulk
        job, whose rows come in no order, moves it once all are stored)."""
        return self._with(msgspec.structs.replace(self.progress_of(obj), cursor=cursor))

    def count_calls(self, obj: CrmObject, api_calls: int, now: datetime) -> SyncJob:
        current = self.progress_of(obj)
        updated = msgspec.structs.replace(
            current, api_calls=current.api_calls + api_calls
        )
        return self._with(updated, heartbeat_at=now)

    def count_uncounted(self, made: int, now: datetime) -> SyncJob:
        """`made` calls in all, some never counted (a run stopped between a
        call and the write that counts it): the rest go to the object it was
        reading (the first not done), or, all done, to the last."""
        missing = made - sum(progress.api_calls for progress in self.progress)
        if missing <= 0:
            return self
        reading = self._reading() or self.objects[-1]
        return self.count_calls(reading, missing, now)

    def count_swept(self, obj: CrmObject, swept: int) -> SyncJob:
        """The sweep marked `swept` rows of `obj` deleted."""
        current = self.progress_of(obj)
        updated = msgspec.structs.replace(current, swept=current.swept + swept)
        return self._with(updated)

    def following_up(self) -> SyncJob:
        """The run re-reads the Contacts of Accounts changed since (the
        Account follow-up): the Contact is not done until that ends."""
        contact = self.progress_of(CrmObject.CONTACT)
        return self._with(msgspec.structs.replace(contact, done=False))

    def follow_up_to(self, mark: FollowUpMark) -> SyncJob:
        """The Account follow-up has re-read Contacts up to `mark`."""
        contact = msgspec.structs.replace(
            self.progress_of(CrmObject.CONTACT), follow_up=mark
        )
        return self._with(contact)

    def finish_object(self, obj: CrmObject) -> SyncJob:
        return self._with(msgspec.structs.replace(self.progress_of(obj), done=True))

    def succeed(self, now: datetime) -> SyncJob:
        return self._end(SyncState.SUCCEEDED, now, None)

    def fail(self, problem: Problem, now: datetime) -> SyncJob:
        return self._end(SyncState.FAILED, now, problem)

    def pause(self, problem: Problem, now: datetime) -> SyncJob:
        return self._end(SyncState.PAUSED, now, problem)

    def cancel(self, now: datetime) -> SyncJob:
        return self._end(SyncState.CANCELLED, now, None)

    def request_cancel(self) -> SyncJob:
        if not self.is_active:
            raise IllegalTransition(f"a {self.state.value} sync cannot be cancelled")
        return msgspec.structs.replace(self, cancel_requested=True)

    def _end(self, state: SyncState, now: datetime, problem: Problem | None) -> SyncJob:
        if not self.is_active:
            raise IllegalTransition(f"a {self.state.value} sync has already ended")
        job = self if problem is None else self._stopped_reading(problem)
        # A cancel pending when the job ends otherwise came too late: the
        # flag says whether the job was cancelled, not that one was asked.
        return msgspec.structs.replace(
            job,
            state=state,
            finished_at=now,
            heartbeat_at=now,
            problem=problem,
            cancel_requested=state is SyncState.CANCELLED,
        )

    def _stopped_reading(self, problem: Problem) -> SyncJob:
        """The object a started run was reading when `problem` ended it
        shows it too."""
        reading = self._reading()
        if self.started_at is None or reading is None:
            return self
        progress = self.progress_of(reading)
        return self._with(msgspec.structs.replace(progress, error=problem))

    def _reading(self) -> CrmObject | None:
        """The object the run is reading: the first not done, as a run reads
        its objects in order; None once all are."""
        return next((o for o in self.objects if not self.progress_of(o).done), None)

    def _with(
        self, updated: ObjectProgress, heartbeat_at: datetime | None = None
    ) -> SyncJob:
        progress = tuple(
            updated if p.object is updated.object else p for p in self.progress
        )
        return msgspec.structs.replace(
            self, progress=progress, heartbeat_at=heartbeat_at or self.heartbeat_at
        )
