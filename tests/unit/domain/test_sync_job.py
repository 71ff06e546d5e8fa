"""Sync jobs: ordering of objects, progress per page, and how a job may end."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.crm import CrmObject
from domain.errors import IllegalTransition, InvalidSetting
from domain.problems import Problem
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncMode, SyncState, new_job_id

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def queued(*objects: CrmObject) -> SyncJob:
    return SyncJob.request(
        workspace_id="ws",
        mode=SyncMode.INCREMENTAL,
        objects=objects or None,
        requested_by="alice",
        now=NOW,
    )


def test_objects_always_run_accounts_then_leads_then_contacts() -> None:
    job = queued(CrmObject.CONTACT, CrmObject.ACCOUNT)

    assert job.objects == (CrmObject.ACCOUNT, CrmObject.CONTACT)
    assert queued().objects == (CrmObject.ACCOUNT, CrmObject.LEAD, CrmObject.CONTACT)


def test_repeated_objects_are_refused() -> None:
    with pytest.raises(InvalidSetting):
        queued(CrmObject.LEAD, CrmObject.LEAD)


def test_pages_add_up_and_the_cursor_moves() -> None:
    job = queued(CrmObject.LEAD).start(now=NOW, until=NOW)
    cursor = SyncCursor(modstamp=NOW, record_id="00Q1")

    job = job.record_page(
        CrmObject.LEAD,
        seen=3,
        written=2,
        deleted=1,
        api_calls=1,
        cursor=cursor,
        now=NOW,
    )
    job = job.record_page(
        CrmObject.LEAD, seen=1, written=1, deleted=0, api_calls=1, cursor=None, now=NOW
    )

    progress = job.progress_of(CrmObject.LEAD)
    assert (progress.seen, progress.written, progress.deleted) == (4, 3, 1)
    assert (progress.pages, progress.api_calls) == (2, 2)
    assert progress.cursor == cursor


def test_an_ended_job_cannot_end_again_or_be_cancelled() -> None:
    job = queued().start(now=NOW, until=NOW).succeed(NOW)

    with pytest.raises(IllegalTransition):
        job.fail(Problem(code="x", message="x"), NOW)
    with pytest.raises(IllegalTransition):
        job.request_cancel()
    assert job.state is SyncState.SUCCEEDED


def test_a_silent_running_job_is_stale() -> None:
    job = queued().start(now=NOW, until=NOW)

    assert not job.is_stale(NOW + timedelta(seconds=10), after_seconds=60)
    assert job.is_stale(NOW + timedelta(seconds=61), after_seconds=60)


def test_a_failure_or_pause_shows_on_the_object_being_read() -> None:
    problem = Problem(code="mapping_field_rejected", message="No such column.")
    running = queued().start(now=NOW, until=NOW).finish_object(CrmObject.ACCOUNT)

    for ended in (running.fail(problem, NOW), running.pause(problem, NOW)):
        errors = {p.object: p.error for p in ended.progress}
        assert errors == {
            CrmObject.ACCOUNT: None,
            CrmObject.LEAD: problem,
            CrmObject.CONTACT: None,
        }
    assert all(p.error is None for p in running.cancel(NOW).progress)


def test_a_job_that_never_ran_blames_no_object() -> None:
    problem = Problem(code="sync_not_scheduled", message="Not handed over.")

    ended = queued().fail(problem, NOW)

    assert ended.problem == problem
    assert all(p.error is None for p in ended.progress)


def test_job_ids_made_at_one_moment_grow_in_the_order_they_were_made() -> None:
    ids = [new_job_id(NOW) for _ in range(200)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(job_id).version == 7 for job_id in ids)


def test_a_job_id_carries_its_moment() -> None:
    later = NOW + timedelta(days=400)

    stamped = uuid.UUID(new_job_id(later)).int >> 80

    assert stamped == int(later.timestamp() * 1000)


def test_syncs_requested_at_one_moment_list_newest_first_by_id() -> None:
    jobs = [queued() for _ in range(3)]

    newest_first = sorted(jobs, key=lambda j: (j.created_at, j.job_id), reverse=True)
    assert newest_first == jobs[::-1]


def test_calls_never_counted_go_to_the_object_being_read() -> None:
    running = queued().start(now=NOW, until=NOW).count_calls(CrmObject.ACCOUNT, 2, NOW)
    reading_leads = running.finish_object(CrmObject.ACCOUNT)
    all_done = reading_leads.finish_object(CrmObject.LEAD).finish_object(
        CrmObject.CONTACT
    )

    def calls(job: SyncJob) -> list[int]:
        return [progress.api_calls for progress in job.progress]

    assert calls(reading_leads.count_uncounted(5, NOW)) == [2, 3, 0]
    assert calls(all_done.count_uncounted(5, NOW)) == [2, 0, 3]
    # Nothing missing (or more counted than made): nothing changes.
    assert reading_leads.count_uncounted(2, NOW) == reading_leads
    assert reading_leads.count_uncounted(1, NOW) == reading_leads
