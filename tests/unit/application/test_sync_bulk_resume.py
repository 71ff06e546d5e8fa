"""RunSync going on with the Bulk job a stopped run left, instead of reading
its rows again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from application.errors import ApiError, QuotaExhausted, SalesforceUnavailable
from application.sync.bulk import GIVEN_UP, TIMED_OUT
from domain.sync import BulkMark, SyncJob, SyncMode, SyncState
from tests.unit.application.sync_support import LEAD, Sync, lead, of_other_fields
from tests.unit.application.sync_support import sync as sync  # the fixture

# 2 rows by REST, then a Bulk job whose results come 3 rows a page.
BULK: dict[str, Any] = {
    "bulk_threshold": 4,
    "bulk_page_size": 3,
    "bulk_poll_seconds": 0,
}
# Waits that a job still in progress outlasts.
NEVER_FINISHED = {"bulk_poll_seconds": 0.001, "bulk_timeout_seconds": 0.005}


async def stopped_at_second_results_page(
    sync: Sync, mode: SyncMode = SyncMode.INCREMENTAL
) -> SyncJob:
    """A run whose Bulk read fails fetching its job's second results page,
    after the first is stored."""
    original = sync.app.salesforce.bulk_results
    asked = 0

    async def fails_second(*args: Any, **kwargs: Any) -> Any:
        nonlocal asked
        asked += 1
        if asked == 2:
            raise SalesforceUnavailable("connection reset")
        return await original(*args, **kwargs)

    sync.app.salesforce.bulk_results = fails_second  # type: ignore[method-assign]
    try:
        return await sync.once(mode, **BULK)
    finally:
        sync.app.salesforce.bulk_results = original  # type: ignore[method-assign]


async def timed_out_in_bulk(sync: Sync) -> tuple[list[str], SyncJob, BulkMark]:
    """12 Leads, and a run whose Bulk job never finished in its wait; the
    clock is then a second on, and new jobs finish at once."""
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    sync.org.bulk_polls = 1_000_000
    timed_out = await sync.once(**BULK | NEVER_FINISHED)
    mark = timed_out.progress_of(LEAD).bulk
    assert mark is not None
    assert not mark.results_stored
    sync.app.clock.advance(seconds=1)
    sync.org.bulk_polls = 0
    return ids, timed_out, mark


async def test_the_next_sync_fetches_only_the_pages_left(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]

    stopped = await stopped_at_second_results_page(sync)
    sync.app.salesforce.record_calls.clear()
    resumed = await sync.once(**BULK)

    assert stopped.state is SyncState.FAILED
    mark = stopped.progress_of(LEAD).bulk
    assert mark is not None
    # The first page (3 rows) is stored: the second is next.
    assert (mark.locator, mark.complete) == ("fake-3", False)
    calls = sync.app.salesforce.record_calls
    assert resumed.state is SyncState.SUCCEEDED
    assert calls["start_bulk_query"] == 0
    # The job's state, then its 3 pages left of 4 (3 + 3 + 1 rows).
    assert (calls["bulk_query_state"], calls["bulk_results"]) == (1, 3)
    assert resumed.progress_of(LEAD).seen == 7
    assert resumed.progress_of(LEAD).bulk is None
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
    stored = sync.app.store.cursors[(resumed.workspace_id, LEAD)]
    assert stored.record_id == max(ids)
    assert resumed.progress_of(LEAD).cursor == stored


def forgotten(sync: Sync) -> None:
    """Salesforce no longer has the job: its id answers 404."""
    sync.org.forget_bulk_jobs()


def locator_refused(sync: Sync) -> None:
    refused = ApiError("invalid locator", error_code="INVALIDLOCATOR", status=400)
    sync.app.salesforce.fail_next("bulk_results", refused)


@pytest.mark.parametrize("gone", [forgotten, locator_refused])
async def test_a_job_salesforce_no_longer_serves_is_read_again(
    sync: Sync, gone: Callable[[Sync], None]
) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    await stopped_at_second_results_page(sync)
    gone(sync)
    sync.app.salesforce.record_calls.clear()

    resumed = await sync.once(**BULK)

    calls = sync.app.salesforce.record_calls
    assert resumed.state is SyncState.SUCCEEDED
    assert calls["start_bulk_query"] == 1
    assert resumed.progress_of(LEAD).bulk is None
    # Every call counts, the refused one too (the fake records a scripted
    # failure nowhere).
    made = sum(calls.values()) + (gone is locator_refused)
    others = [p.api_calls for p in resumed.progress if p.object is not LEAD]
    assert others == [1, 1]  # Accounts and Contacts: one empty page each
    assert resumed.progress_of(LEAD).api_calls == made - sum(others)
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_full_sync_starts_over_with_a_job_of_its_own(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    await stopped_at_second_results_page(sync, SyncMode.FULL)
    sync.app.salesforce.record_calls.clear()

    again = await sync.once(SyncMode.FULL, **BULK)

    assert again.state is SyncState.SUCCEEDED
    assert sync.app.salesforce.record_calls["start_bulk_query"] == 1
    # Results were stored from the stopped one: it had finished.
    assert sync.app.salesforce.record_calls["abort_bulk_query"] == 0
    assert again.progress_of(LEAD).seen == 12
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_full_sync_aborts_an_unfinished_job_it_does_not_go_on_with(
    sync: Sync,
) -> None:
    ids, _, mark = await timed_out_in_bulk(sync)
    calls = sync.app.salesforce.record_calls
    calls.clear()

    full = await sync.once(SyncMode.FULL, **BULK)

    assert full.state is SyncState.SUCCEEDED
    assert (calls["abort_bulk_query"], calls["start_bulk_query"]) == (1, 1)
    assert sync.org.bulk_query_state(mark.job_id) == "Aborted"
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
    # The abort is counted with the calls.
    assert sum(full.progress_of(o).api_calls for o in full.objects) == sum(
        calls.values()
    )


async def test_a_run_past_the_reserve_learns_it_from_its_first_call_an_abort(
    sync: Sync,
) -> None:
    await timed_out_in_bulk(sync)
    salesforce = sync.app.salesforce
    salesforce.api_used = int(salesforce.api_max * 0.9)  # the reserve is 80%
    calls = salesforce.record_calls
    calls.clear()

    paused = await sync.once(SyncMode.FULL, **BULK)

    assert paused.state is SyncState.PAUSED
    assert dict(calls) == {"abort_bulk_query": 1}


async def test_a_job_of_other_fields_is_forgotten(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    await of_other_fields(sync, await stopped_at_second_results_page(sync))
    sync.app.salesforce.record_calls.clear()

    resumed = await sync.once(**BULK)

    assert resumed.state is SyncState.SUCCEEDED
    assert sync.app.salesforce.record_calls["start_bulk_query"] == 1
    # It had finished: nothing to abort.
    assert sync.app.salesforce.record_calls["abort_bulk_query"] == 0
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_an_unfinished_job_of_other_fields_is_aborted_too(sync: Sync) -> None:
    ids, timed_out, mark = await timed_out_in_bulk(sync)
    await of_other_fields(sync, timed_out)
    calls = sync.app.salesforce.record_calls
    calls.clear()

    resumed = await sync.once(**BULK)

    assert resumed.state is SyncState.SUCCEEDED
    assert (calls["abort_bulk_query"], calls["start_bulk_query"]) == (1, 1)
    assert sync.org.bulk_query_state(mark.job_id) == "Aborted"
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_quota_refusal_is_not_taken_for_a_job_gone(sync: Sync) -> None:
    sync.org.page_size = 2
    for n in range(12):
        lead(sync.org, n)
    await stopped_at_second_results_page(sync)
    exhausted = QuotaExhausted(
        "TotalRequests Limit exceeded.", error_code="REQUEST_LIMIT_EXCEEDED", status=403
    )
    sync.app.salesforce.fail_next("bulk_results", exhausted)

    paused = await sync.once(**BULK)

    assert paused.state is SyncState.PAUSED
    # Still the job to go on with next time.
    assert paused.progress_of(LEAD).bulk is not None


async def test_a_job_unfinished_after_two_runs_waits_is_forgotten(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    sync.org.bulk_polls = 1_000_000  # InProgress for as long as the tests run
    waits = NEVER_FINISHED

    calls = sync.app.salesforce.record_calls

    first = await sync.once(**BULK | waits)
    first_aborts = calls["abort_bulk_query"]
    # Each later sync created later, so it is the last of the object.
    sync.app.clock.advance(seconds=1)
    calls.clear()
    second = await sync.once(**BULK | waits)
    second_calls = dict(calls)
    sync.app.clock.advance(seconds=1)
    sync.org.bulk_polls = 0
    calls.clear()
    third = await sync.once(**BULK)

    assert (first.state, second.state) == (SyncState.FAILED, SyncState.FAILED)
    assert first.problem is not None
    assert TIMED_OUT in first.problem.message
    assert second.problem is not None
    assert GIVEN_UP in second.problem.message
    # The first run's job had one wait: the next run went on with it ...
    assert first.progress_of(LEAD).bulk is not None
    assert first_aborts == 0
    assert second.progress_of(LEAD).bulk is None
    # ... polled it, then aborted it: every call counted ...
    assert second_calls["abort_bulk_query"] == 1
    bulk_calls = second_calls["bulk_query_state"] + second_calls["abort_bulk_query"]
    assert second.progress_of(LEAD).api_calls == bulk_calls
    # ... and after a second one, the run after that starts a job of its own.
    assert calls["start_bulk_query"] == 1
    assert third.state is SyncState.SUCCEEDED
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_job_given_up_on_is_forgotten_even_if_it_cannot_be_aborted(
    sync: Sync, caplog: pytest.LogCaptureFixture
) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(12)]
    sync.org.bulk_polls = 1_000_000
    waits = NEVER_FINISHED
    first = await sync.once(**BULK | waits)
    mark = first.progress_of(LEAD).bulk
    assert mark is not None
    sync.app.clock.advance(seconds=1)
    ended = ApiError("Aborting a job", error_code="INVALIDJOBSTATE", status=400)
    sync.app.salesforce.fail_next("abort_bulk_query", ended)

    with caplog.at_level(logging.WARNING, logger="application.sync"):
        second = await sync.once(**BULK | waits)
    logged = [r.getMessage() for r in caplog.records]
    not_aborted = [line for line in logged if "not aborted" in line]
    assert not_aborted == [
        f"bulk query job {mark.job_id} not aborted workspace={first.workspace_id} "
        "object=Lead (INVALIDJOBSTATE)"
    ]
    sync.app.clock.advance(seconds=1)
    sync.org.bulk_polls = 0
    third = await sync.once(**BULK)

    assert second.state is SyncState.FAILED
    assert second.problem is not None
    assert GIVEN_UP in second.problem.message
    assert second.progress_of(LEAD).bulk is None
    assert third.state is SyncState.SUCCEEDED
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)


async def test_a_wait_pauses_up_to_its_timeout_then_polls_once_more(
    sync: Sync, pauses: list[float]
) -> None:
    """Pauses of 2, 4, 8 with 10 s allowed: 2, 4, then 4 (not 8), and a
    last poll at the timeout, where the run used to end on a pause."""
    sync.org.page_size = 2
    for n in range(12):
        lead(sync.org, n)
    sync.org.bulk_polls = 1_000_000
    waits = {"bulk_poll_seconds": 2, "bulk_poll_max_seconds": 8}

    failed = await sync.once(**BULK | waits | {"bulk_timeout_seconds": 10})

    assert failed.state is SyncState.FAILED
    bulk_pauses = [p for p in pauses if p > 0]
    assert bulk_pauses == [2, 4, 4]
    assert sync.app.salesforce.record_calls["bulk_query_state"] == 4
