"""RunSync and friends on the in-memory store and the fake org."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from application.errors import (
    ApiError,
    Conflict,
    NotPermitted,
    QuotaExhausted,
    SalesforceUnavailable,
    SyncNotScheduled,
)
from application.sync.describes import DescribeSource
from application.sync.jobs import CancelSync, StartSync
from application.sync.mapping import MappingInvalid, ReplaceFieldMapping
from application.sync.options import SyncOptions
from application.sync.ports import (
    PeopleQuery,
    SyncUnitOfWorkFactory,
)
from application.sync.reads import ListPeople
from domain import problems
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping, PersonRule
from domain.sync import SyncJob, SyncMode, SyncState
from tests.unit.application.conftest import ADMIN, MEMBER
from tests.unit.application.sync_support import (
    ACCOUNT,
    CONTACT,
    LEAD,
    RecordingScheduler,
    SlowCommits,
    Sync,
    after_reading_a_job,
    contact,
    lead,
)
from tests.unit.application.sync_support import sync as sync  # the fixture


class RefusingScheduler(RecordingScheduler):
    def submit(self, workspace_id: str, job_id: str) -> None:
        raise SyncNotScheduled("No space left on device")


async def save_job(uow: SyncUnitOfWorkFactory, job: SyncJob) -> None:
    async with uow() as work:
        await work.sync_jobs.save(job)
        await work.commit()


def mapping_replacer(sync: Sync) -> ReplaceFieldMapping:
    app = sync.app
    uow = app.store.unit_of_work
    describes = DescribeSource(uow, app.session, app.salesforce, app.clock)
    return ReplaceFieldMapping(uow, describes, sync.start)


async def test_a_full_sync_brings_people_and_companies(sync: Sync) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Ünïcode 株式会社 🚀"})
    lead(sync.org, 1, LastName="O'Brien")
    contact(sync.org, 2, account)

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED
    people = sorted(sync.people(), key=lambda p: p.fields["email"] or "")
    assert [p.fields["email"] for p in people] == ["c2@x.example", "l1@x.example"]
    assert people[0].fields["company"] == "Ünïcode 株式会社 🚀"
    assert people[1].fields["last_name"] == "O'Brien"
    assert job.progress_of(ACCOUNT).written == 1
    assert sync.scheduler.submitted == [job.job_id]


async def test_an_unchanged_incremental_run_costs_one_call_per_object(
    sync: Sync,
) -> None:
    for n in range(5):
        lead(sync.org, n)
    await sync.once()
    before = sync.calls()

    job = await sync.once()

    assert sync.calls() - before == 3
    assert all(p.api_calls == 1 for p in job.progress)
    assert all(p.written == 0 for p in job.progress)


async def test_ties_on_systemmodstamp_neither_loop_nor_skip(sync: Sync) -> None:
    sync.org.page_size = 2
    first = [lead(sync.org, n) for n in range(5)]
    await sync.once()
    more = [lead(sync.org, n) for n in range(5, 8)]  # same SystemModstamp

    job = await sync.once()

    ids = sorted(p.lead_id or "" for p in sync.people())
    assert ids == sorted(first + more)
    assert job.progress_of(LEAD).seen == 3
    assert job.progress_of(LEAD).pages == 2


async def test_a_failed_run_resumes_from_the_last_committed_page(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(7)]
    sync.app.salesforce.fail_next(
        "query_more", SalesforceUnavailable("connection reset"), times=1
    )
    original = sync.org.page_size

    failed = await sync.once()
    sync.app.salesforce.record_calls.clear()
    resumed = await sync.once()

    assert failed.state is SyncState.FAILED
    assert failed.progress_of(LEAD).seen == original
    assert resumed.state is SyncState.SUCCEEDED
    assert resumed.progress_of(LEAD).seen == 5
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_converted_lead_and_its_contact_are_one_person(sync: Sync) -> None:
    lead_id = lead(sync.org, 1)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    contact_id = contact(sync.org, 1)
    sync.org.convert_lead(lead_id, contact_id=contact_id)

    await sync.once()

    (person,) = sync.people()
    assert (person.lead_id, person.contact_id) == (lead_id, contact_id)
    assert person.fields["email"] == "c1@x.example"


async def test_a_page_planned_during_a_write_sees_what_it_stores(sync: Sync) -> None:
    """Two Leads converted into one Contact, on consecutive pages: the second
    page is planned while the first is written, and must find its person."""
    sync.org.page_size = 1
    contact_id = contact(sync.org, 1)
    first, second = lead(sync.org, 1), lead(sync.org, 2)
    sync.org.convert_lead(first, contact_id=contact_id)
    sync.org.now += timedelta(seconds=1)
    sync.org.convert_lead(second, contact_id=contact_id)

    job = await sync.once(SyncMode.FULL, uow=SlowCommits(sync.app.store.unit_of_work))

    assert job.state is SyncState.SUCCEEDED, job.problem
    (person,) = sync.people()
    assert (person.lead_id, person.contact_id) == (first, contact_id)
    assert person.merged_leads == {second: False}


async def test_a_full_sync_leaves_rows_changed_after_its_window_alive(
    sync: Sync,
) -> None:
    """A row changed after the run's upper bound is in no page of that run;
    its sweep must not take it for deleted. The next run reads the change."""
    lead_id = lead(sync.org, 1)
    account = sync.org.create(ACCOUNT, {"Name": "Acme"})
    await sync.once(SyncMode.FULL)
    sync.org.now = sync.app.clock.now() + timedelta(minutes=1)
    sync.org.update(LEAD, lead_id, {"Title": "CTO"})
    sync.org.update(ACCOUNT, account, {"Name": "Acme 2"})

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED
    assert [p.lead_id for p in sync.people()] == [lead_id]
    company = await sync.app.store.unit_of_work().companies.get("ws-a", account)
    assert company is not None
    assert not company.deleted
    sync.app.clock.advance(minutes=2)
    await sync.once()
    (person,) = sync.people()
    assert person.fields["job_title"] == "CTO"


async def test_only_changed_people_count_as_updated(sync: Sync) -> None:
    """Readers poll by `updated_at`: a run stamps whom it changed, nobody else."""
    changed, unchanged = lead(sync.org, 1), lead(sync.org, 2)
    await sync.once()
    first_run = sync.app.clock.now()
    sync.app.clock.advance(minutes=5)
    sync.org.now += timedelta(minutes=1)
    sync.org.update(LEAD, changed, {"Title": "CTO"})

    await sync.once()

    stamps = {p.lead_id: p.updated_at for p in sync.people()}
    assert stamps == {changed: sync.app.clock.now(), unchanged: first_run}


async def test_deleted_rows_are_marked_and_a_full_sync_sweeps_purged_ones(
    sync: Sync,
) -> None:
    kept, deleted, purged = (lead(sync.org, n) for n in range(3))
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.delete(LEAD, deleted)
    del sync.org.rows[LEAD][purged]

    await sync.once()
    after_incremental = {p.lead_id for p in sync.people()}
    await sync.once(SyncMode.FULL)

    assert after_incremental == {kept, purged}
    assert {p.lead_id for p in sync.people()} == {kept}


async def test_the_quota_reserve_pauses_the_run(sync: Sync) -> None:
    lead(sync.org, 1)
    sync.app.salesforce.api_used = 12_001

    job = await sync.once()

    assert job.state is SyncState.PAUSED
    assert job.problem is not None
    assert job.problem.code == "api_quota_reserve_reached"
    assert "incremental sync goes on from its last committed page" in (
        job.problem.hint or ""
    )


async def test_a_paused_full_sync_says_a_new_full_sync_starts_over(
    sync: Sync,
) -> None:
    lead(sync.org, 1)
    sync.app.salesforce.api_used = 12_001

    job = await sync.once(SyncMode.FULL)

    assert job.problem is not None
    assert "starts over" in (job.problem.hint or "")
    assert "last committed page" not in (job.problem.hint or "")


async def test_request_limit_exceeded_pauses_without_retrying(sync: Sync) -> None:
    lead(sync.org, 1)
    exhausted = QuotaExhausted(
        "TotalRequests Limit exceeded.", error_code="REQUEST_LIMIT_EXCEEDED", status=403
    )
    attempts = 0

    async def exhausted_query(*_: object, **__: object) -> None:
        nonlocal attempts
        attempts += 1
        raise exhausted

    sync.app.salesforce.query = exhausted_query  # type: ignore[method-assign,assignment]

    job = await sync.once()

    assert job.state is SyncState.PAUSED
    assert job.problem is not None
    assert job.problem.code == "api_quota_exhausted"
    assert attempts == 1


async def test_an_expired_session_refreshes_once_and_continues(sync: Sync) -> None:
    sync.org.page_size = 1
    for n in range(3):
        lead(sync.org, n)
    sync.app.salesforce.expire_access_tokens()

    job = await sync.once()

    assert job.state is SyncState.SUCCEEDED
    assert sync.app.salesforce.refresh_calls == 1
    assert len(sync.people()) == 3


async def test_a_rejected_field_fails_naming_it(sync: Sync) -> None:
    rejected = ApiError(
        "No such column 'Rating__c'",
        error_code="INVALID_FIELD",
        status=400,
        fields=("Rating__c",),
    )
    sync.app.salesforce.fail_next("query", rejected)

    job = await sync.once()

    assert job.state is SyncState.FAILED
    assert job.problem is not None
    assert job.problem.code == "mapping_field_rejected"
    assert "Rating__c" in job.problem.message


async def test_large_objects_continue_in_bulk(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(9)]

    job = await sync.once(bulk_threshold=4, bulk_page_size=3, bulk_poll_seconds=0)

    assert job.state is SyncState.SUCCEEDED
    assert sync.app.salesforce.record_calls["start_bulk_query"] == 1
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
    assert job.progress_of(LEAD).seen == 9


async def test_an_account_rename_reaches_its_contacts(sync: Sync) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Old Name"})
    contact(sync.org, 1, account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, account, {"Name": "New Name"})

    await sync.once()

    (person,) = sync.people()
    assert person.fields["company"] == "New Name"


async def test_contacts_read_in_the_run_are_not_read_again_for_their_account(
    sync: Sync,
) -> None:
    """New Accounts with new Contacts: the run's Contact window reads them
    with the new Account values; the Account follow-up must not read them
    again (nor count them twice)."""
    old_account = sync.org.create(ACCOUNT, {"Name": "Old"})
    contact(sync.org, 0, old_account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, old_account, {"Name": "Renamed"})
    account = sync.org.create(ACCOUNT, {"Name": "New"})
    for n in range(1, 4):
        contact(sync.org, n, account)

    job = await sync.once()

    assert job.progress_of(CONTACT).seen == 3 + 1  # the window's, the rename's
    companies = sorted(str(p.fields["company"]) for p in sync.people())
    assert companies == ["New", "New", "New", "Renamed"]


async def test_one_sync_at_a_time(sync: Sync) -> None:
    await sync.start.execute(StartSync.Command(actor=ADMIN))

    with pytest.raises(Conflict):
        await sync.start.execute(StartSync.Command(actor=ADMIN))


async def test_a_silent_job_does_not_block_a_new_one(sync: Sync) -> None:
    stale = await sync.start.execute(StartSync.Command(actor=ADMIN))
    sync.app.clock.advance(hours=1)

    fresh = await sync.start.execute(StartSync.Command(actor=ADMIN))

    assert fresh.job_id != stale.job_id


async def test_a_job_no_runner_takes_ends_failed_instead_of_queued(
    sync: Sync,
) -> None:
    refusing = StartSync(
        sync.app.store.unit_of_work, RefusingScheduler(), sync.app.clock, SyncOptions()
    )

    with pytest.raises(SyncNotScheduled) as refused:
        await refusing.execute(StartSync.Command(actor=ADMIN))
    next_one = await sync.start.execute(StartSync.Command(actor=ADMIN))

    jobs = sync.app.store.sync_jobs.values()
    [failed] = [job for job in jobs if job.job_id != next_one.job_id]
    assert failed.state is SyncState.FAILED
    assert failed.problem == refused.value.problem
    assert "No space left on device" in refused.value.message
    assert next_one.state is SyncState.QUEUED


async def test_members_cannot_start_syncs(sync: Sync) -> None:
    with pytest.raises(NotPermitted):
        await sync.start.execute(StartSync.Command(actor=MEMBER))


async def test_a_cancelled_queued_job_never_runs(sync: Sync) -> None:
    lead(sync.org, 1)
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)

    cancelled = await cancel.execute(ADMIN, job.job_id)
    ran = await sync.run.execute(job.workspace_id, job.job_id)

    assert cancelled.state is SyncState.CANCELLED
    assert ran is None
    assert sync.people() == []


async def test_an_invalid_mapping_is_refused_whole(sync: Sync) -> None:
    app = sync.app
    replace = mapping_replacer(sync)
    broken = FieldMapping(
        people=(
            PersonRule(target="email", lead="Emial", contact="Email"),
            PersonRule(target="street", lead="Address"),
        )
    )

    with pytest.raises(MappingInvalid) as caught:
        await replace.execute(ReplaceFieldMapping.Command(actor=ADMIN, mapping=broken))

    assert [v.code for v in caught.value.violations] == [
        "unknown_field",
        "compound_field",
    ]
    assert caught.value.message.startswith("the mapping has 2 problems; first: ")
    async with app.store.unit_of_work() as uow:
        assert await uow.mappings.get("ws-a") is None


async def test_a_mapping_change_can_queue_a_resync(sync: Sync) -> None:
    replace = mapping_replacer(sync)
    fewer = FieldMapping(
        people=DEFAULT_MAPPING.people[:3], companies=DEFAULT_MAPPING.companies
    )

    result = await replace.execute(
        ReplaceFieldMapping.Command(actor=ADMIN, mapping=fewer, resync=True)
    )

    assert result.resync is not None
    assert result.resync.mode is SyncMode.FULL
    assert result.resync.objects == (LEAD, CONTACT)


async def test_people_page_without_repeats(sync: Sync) -> None:
    for n in range(7):
        lead(sync.org, n)
    await sync.once()
    reader = ListPeople(sync.app.store.unit_of_work)

    seen: list[str] = []
    cursor = None
    while True:
        page = await reader.execute(MEMBER, PeopleQuery(limit=3), cursor)
        seen.extend(p.person_id for p in page.items)  # type: ignore[union-attr]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 7


async def test_bulk_status_polls_count_as_calls_and_beat_the_heart(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    sync.org.bulk_polls = 3
    for n in range(6):
        lead(sync.org, n)

    job = await sync.once(bulk_threshold=3, bulk_page_size=10, bulk_poll_seconds=0)

    progress = job.progress_of(LEAD)
    # 1 query page, describes of 3 objects, 1 job, 4 polls, 1 result page.
    assert progress.api_calls == 1 + 3 + 1 + 4 + 1
    assert job.state is SyncState.SUCCEEDED


async def test_a_cancel_reaches_a_run_waiting_for_its_bulk_job(sync: Sync) -> None:
    sync.org.page_size = 2
    sync.org.bulk_polls = 1000
    for n in range(6):
        lead(sync.org, n)
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    runner = sync.runner(bulk_threshold=3, bulk_poll_seconds=0)
    original = sync.app.salesforce.bulk_query_state
    polls = 0

    async def poll_then_cancel(tokens: Any, job_id: str) -> str:
        nonlocal polls
        polls += 1
        if polls == 2:
            await cancel.execute(ADMIN, job.job_id)
        return await original(tokens, job_id)

    sync.app.salesforce.bulk_query_state = poll_then_cancel  # type: ignore[method-assign]

    finished = await runner.execute(job.workspace_id, job.job_id)

    assert finished is not None
    assert finished.state is SyncState.CANCELLED
    assert polls == 2


async def test_cancelling_a_dead_running_job_ends_it_at_once(sync: Sync) -> None:
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    async with sync.app.store.unit_of_work() as uow:
        now = sync.app.clock.now()
        await uow.sync_jobs.save(job.start(now=now, until=now))
        await uow.commit()
    sync.app.clock.advance(hours=1)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)

    cancelled = await cancel.execute(ADMIN, job.job_id)
    fresh = await sync.start.execute(StartSync.Command(actor=ADMIN))

    assert cancelled.state is SyncState.CANCELLED
    assert fresh.job_id != job.job_id


async def test_a_cancel_sent_while_a_page_is_written_stops_the_next_page(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    for n in range(6):
        lead(sync.org, n)
    only_leads = StartSync.Command(actor=ADMIN, objects=(LEAD,))
    job = await sync.start.execute(only_leads)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    cancels: list[asyncio.Task[SyncJob]] = []

    async def cancel_once(seen: SyncJob) -> None:
        # Not awaited: the page holds the job until it commits.
        if seen.state is SyncState.RUNNING and not cancels:
            cancels.append(asyncio.create_task(cancel.execute(ADMIN, job.job_id)))
            for _ in range(20):
                await asyncio.sleep(0)

    runner = sync.runner(after_reading_a_job(sync.app.store.unit_of_work, cancel_once))

    finished = await runner.execute(job.workspace_id, job.job_id)

    answer = await cancels[0]
    assert answer.state is SyncState.RUNNING
    assert answer.progress_of(LEAD).pages == 1
    assert finished is not None
    assert finished.state is SyncState.CANCELLED
    assert finished.progress_of(LEAD).pages == 1
    assert finished.progress_of(LEAD).written == 2


async def test_a_run_whose_job_was_ended_meanwhile_writes_nothing(
    sync: Sync,
) -> None:
    for n in range(3):
        lead(sync.org, n)
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    original = sync.app.salesforce.query
    ended: list[SyncJob] = []

    async def end_the_job_first(tokens: Any, soql: str, **options: Any) -> Any:
        if not ended:
            async with sync.app.store.unit_of_work() as uow:
                stored = await uow.sync_jobs.get(job.workspace_id, job.job_id)
                assert stored is not None
                ended.append(stored.fail(problems.rate_limited(), sync.app.clock.now()))
                await uow.sync_jobs.save(ended[0])
                await uow.commit()
        return await original(tokens, soql, **options)

    sync.app.salesforce.query = end_the_job_first  # type: ignore[method-assign]

    finished = await sync.run.execute(job.workspace_id, job.job_id)

    assert finished == ended[0]
    assert sync.people() == []


async def test_a_run_ending_while_a_cancel_is_in_flight_stays_ended(
    sync: Sync,
) -> None:
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    now = sync.app.clock.now()
    running = job.start(now=now, until=now)
    await save_job(sync.app.store.unit_of_work, running)
    ending: list[asyncio.Task[None]] = []

    async def end_the_run(seen: SyncJob) -> None:
        if not ending:
            done = running.succeed(now)
            ending.append(
                asyncio.create_task(save_job(sync.app.store.unit_of_work, done))
            )
            for _ in range(20):
                await asyncio.sleep(0)

    uow = after_reading_a_job(sync.app.store.unit_of_work, end_the_run)
    cancel = CancelSync(uow, sync.scheduler, sync.app.clock)

    await cancel.execute(ADMIN, job.job_id)
    await asyncio.gather(*ending)
    fresh = await sync.start.execute(StartSync.Command(actor=ADMIN))

    async with sync.app.store.unit_of_work() as reading:
        stored = await reading.sync_jobs.get(job.workspace_id, job.job_id)
    assert stored is not None
    assert stored.state is SyncState.SUCCEEDED
    assert stored.finished_at == now
    assert fresh.job_id != job.job_id


async def test_a_mapping_with_resync_during_a_sync_changes_nothing(
    sync: Sync,
) -> None:
    app = sync.app
    await sync.start.execute(StartSync.Command(actor=ADMIN))
    replace = mapping_replacer(sync)
    fewer = FieldMapping(people=DEFAULT_MAPPING.people[:3])

    with pytest.raises(Conflict):
        await replace.execute(
            ReplaceFieldMapping.Command(actor=ADMIN, mapping=fewer, resync=True)
        )

    async with app.store.unit_of_work() as uow:
        assert await uow.mappings.get("ws-a") is None


def test_callback_error_text_is_cleaned() -> None:
    from domain.problems import problem_for_callback_error

    problem = problem_for_callback_error(
        "x\r\nSet-Cookie: a=1", "<script>" + "\n" * 3 + "y" * 5000
    )

    assert "\n" not in problem.message
    assert "\r" not in problem.message
    assert len(problem.message) < 500


async def test_a_forged_cursor_is_invalid_input(sync: Sync) -> None:
    from application.errors import InvalidInput

    reader = ListPeople(sync.app.store.unit_of_work)
    forged = (
        "2026-01-01T00:00:00|a",
        "2026-12-04T22:31:17.323790+00:00|person-001",
        "0001-01-01T00:00:00+14:00|x",
        "nope",
        "nope+",
    )
    for cursor in forged:
        with pytest.raises(InvalidInput) as caught:
            await reader.execute(MEMBER, PeopleQuery(), cursor)
        assert caught.value.field == "cursor"


async def test_an_expired_query_cursor_is_asked_again_from_the_last_page(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(7)]
    query_more = sync.app.salesforce.query_more
    pages = 0

    async def expiring(tokens: Any, next_records_url: str) -> Any:
        nonlocal pages
        pages += 1
        if pages == 2:
            sync.org.expire_query_cursors()
        return await query_more(tokens, next_records_url)

    sync.app.salesforce.query_more = expiring  # type: ignore[method-assign]

    job = await sync.once()

    assert job.state is SyncState.SUCCEEDED
    assert job.progress_of(LEAD).seen == 7
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
