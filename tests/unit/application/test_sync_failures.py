"""RunSync when Salesforce fails, refuses a field or runs short of quota."""

from __future__ import annotations

from application.errors import ApiError, QuotaExhausted, SalesforceUnavailable
from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import ACCOUNT, CONTACT, LEAD, Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


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
