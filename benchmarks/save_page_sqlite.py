"""How fast `people.save_page` writes 2,000-person pages to SQLite.

Compares it with a plain executemany of the same rows on the same migrated
schema, one transaction per page either way. Run from the project root:

    .venv/bin/python -m benchmarks.save_page_sqlite [--people 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from sqlalchemy import text

from adapters.encryption import FernetTokenCipher
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
    upgrade_engine_to_head,
)
from domain.crm import CrmObject
from domain.people import Person

PAGE = 2000
START = datetime(2026, 1, 1, tzinfo=UTC)
WORKSPACE = "ws-bench"


def pages(count: int, prefix: str) -> Iterator[list[Person]]:
    for first in range(0, count, PAGE):
        yield [person(n, prefix) for n in range(first, min(first + PAGE, count))]


def person(n: int, prefix: str) -> Person:
    stamp = START + timedelta(seconds=n // 50)
    return Person(
        person_id=str(uuid.uuid4()),
        workspace_id=WORKSPACE,
        lead_id=f"00Q{prefix}{n:012d}",
        fields={
            "email": f"Person.{n}@Example.test",
            "first_name": "Zoë",
            "last_name": f"O'Brien {n}",
            "company": "Ünïcode GmbH",
            "job_title": "Head of Things",
            "phone": "+49 30 1234567",
            "lead_status": "Open - Not Contacted",
            "employees": n % 5000,
            "annual_revenue": n * 1.5,
        },
        modstamp=stamp,
        updated_at=stamp,
    )


async def with_save_page(url: str, count: int) -> float:
    engine = create_database_engine(url)
    cipher = FernetTokenCipher([FernetTokenCipher.generate_key()])
    uow = SqlAlchemyUnitOfWorkFactory(create_session_factory(engine), cipher)
    started = time.perf_counter()
    for page in pages(count, "A"):
        async with uow() as work:
            await work.people.save_page(
                WORKSPACE, page, (), seen_by=(CrmObject.LEAD, "job-1")
            )
            await work.commit()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def with_plain_executemany(url: str, count: int) -> float:
    engine = create_database_engine(url)
    statement = text(
        "INSERT INTO people (workspace_id, person_id, lead_id, contact_id, "
        "account_id, email, source, deleted, lead_deleted, contact_deleted, "
        "fields, modstamp, updated_at, lead_seen_job) VALUES (:w, :p, :l, NULL, "
        "NULL, :e, 'Lead', 0, 0, 0, :f, :m, :u, 'job-1')"
    )
    started = time.perf_counter()
    for page in pages(count, "B"):
        rows = [
            {
                "w": p.workspace_id,
                "p": p.person_id,
                "l": p.lead_id,
                "e": str(p.fields["email"]).lower(),
                "f": msgspec.json.encode(p.fields).decode(),
                "m": p.modstamp.replace(tzinfo=None).isoformat(" "),
                "u": p.modstamp.replace(tzinfo=None).isoformat(" "),
            }
            for p in page
        ]
        async with engine.begin() as connection:
            await connection.execute(statement, rows)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, run in (
            ("plain executemany", with_plain_executemany),
            ("save_page", with_save_page),
        ):
            url = f"sqlite+aiosqlite:///{Path(folder) / name.replace(' ', '_')}.db"
            engine = create_database_engine(url)
            await upgrade_engine_to_head(engine)
            await engine.dispose()
            elapsed = await run(url, count)
            print(f"{name:>18}: {count / elapsed:>9,.0f} people/s ({elapsed:.1f}s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().people))
