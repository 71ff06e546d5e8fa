"""CPU a full sync spends per record in its own Python, without HTTP or SQLite.

The emulator's generator builds the same org as `run.py` (seed 1: 10%
Accounts, 45% Contacts, 45% Leads) in this process, and its query engine
renders each object's full-sync pages as the REST API sends them. Those
pages then go through crmbridge's steps for a page, timed together:
decoding the JSON, planning it (mapping, reconciling people against the
page before, as the pipeline does) and binding the page's rows for SQLite.
The lookups and the writes themselves are left out: nothing here waits.

Wall-time runs on a shared 2-core machine move by a tenth from one run to
the next, and on a busy host even this process's CPU time does. For an
exact count, run it under callgrind: instructions, not seconds. One pass is
the difference between `--repeat 2` and `--repeat 1`, as the org's
generation is in both (benchmarks/README.md, "Profiling", has the commands).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime
from typing import cast

import msgspec

from adapters.persistence.companies import SqlAlchemyCompanyRepository
from adapters.persistence.database import create_database_engine
from adapters.persistence.people import SqlAlchemyPeopleRepository
from adapters.persistence.transaction import Transaction
from adapters.persistence.writes import Write
from adapters.salesforce.http import decode
from adapters.salesforce.records_wire import RecordsPage
from application.ports import Clock
from benchmarks.queries import full_sync_queries
from domain.crm import SYNC_ORDER, CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.people import PeopleIndex, apply_contact, apply_lead, company_from
from sfemulator.soql import Plan, parse
from sfemulator.virtual import table_lookup
from sfemulator.world import World

PAGE = 2000
WORKSPACE = "ws-bench"
VERSION = "62.0"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rendered_pages(records: int) -> list[tuple[CrmObject, bytes]]:
    """Every object's full-sync pages, as the REST API's JSON bodies."""
    world = World()
    org = world.create_org()
    world.create_user(org.id)
    world.generate_records(
        org.id,
        seed=1,
        accounts=records // 10,
        contacts=records * 45 // 100,
        leads=records - records // 10 - records * 45 // 100,
    )
    lookup = table_lookup(world, org)
    described = {
        obj.value: {field.name for field in lookup(obj.value).fields}
        for obj in SYNC_ORDER
    }
    pages = []
    for obj in SYNC_ORDER:
        plan = Plan.make(parse(full_sync_queries(described)[obj.value]), lookup)
        render = plan.renderer(VERSION)
        rows = plan.rows(include_deleted=True)
        for first in range(0, len(rows), PAGE):
            done = first + PAGE >= len(rows)
            body = {
                "totalSize": len(rows),
                "done": done,
                "nextRecordsUrl": None if done else f"/next-{first + PAGE}",
                "records": [render(row) for row in rows[first : first + PAGE]],
            }
            pages.append((obj, msgspec.json.encode(body)))
    return pages


class _Recorded:
    """A transaction that counts the rows of each bound statement, running none."""

    # The dialect a SQLite engine of crmbridge's has (its JSON codec included).
    sql_dialect = create_database_engine("sqlite+aiosqlite:///unused").dialect
    dialect = "sqlite"

    def __init__(self) -> None:
        self.rows = 0

    async def run(self, write: Write) -> None:
        self.rows += len(write.params) if write.many else 1

    async def changed(self, _statement: object) -> int:
        return 0


class _Fixed(Clock):
    def now(self) -> datetime:
        return NOW


async def planned(pages: list[tuple[CrmObject, bytes]]) -> int:
    """What a sync does with each page besides its SQL; the rows bound."""
    recorded = _Recorded()
    transaction = cast(Transaction, recorded)
    people = SqlAlchemyPeopleRepository(transaction, _Fixed())
    companies = SqlAlchemyCompanyRepository(transaction, _Fixed())
    before = PeopleIndex()
    for obj, body in pages:
        records = decode(body, RecordsPage).records
        if obj is CrmObject.ACCOUNT:
            await companies.save_page(
                WORKSPACE,
                [company_from(r, DEFAULT_MAPPING, WORKSPACE) for r in records],
                job_id="job",
            )
            continue
        # The pipeline's lookup finds the page before's people, not yet stored.
        index = PeopleIndex(before.changed.values())
        apply = apply_lead if obj is CrmObject.LEAD else apply_contact
        for record in records:
            apply(index, record, DEFAULT_MAPPING, WORKSPACE)
        await people.save_page(
            WORKSPACE, index.changed.values(), index.removed, seen_by=(obj, "job")
        )
        before = index
    return recorded.rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=_positive, default=100_000)
    parser.add_argument("--repeat", type=_positive, default=5)
    options = parser.parse_args(argv)
    pages = rendered_pages(options.records)
    per_1k: list[float] = []
    bound = 0
    for _ in range(options.repeat):
        started = time.process_time()
        bound = asyncio.run(planned(pages))
        per_1k.append((time.process_time() - started) / options.records * 1000)
    print(
        f"{options.records:,} records, {len(pages)} pages, {bound:,} rows bound: "
        f"CPU ms per 1k records, best {min(per_1k) * 1000:.1f}, "
        f"median {statistics.median(per_1k) * 1000:.1f} of {options.repeat}"
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


if __name__ == "__main__":
    main()
