"""RunSync when Salesforce fails, refuses a field or runs short of quota."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from application.errors import ApiError, QuotaExhausted, SalesforceUnavailable
from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import ACCOUNT, CONTACT, LEAD, Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture

# 2 Leads by REST, then a Bulk job polled for at most 5 ms.
BULK: dict[str, Any] = {
    "bulk_threshold": 4,
    "bulk_poll_seconds": 0.001,
    "bulk_timeout_seconds": 0.005,
}


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
    assert failed.problem is not None
    assert failed.progress_of(LEAD).error == failed.problem
    assert failed.progress_of(ACCOUNT).error is None  # read before the Leads
    assert failed.progress_of(CONTACT).error is None  # never reached
    assert resumed.progress_of(LEAD).error is None
    assert resumed.state is SyncState.SUCCEEDED
    assert resumed.progress_of(LEAD).seen == 5
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


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


async def test_a_paused_full_sync_says_what_each_kind_of_sync_does_next(
    sync: Sync,
) -> None:
    lead(sync.org, 1)
    sync.app.salesforce.api_used = 12_001

    job = await sync.once(SyncMode.FULL)

    assert job.problem is not None
    assert "a new full sync starts over" in (job.problem.hint or "")
    assert (
        "a new incremental sync goes on from its last committed page and "
        "ends it as a full sync would" in (job.problem.hint or "")
    )


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


async def run_past_the_reserve_going_on_in_bulk(sync: Sync, *, stale: bool) -> None:
    """A Lead sync whose Bulk job outlasted its wait, then the org's usage
    past the reserve (80%) and, if `stale`, its describes past their TTL."""
    sync.org.page_size = 2
    for n in range(12):
        lead(sync.org, n)
    sync.org.bulk_polls = 1_000_000
    timed_out = await sync.once(objects=(LEAD,), **BULK)
    assert timed_out.progress_of(LEAD).bulk is not None
    sync.app.clock.advance(seconds=2 * 86_400 if stale else 1)
    salesforce = sync.app.salesforce
    salesforce.api_used = int(salesforce.api_max * 0.9)
    salesforce.record_calls.clear()


@pytest.mark.parametrize(
    ("stale", "first_call"), [(False, "bulk_query_state"), (True, "describe")]
)
async def test_a_run_past_the_reserve_learns_it_from_any_first_call(
    sync: Sync, stale: bool, first_call: str
) -> None:
    """A status poll's or a describe's answer tells the usage, as a page's
    does: the run spends that one call, then pauses."""
    await run_past_the_reserve_going_on_in_bulk(sync, stale=stale)

    paused = await sync.once(objects=(LEAD,), **BULK)

    assert paused.state is SyncState.PAUSED
    assert paused.problem is not None
    assert paused.problem.code == "api_quota_reserve_reached"
    assert dict(sync.app.salesforce.record_calls) == {first_call: 1}


async def test_a_job_given_up_on_at_the_reserve_is_kept_for_a_later_run(
    sync: Sync,
) -> None:
    """Its abort is refused, so a later run finds the job, to read it if it
    has finished by then, or else to abort it."""
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    sync.org.bulk_polls = 1_000_000
    no_wait = BULK | {"bulk_timeout_seconds": 0}
    timed_out = await sync.once(objects=(LEAD,), **no_wait)
    mark = timed_out.progress_of(LEAD).bulk
    assert mark is not None
    salesforce = sync.app.salesforce
    poll = salesforce.bulk_query_state

    async def others_reach_the_reserve(*args: Any) -> str:
        state = await poll(*args)
        salesforce.api_used = 13_500
        return state

    salesforce.bulk_query_state = others_reach_the_reserve  # type: ignore[method-assign,assignment]
    sync.app.clock.advance(seconds=1)
    salesforce.record_calls.clear()

    paused = await sync.once(objects=(LEAD,), **no_wait)

    assert paused.state is SyncState.PAUSED
    assert paused.problem is not None
    assert paused.problem.code == "api_quota_reserve_reached"
    assert paused.progress_of(LEAD).bulk == mark
    assert dict(salesforce.record_calls) == {"bulk_query_state": 1}
    salesforce.bulk_query_state = poll  # type: ignore[method-assign]
    salesforce.api_used = 10
    sync.app.clock.advance(seconds=1)
    given_up = await sync.once(objects=(LEAD,), **no_wait)
    assert given_up.state is SyncState.FAILED
    assert given_up.progress_of(LEAD).bulk is None
    assert sync.org.bulk_query_state(mark.job_id) == "Aborted"
    sync.org.bulk_polls = 0
    sync.app.clock.advance(seconds=1)
    assert (await sync.once(objects=(LEAD,), **BULK)).state is SyncState.SUCCEEDED
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_job_of_other_fields_is_kept_if_the_reserve_forbids_its_abort(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    for n in range(12):
        lead(sync.org, n)
    sync.org.bulk_polls = 1_000_000
    timed_out = await sync.once(objects=(LEAD,), **BULK)
    mark = timed_out.progress_of(LEAD).bulk
    assert mark is not None
    # As if the mapping had changed since: the job selected other fields.
    other = timed_out.mark_bulk(LEAD, msgspec.structs.replace(mark, fields=("Id",)))
    async with sync.app.store.unit_of_work() as uow:
        await uow.sync_jobs.save(other, expected=SyncState.FAILED)
        await uow.commit()
    salesforce = sync.app.salesforce
    query = salesforce.query

    async def others_reach_the_reserve(*args: Any, **options: Any) -> Any:
        page = await query(*args, **options)
        salesforce.api_used = 13_500
        return page

    salesforce.query = others_reach_the_reserve  # type: ignore[method-assign]
    sync.app.clock.advance(seconds=1)
    salesforce.record_calls.clear()

    paused = await sync.once(objects=(ACCOUNT, LEAD), **BULK)

    assert paused.state is SyncState.PAUSED
    assert dict(salesforce.record_calls) == {"query": 1}  # the Accounts'
    assert paused.progress_of(LEAD).bulk == other.progress_of(LEAD).bulk
    assert sync.org.bulk_query_state(mark.job_id) == "InProgress"
