"""Which objects an incremental sync reads in full, and from where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.crm import CrmObject
from domain.full_reads import bulk_jobs_left, choose_full_reads, last_of_each_found
from domain.soql import SyncCursor
from domain.sync import TRUSTED_GAP, BulkMark, SyncJob, SyncMode

NOW = datetime(2026, 12, 1, tzinfo=UTC)
LEAD, CONTACT = CrmObject.LEAD, CrmObject.CONTACT
AT = SyncCursor(modstamp=NOW - timedelta(days=1), record_id="00Q000000000001AAA")


def queued(*objects: CrmObject, mode: SyncMode = SyncMode.INCREMENTAL) -> SyncJob:
    return SyncJob.request(
        workspace_id="ws",
        mode=mode,
        objects=objects or (LEAD, CONTACT),
        requested_by="alice",
        now=NOW,
    )


def started(mode: SyncMode = SyncMode.INCREMENTAL) -> SyncJob:
    return queued(mode=mode).start(now=NOW, until=NOW)


def stopped_in_leads(mode: SyncMode = SyncMode.FULL) -> SyncJob:
    """A full read that stored one page of Leads, then paused."""
    job = started(mode)
    return job.record_page(
        LEAD, seen=1, written=1, deleted=0, api_calls=1, cursor=AT, now=NOW
    )


def test_a_stopped_full_read_goes_on_from_its_cursor_under_its_mark() -> None:
    before = stopped_in_leads()

    job = choose_full_reads(started(), [before], {LEAD: AT}, {})

    leads = job.progress_of(LEAD)
    assert leads.read_in_full
    assert leads.continues == before.job_id
    assert leads.cursor == AT
    assert job.seen_mark(LEAD) == before.job_id
    assert not job.reads_from_start(LEAD)
    # Contacts: that read never began them, so nothing goes on there.
    assert not job.progress_of(CONTACT).read_in_full
    assert job.seen_mark(CONTACT) == job.job_id


def test_a_read_that_went_on_passes_the_first_ones_mark_along() -> None:
    first = stopped_in_leads()
    second = choose_full_reads(started(), [first], {LEAD: AT}, {})

    third = choose_full_reads(started(), [second, first], {LEAD: AT}, {})

    assert third.progress_of(LEAD).continues == first.job_id


def test_no_going_on_when_the_cursor_moved_or_went_or_the_read_ended() -> None:
    before = stopped_in_leads()
    moved = SyncCursor(modstamp=NOW, record_id="00Q000000000009AAA")
    ended = before.finish_object(LEAD)

    incremental = stopped_in_leads(SyncMode.INCREMENTAL)

    for earlier, cursor in (
        (before, moved),
        (before, None),
        (ended, AT),
        (incremental, AT),
    ):
        job = choose_full_reads(started(), [earlier], {LEAD: cursor}, {})

        assert not job.progress_of(LEAD).read_in_full
        assert job.progress_of(LEAD).continues is None


def test_an_object_last_read_through_too_long_ago_is_read_from_the_start() -> None:
    long_ago = NOW - TRUSTED_GAP - timedelta(hours=1)
    recent = NOW - TRUSTED_GAP + timedelta(hours=1)

    job = choose_full_reads(started(), [], {}, {LEAD: long_ago, CONTACT: recent})

    assert job.progress_of(LEAD).read_in_full
    assert job.reads_from_start(LEAD)
    assert not job.progress_of(CONTACT).read_in_full


def test_a_stopped_read_goes_on_whatever_the_objects_last_complete_read() -> None:
    before = stopped_in_leads()
    long_ago = NOW - TRUSTED_GAP - timedelta(days=1)

    job = choose_full_reads(started(), [before], {LEAD: AT}, {LEAD: long_ago})

    assert job.progress_of(LEAD).continues == before.job_id
    assert not job.reads_from_start(LEAD)


def test_syncs_of_other_objects_between_do_not_end_a_stopped_read() -> None:
    before = stopped_in_leads()
    contacts_only = queued(CONTACT).start(now=NOW, until=NOW)

    job = choose_full_reads(started(), [contacts_only, before], {LEAD: AT}, {})

    assert job.progress_of(LEAD).continues == before.job_id
    assert job.progress_of(CONTACT).continues is None


def test_only_the_last_sync_of_an_object_may_be_gone_on_with() -> None:
    older = stopped_in_leads()
    newer = started().finish_object(LEAD)

    job = choose_full_reads(started(), [newer, older], {LEAD: AT}, {})

    assert job.progress_of(LEAD).continues is None


def test_a_sync_cancelled_before_it_started_does_not_hide_a_stopped_read() -> None:
    before = stopped_in_leads()
    never_ran = queued(LEAD)

    job = choose_full_reads(started(), [never_ran, before], {LEAD: AT}, {})

    assert job.progress_of(LEAD).continues == before.job_id
    assert not last_of_each_found([LEAD], [never_ran])
    assert last_of_each_found([LEAD], [never_ran, before])


def test_a_full_sync_that_stored_none_of_the_object_does_not_end_its_read() -> None:
    """helper-124: a second full sync, cancelled while it read Accounts,
    hid the first one's unfinished read of Leads, so the next incremental
    read on from the cursor without the sweep."""
    before = stopped_in_leads()
    cancelled = started(SyncMode.FULL)
    waiting = BulkMark(job_id="750WAIT", after=None, fields=("Id",))
    started_a_job = started(SyncMode.FULL).mark_bulk(LEAD, waiting)

    for between in (cancelled, started_a_job):
        job = choose_full_reads(started(), [between, before], {LEAD: AT}, {})

        assert job.progress_of(LEAD).continues == before.job_id
        assert job.progress_of(LEAD).read_in_full
        assert not last_of_each_found([LEAD], [between])
        assert last_of_each_found([LEAD], [between, before])
    going_on = choose_full_reads(started(), [started_a_job, before], {LEAD: AT}, {})
    assert bulk_jobs_left(going_on, [started_a_job, before]) == [(LEAD, "750WAIT")]


def test_a_full_sync_that_stored_some_of_the_object_ends_the_read_before() -> None:
    before = stopped_in_leads()
    other = SyncCursor(modstamp=NOW, record_id="00Q000000000009AAA")
    stored = started(SyncMode.FULL).record_page(
        LEAD, seen=1, written=1, deleted=0, api_calls=1, cursor=other, now=NOW
    )
    finished = started(SyncMode.FULL).finish_object(LEAD)

    for between, cursor in ((stored, AT), (finished, AT), (stored, other)):
        job = choose_full_reads(started(), [between, before], {LEAD: cursor}, {})

        assert job.progress_of(LEAD).continues != before.job_id
    assert last_of_each_found([LEAD], [stored])


def test_a_stopped_bulk_job_is_gone_on_with_while_the_cursor_is_its_start() -> None:
    mark = BulkMark(job_id="750JOB", after=AT, fields=("Id",), locator="2")
    before = stopped_in_leads(SyncMode.INCREMENTAL).mark_bulk(LEAD, mark)
    moved = SyncCursor(modstamp=NOW, record_id="00Q000000000009AAA")
    a_month_ago = {LEAD: NOW - TRUSTED_GAP - timedelta(days=16)}

    going_on = choose_full_reads(started(), [before], {LEAD: AT}, {})

    assert going_on.progress_of(LEAD).bulk == mark
    assert going_on.progress_of(LEAD).cursor == AT
    assert going_on.progress_of(CONTACT).bulk is None
    for earlier, cursor, read_through in (
        (before, moved, {}),  # read on since
        (before.finish_object(LEAD), AT, {}),  # the job was stored whole
        (before, AT, a_month_ago),  # read from the start instead
    ):
        job = choose_full_reads(started(), [earlier], {LEAD: cursor}, read_through)

        assert job.progress_of(LEAD).bulk is None


def test_a_bulk_job_not_gone_on_with_is_left_unless_results_came_from_it() -> None:
    waiting = BulkMark(job_id="750WAIT", after=AT, fields=("Id",))
    before = stopped_in_leads(SyncMode.INCREMENTAL).mark_bulk(LEAD, waiting)
    a_month_ago = {LEAD: NOW - TRUSTED_GAP - timedelta(days=16)}
    from_start = choose_full_reads(started(), [before], {LEAD: AT}, a_month_ago)
    going_on = choose_full_reads(started(), [before], {LEAD: AT}, {})
    paged = before.mark_bulk(
        LEAD, BulkMark(job_id="750DONE", after=AT, fields=("Id",), locator="2")
    )

    assert bulk_jobs_left(started(SyncMode.FULL), [before]) == [(LEAD, "750WAIT")]
    assert bulk_jobs_left(from_start, [before]) == [(LEAD, "750WAIT")]
    assert bulk_jobs_left(going_on, [before]) == []
    assert bulk_jobs_left(started(SyncMode.FULL), [paged]) == []


def test_jobs_the_last_sync_was_to_abort_are_left_to_the_next() -> None:
    """It stopped (the quota reserve, a cancel) before it made the aborts;
    one is left even to a run that goes on with another job of the object."""
    stopped = started(SyncMode.FULL).to_abort(LEAD, "750A").to_abort(LEAD, "750B")
    aborted = stopped.aborted(LEAD, "750A")
    waiting = BulkMark(job_id="750WAIT", after=AT, fields=("Id",))
    going_on = started().mark_bulk(LEAD, waiting)
    both = [(LEAD, "750A"), (LEAD, "750B")]

    assert bulk_jobs_left(started(SyncMode.FULL), [stopped]) == both
    assert bulk_jobs_left(started(), [stopped]) == both
    assert bulk_jobs_left(going_on, [stopped]) == both
    assert bulk_jobs_left(started(SyncMode.FULL), [aborted]) == [(LEAD, "750B")]
    assert stopped.to_abort(LEAD, "750A") == stopped
