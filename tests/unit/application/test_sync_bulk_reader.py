"""BulkReader: a Bulk page committed in REST-sized batches while the next one
downloads, never more than two pages held."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from application.ports import ApiUsage
from application.sync.bulk import BulkMeans, BulkReader
from application.sync.options import SyncOptions
from application.sync.page_writer import Cancelled
from application.sync.ports import BulkPage, QueryPage, Record, SalesforceRecords
from domain.crm import CrmObject, ObjectDescribe
from domain.soql import SyncCursor, parse_record_datetime
from domain.sync import BulkMark, SyncJob, SyncMode
from domain.tokens import TokenSet
from tests.support.clock import FixedClock

LEAD = CrmObject.LEAD
TOKENS = TokenSet(
    access_token="00Dx!token",
    refresh_token=None,
    instance_url="https://acme.example",
    issued_at=FixedClock().now(),
)


class Records(list[Record]):
    """A page's list that can be watched for its release."""


def lead(n: int, stamp: str = "2026-12-01T08:00:00.000+0000") -> Record:
    return {"Id": f"00Q{n:015d}", "SystemModstamp": stamp, "IsDeleted": False}


class ScriptedBulk(SalesforceRecords):
    """Answers one Bulk job with the pages given; REST reads are not expected."""

    def __init__(
        self,
        pages: list[list[Record]],
        *,
        log: list[tuple[str, Any]] | None = None,
        usage: ApiUsage | None = None,
        stalled: frozenset[str] = frozenset(),
    ) -> None:
        self.pages = pages
        self.asked: list[str | None] = []
        self.released: list[weakref.ref[Records]] = []
        self.alive_when_asked: list[int] = []
        self.log = log if log is not None else []
        self.usage = usage
        self.stalled = stalled
        self.cancelled: list[str | None] = []

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        raise AssertionError("no clock asked in a Bulk read")

    async def query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> QueryPage:
        raise AssertionError("no REST query in a Bulk read")

    async def query_more(self, tokens: TokenSet, next_records_url: str) -> QueryPage:
        raise AssertionError("no REST query in a Bulk read")

    async def describe(self, tokens: TokenSet, obj: CrmObject) -> ObjectDescribe:
        raise AssertionError("no describe in a Bulk read")

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        return "750JOB"

    async def bulk_query_state(self, tokens: TokenSet, job_id: str) -> str:
        return "JobComplete"

    async def abort_bulk_query(self, tokens: TokenSet, job_id: str) -> None:
        raise AssertionError("no job is given up on here")

    def last_usage(self, tokens: TokenSet) -> ApiUsage | None:
        return None

    async def bulk_results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        self.alive_when_asked.append(sum(ref() is not None for ref in self.released))
        index = int(locator or 0)
        self.asked.append(locator)
        self.log.append(("asked", locator))
        if locator in self.stalled:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.append(locator)
                raise
        records = Records(self.pages[index])
        self.released.append(weakref.ref(records))
        more = index + 1 < len(self.pages)
        return BulkPage(
            records=records,
            locator=str(index + 1) if more else None,
            api_usage=self.usage,
        )


@dataclass
class Committed:
    sizes: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    marks: list[BulkMark] = field(default_factory=list)
    cursors: list[SyncCursor | None] = field(default_factory=list)
    log: list[tuple[str, Any]] = field(default_factory=list)
    refuse: bool = False
    # Calls that brought no page, as the reader told them (start, polls).
    polled: int = 0

    async def commit(
        self, job: SyncJob, page: QueryPage, calls: int, mark: BulkMark
    ) -> SyncJob:
        # A real commit waits on the database: the download goes on meanwhile.
        await asyncio.sleep(0)
        if self.refuse:
            raise Cancelled(job.job_id)
        self.sizes.append(len(page.records))
        self.calls.append(calls)
        self.marks.append(mark)
        self.log.append(("committed", len(page.records)))
        return job

    async def settle(self) -> SyncJob:
        self.log.append(("settled", None))
        return JOB

    async def save_cursor(self, job: SyncJob, cursor: SyncCursor | None) -> SyncJob:
        self.cursors.append(cursor)
        return job


CLOCK = FixedClock()
JOB = SyncJob.request(
    workspace_id="ws-a",
    mode=SyncMode.FULL,
    objects=(LEAD,),
    requested_by="alice",
    now=CLOCK.now(),
).start(now=CLOCK.now(), until=CLOCK.now() - timedelta(seconds=30))


async def read(
    salesforce: ScriptedBulk, *, batch: int, committed: Committed | None = None
) -> Committed:
    reader = BulkReader(
        salesforce, CLOCK, SyncOptions(bulk_poll_seconds=0), commit_batch=batch
    )
    committed = committed or Committed(log=salesforce.log)

    async def call(run: Callable[[TokenSet], Awaitable[Any]]) -> Any:
        return await run(TOKENS)

    async def polled(current: SyncJob) -> SyncJob:
        committed.polled += 1
        return current

    means = BulkMeans(
        call=call,
        commit=committed.commit,
        save_cursor=committed.save_cursor,
        polled=polled,
        settle=committed.settle,
        pause=asyncio.sleep,
        started=lambda job_id: None,
    )
    await reader.read(JOB, LEAD, ("Id", "SystemModstamp", "IsDeleted"), {}, means)
    return committed


async def test_a_page_commits_in_batches_and_counts_its_calls_once() -> None:
    newest = lead(5, "2026-12-01T08:30:00.000+0000")
    first = [lead(1), lead(2), newest, lead(3), lead(4), lead(6), lead(7)]
    salesforce = ScriptedBulk([first, [lead(8), lead(9)]])

    committed = await read(salesforce, batch=3)

    assert committed.sizes == [3, 3, 1, 2]
    # The job's start and its status poll as they were made; each page's
    # call with its first batch.
    assert committed.polled == 2
    assert committed.calls == [1, 0, 0, 1]
    # Each batch says which page to fetch next: this one until it is whole.
    assert [(m.locator, m.complete) for m in committed.marks] == [
        (None, False),
        (None, False),
        ("1", False),
        (None, True),
    ]
    cursor = SyncCursor(
        modstamp=parse_record_datetime(newest["SystemModstamp"]),
        record_id=newest["Id"],
    )
    assert [m.newest for m in committed.marks] == [cursor] * 4
    assert committed.cursors == [cursor]


async def test_an_empty_page_is_committed_once_so_its_call_counts() -> None:
    salesforce = ScriptedBulk([[]])

    committed = await read(salesforce, batch=3)

    assert (committed.sizes, committed.calls, committed.polled) == ([0], [1], 2)
    assert committed.cursors == [None]  # the job moves the cursor nowhere


async def test_the_next_page_downloads_while_this_one_commits() -> None:
    salesforce = ScriptedBulk([[lead(n)] * 4 for n in range(2)])

    committed = await read(salesforce, batch=2)

    assert committed.log == [
        ("asked", None),
        ("asked", "1"),
        ("committed", 2),
        ("committed", 2),
        ("committed", 2),
        ("committed", 2),
    ]


async def test_a_page_is_let_go_before_the_one_after_the_next_is_read() -> None:
    salesforce = ScriptedBulk([[lead(n)] * 4 for n in range(3)])

    committed = await read(salesforce, batch=2)

    assert salesforce.asked == [None, "1", "2"]
    # The page committing while the next downloads, never the one before it.
    assert salesforce.alive_when_asked == [0, 1, 1]
    assert committed.sizes == [2, 2] * 3


async def test_a_refused_commit_stops_the_download_in_flight() -> None:
    salesforce = ScriptedBulk([[lead(1)], [lead(2)]], stalled=frozenset({"1"}))

    with pytest.raises(Cancelled):
        await read(salesforce, batch=2, committed=Committed(refuse=True))

    assert salesforce.cancelled == ["1"]


async def test_near_the_quota_reserve_the_next_page_waits_for_the_commits() -> None:
    # 79 of 100 used, 80% kept: the next call reaches the reserve.
    usage = ApiUsage(used=79, max=100)
    salesforce = ScriptedBulk([[lead(1)], [lead(2)]], usage=usage)

    committed = await read(salesforce, batch=2)

    assert committed.log == [
        ("asked", None),
        ("committed", 1),
        ("settled", None),
        ("asked", "1"),
        ("committed", 1),
    ]
