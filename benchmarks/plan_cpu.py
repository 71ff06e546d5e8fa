"""CPU a full sync spends per record in its own Python, without HTTP or SQLite.

The emulator's generator builds the same org as `run.py` (seed 1: 10%
Accounts, 45% Contacts, 45% Leads) in this process, and its query engine
renders each object's full-sync pages as the REST API sends them. Those
pages then go through crmbridge's steps for a page, timed together:
decoding the JSON (with `--bulk`, the Bulk API 2.0 CSV results of the same
rows, in pages of 10,000 planned 5,000 at a time (`COMMIT_BATCH`), as a
sync above the Bulk threshold reads them), planning it (mapping,
reconciling people against the page before, as the pipeline does) and
binding the page's rows for SQLite.
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
import csv
import io
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import cast

import msgspec

from adapters.persistence.companies import SqlAlchemyCompanyRepository
from adapters.persistence.database import create_database_engine
from adapters.persistence.people import SqlAlchemyPeopleRepository
from adapters.persistence.transaction import Transaction
from adapters.persistence.writes import Write
from adapters.salesforce.bulk_csv import read_records
from adapters.salesforce.http import decode
from adapters.salesforce.records_wire import RecordsPage
from application.ports import Clock
from application.sync.bulk import COMMIT_BATCH
from application.sync.options import SyncOptions
from application.sync.ports import Record
from benchmarks.options import positive
from benchmarks.queries import full_sync_queries
from domain.crm import SYNC_ORDER, CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.people import PeopleIndex, apply_contact, apply_lead, company_from
from entrypoints.loop import batch_collector
from sfemulator.bulk import cell
from sfemulator.soql import Plan, parse
from sfemulator.soql.paths import getter
from sfemulator.virtual import table_lookup
from sfemulator.world import World

PAGE = 2000
BULK_PAGE = SyncOptions().bulk_page_size
WORKSPACE = "ws-bench"
VERSION = "62.0"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


Page = tuple[CrmObject, bytes, dict[str, str] | None]


def rendered_pages(records: int, *, bulk: bool = False) -> list[Page]:
    """Every object's full-sync pages, as the REST API's JSON bodies or, with
    `bulk`, as Bulk results' CSV bodies with the columns' describe types."""
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
    pages: list[Page] = []
    for obj in SYNC_ORDER:
        query = parse(full_sync_queries(described)[obj.value])
        plan = Plan.make(query, lookup)
        rows = plan.rows(include_deleted=True)
        if bulk:
            readers = [getter(path, plan.table, lookup) for path in query.fields]
            header = [path.text for path in query.fields]
            pairs = zip(header, readers, strict=True)
            types = {name: item.type for name, (_, item) in pairs}
            for first in range(0, len(rows), BULK_PAGE):
                out = io.StringIO()
                writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(
                    [cell(read(row), item.type) for read, item in readers]
                    for row in rows[first : first + BULK_PAGE]
                )
                pages.append((obj, out.getvalue().encode(), types))
            continue
        render = plan.renderer(VERSION)
        for first in range(0, len(rows), PAGE):
            done = first + PAGE >= len(rows)
            body = {
                "totalSize": len(rows),
                "done": done,
                "nextRecordsUrl": None if done else f"/next-{first + PAGE}",
                "records": [render(row) for row in rows[first : first + PAGE]],
            }
            pages.append((obj, msgspec.json.encode(body), None))
    return pages


def batches(pages: list[Page]) -> Iterator[tuple[CrmObject, list[Record]]]:
    """Each page decoded, in the batches a sync commits."""
    for obj, body, types in pages:
        if types is None:
            yield obj, decode(body, RecordsPage).records
            continue
        records = read_records(body, types)
        for first in range(0, len(records), COMMIT_BATCH):
            yield obj, records[first : first + COMMIT_BATCH]


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


async def planned(pages: list[Page]) -> int:
    """What a sync does with each page besides its SQL; the rows bound."""
    recorded = _Recorded()
    transaction = cast(Transaction, recorded)
    people = SqlAlchemyPeopleRepository(transaction, _Fixed())
    companies = SqlAlchemyCompanyRepository(transaction, _Fixed())
    before = PeopleIndex()
    for obj, records in batches(pages):
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
    parser.add_argument("--records", type=positive, default=100_000)
    parser.add_argument("--repeat", type=positive, default=5)
    parser.add_argument(
        "--bulk", action="store_true", help="read Bulk CSV pages, not REST JSON"
    )
    options = parser.parse_args(argv)
    pages = rendered_pages(options.records, bulk=options.bulk)
    per_1k: list[float] = []
    bound = 0
    for _ in range(options.repeat):
        started = time.process_time()
        with batch_collector():  # as `crmbridge sync` runs
            bound = asyncio.run(planned(pages))
        per_1k.append((time.process_time() - started) / options.records * 1000)
    print(
        f"{options.records:,} records, {len(pages)} pages, {bound:,} rows bound: "
        f"CPU ms per 1k records, best {min(per_1k) * 1000:.1f}, "
        f"median {statistics.median(per_1k) * 1000:.1f} of {options.repeat}"
    )


if __name__ == "__main__":
    main()
