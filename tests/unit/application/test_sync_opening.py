"""RunSync asks for the next object's opening while an object's last pages
are still being written: its first page, and a Bulk job if it is large."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from application.errors import ApiError
from application.sync.jobs import StartSync
from domain.crm import CrmObject
from domain.sync import SyncJob, SyncMode, SyncState
from domain.tokens import TokenSet
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import (
    ACCOUNT,
    LEAD,
    SlowCommits,
    Sync,
    contact,
    lead,
)
from tests.unit.application.sync_support import sync as sync  # the fixture

FROM = re.compile(r"\bFROM (\w+)")


class Sent:
    """Each query and Bulk job as it is sent, with the stored job's progress
    at that moment: which objects were done, and pages committed so far."""

    def __init__(self, sync: Sync) -> None:
        self.sync = sync
        self.job_id = ""
        self.log: list[tuple[str, str, frozenset[CrmObject], int]] = []
        salesforce = sync.app.salesforce
        self._query, self._start_bulk = salesforce.query, salesforce.start_bulk_query
        salesforce.query = self.query  # type: ignore[method-assign]
        salesforce.start_bulk_query = self.start_bulk_query  # type: ignore[method-assign]

    async def run(self, mode: SyncMode, **options: Any) -> SyncJob:
        sync = self.sync
        job = await sync.start.execute(StartSync.Command(actor=ADMIN, mode=mode))
        self.job_id = job.job_id
        runner = sync.runner(SlowCommits(sync.app.store.unit_of_work), **options)
        finished = await runner.execute(job.workspace_id, job.job_id)
        assert finished is not None
        return finished

    async def query(self, tokens: TokenSet, soql: str, *, include_deleted: bool) -> Any:
        kind = "changed" if soql.startswith("SELECT Id FROM") else "window"
        await self._note(kind, soql)
        return await self._query(tokens, soql, include_deleted=include_deleted)

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        await self._note("bulk", soql)
        return await self._start_bulk(tokens, soql, include_deleted=include_deleted)

    def first(self, kind: str, obj: CrmObject) -> tuple[frozenset[CrmObject], int]:
        """What was stored when the first `kind` call for `obj` was sent."""
        for sent_kind, name, done, pages in self.log:
            if (sent_kind, name) == (kind, obj.value):
                return done, pages
        raise AssertionError(f"no {kind} call for {obj.value}: {self.log}")

    async def _note(self, kind: str, soql: str) -> None:
        match = FROM.search(soql)
        assert match is not None
        done: frozenset[CrmObject] = frozenset()
        pages = 0
        if self.job_id:
            async with self.sync.app.store.unit_of_work() as uow:
                stored = await uow.sync_jobs.get("ws-a", self.job_id)
            assert stored is not None
            done = frozenset(p.object for p in stored.progress if p.done)
            pages = sum(p.pages for p in stored.progress)
        self.log.append((kind, match.group(1), done, pages))


def accounts(sync: Sync, count: int) -> None:
    for n in range(count):
        sync.org.create(ACCOUNT, {"Name": f"Account {n}"})


async def test_the_next_object_is_asked_for_before_the_last_page_is_stored(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    accounts(sync, 3)  # two pages
    for n in range(3):
        lead(sync.org, n)
    sent = Sent(sync)

    job = await sent.run(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED
    # Sent once the Account's second page was in, before it was stored: the
    # Account's sweep query and the Lead's first page.
    for kind, obj in (("changed", ACCOUNT), ("window", LEAD)):
        done, pages = sent.first(kind, obj)
        assert done == frozenset()
        assert pages < 2
    assert len(sync.people()) == 3


async def test_a_large_next_object_starts_its_bulk_job_ahead(sync: Sync) -> None:
    sync.org.page_size = 2
    accounts(sync, 1)
    ids = [lead(sync.org, n) for n in range(9)]
    sent = Sent(sync)

    job = await sent.run(
        SyncMode.FULL, bulk_threshold=4, bulk_page_size=3, bulk_poll_seconds=0
    )

    assert job.state is SyncState.SUCCEEDED
    assert ACCOUNT not in sent.first("bulk", LEAD)[0]
    assert sync.app.salesforce.record_calls["start_bulk_query"] == 1
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
    # As when the job is started in turn: 1 query page, describes of 3
    # objects, 1 job, 1 poll, 3 result pages (the 7 rows after the first 2),
    # the sweep's query.
    assert job.progress_of(LEAD).api_calls == 1 + 3 + 1 + 1 + 3 + 1
    assert job.progress_of(LEAD).seen == 9


async def test_an_incremental_run_asks_ahead_too(sync: Sync) -> None:
    accounts(sync, 1)
    lead(sync.org, 1)
    contact(sync.org, 1)
    sent = Sent(sync)

    job = await sent.run(SyncMode.INCREMENTAL)

    assert job.state is SyncState.SUCCEEDED
    assert [kind for kind, *_ in sent.log] == ["window"] * 3
    assert sent.first("window", LEAD)[0] == frozenset()
    assert sent.first("window", CrmObject.CONTACT)[0] == {ACCOUNT}
    assert sync.calls() == 3


async def test_near_the_quota_reserve_nothing_is_asked_for_ahead(sync: Sync) -> None:
    salesforce = sync.app.salesforce
    salesforce.spend_api_quota = True
    # The reserve is 12,000 calls of 15,000: after the Account's only page
    # (11,998 used), the sweep, the Lead's first page and its Bulk job
    # would reach it.
    salesforce.api_used = 11_997
    accounts(sync, 1)
    lead(sync.org, 1)
    sent = Sent(sync)

    job = await sent.run(SyncMode.FULL)

    assert sent.first("window", LEAD)[0] == {ACCOUNT}  # in turn, as before
    assert job.state is SyncState.PAUSED
    assert job.problem is not None
    assert job.problem.code == "api_quota_reserve_reached"
    assert salesforce.api_used == 12_000


async def test_a_run_failing_meanwhile_cancels_the_opening_asked_ahead(
    sync: Sync,
) -> None:
    accounts(sync, 1)
    lead(sync.org, 1)
    salesforce = sync.app.salesforce
    query = salesforce.query
    waiting = asyncio.Event()
    cancelled = asyncio.Event()

    async def stalled_lead_failing_sweep(
        tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> Any:
        if soql.startswith("SELECT Id FROM Account"):
            # Fails once the Lead's first page is on its way (or in 5 s).
            await asyncio.wait_for(waiting.wait(), 5)
            raise ApiError("no", error_code="INVALID_FIELD", status=400)
        if "FROM Lead" in soql:
            waiting.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return await query(tokens, soql, include_deleted=include_deleted)

    salesforce.query = stalled_lead_failing_sweep  # type: ignore[method-assign]

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.FAILED
    assert cancelled.is_set()
    assert sync.people() == []


@pytest.mark.parametrize("mode", [SyncMode.FULL, SyncMode.INCREMENTAL])
async def test_the_last_object_asks_for_no_next_one(sync: Sync, mode: SyncMode) -> None:
    contact(sync.org, 1)
    sent = Sent(sync)

    await sent.run(mode)

    objects = [name for kind, name, *_ in sent.log if kind == "window"]
    assert objects == ["Account", "Lead", "Contact"]


@pytest.mark.parametrize("used", range(11_960, 12_001, 3))
@pytest.mark.parametrize("mode", [SyncMode.FULL, SyncMode.INCREMENTAL])
async def test_no_call_of_any_kind_goes_past_the_quota_reserve(
    sync: Sync, mode: SyncMode, used: int
) -> None:
    """Pages, Bulk job starts, status polls, describes and sweeps, asked in
    turn or ahead: the reserve is 12,000 of 15,000 calls, whatever the run
    was doing when it came."""
    salesforce = sync.app.salesforce
    salesforce.spend_api_quota = True
    salesforce.api_used = used
    sync.org.page_size = 2
    sync.org.bulk_polls = 4
    accounts(sync, 5)
    for n in range(7):
        lead(sync.org, n)
        contact(sync.org, n)

    job = await sync.once(mode, bulk_threshold=4, bulk_page_size=3, bulk_poll_seconds=0)

    assert salesforce.api_used <= 12_000
    if job.state is not SyncState.SUCCEEDED:
        assert job.state is SyncState.PAUSED
        assert job.problem is not None
        assert job.problem.code == "api_quota_reserve_reached"


async def test_a_run_whose_last_call_reaches_the_reserve_succeeds(sync: Sync) -> None:
    """Nothing is left to spend past it: the run's work is all done."""
    salesforce = sync.app.salesforce
    salesforce.spend_api_quota = True
    salesforce.api_used = 11_997  # one call per object brings it to 12,000
    accounts(sync, 1)
    lead(sync.org, 1)
    contact(sync.org, 1)

    job = await sync.once()

    assert salesforce.api_used == 12_000
    assert job.state is SyncState.SUCCEEDED
    assert len(sync.people()) == 2


async def test_a_pause_while_a_bulk_job_is_prepared_counts_every_call_made(
    sync: Sync,
) -> None:
    salesforce = sync.app.salesforce
    salesforce.spend_api_quota = True
    salesforce.api_used = 11_990
    sync.org.page_size = 2
    sync.org.bulk_polls = 50  # InProgress until the reserve stops the polling
    for n in range(7):
        lead(sync.org, n)
    job = await sync.start.execute(
        StartSync.Command(actor=ADMIN, mode=SyncMode.INCREMENTAL, objects=(LEAD,))
    )

    paused = await sync.runner(bulk_threshold=4, bulk_poll_seconds=0).execute(
        job.workspace_id, job.job_id
    )

    assert paused is not None
    assert paused.state is SyncState.PAUSED
    # The first page, the job's start, 3 describes, then polls up to 12,000.
    assert paused.progress_of(LEAD).api_calls == salesforce.api_used - 11_990 == 10
