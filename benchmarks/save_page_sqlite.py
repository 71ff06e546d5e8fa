"""How fast `people.save_page` writes 2,000-person pages to SQLite.

Compares it with the stdlib's sqlite3 inserting the same rows with a plain
executemany into the same migrated schema (indexes included), one
transaction per page either way. Run from the project root:

    .venv/bin/python -m benchmarks.save_page_sqlite [--people 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

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


def with_plain_executemany(path: Path, count: int) -> float:
    """The stdlib's sqlite3, same pragmas, one plain INSERT per person."""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        db.execute(f"PRAGMA {pragma}")
    statement = (
        "INSERT INTO people (workspace_id, person_id, lead_id, email, source, "
        "deleted, lead_deleted, contact_deleted, fields, modstamp, updated_at, "
        "lead_seen_job) VALUES (?, ?, ?, ?, 'Lead', 0, 0, 0, ?, ?, ?, 'job-1')"
    )
    started = time.perf_counter()
    for page in pages(count, "B"):
        rows = [
            (
                p.workspace_id,
                p.person_id,
                p.lead_id,
                str(p.fields["email"]).lower(),
                msgspec.json.encode(p.fields).decode(),
                _text(p.modstamp),
                _text(p.modstamp),
            )
            for p in page
        ]
        db.execute("BEGIN IMMEDIATE")
        db.executemany(statement, rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def _text(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


async def migrated(folder: str, name: str) -> Path:
    path = Path(folder) / f"{name}.sqlite3"
    engine = create_database_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade_engine_to_head(engine)
    await engine.dispose()
    return path


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        plain = with_plain_executemany(await migrated(folder, "plain"), count)
        path = await migrated(folder, "save_page")
        ours = await with_save_page(f"sqlite+aiosqlite:///{path}", count)
    for name, elapsed in (("plain executemany", plain), ("save_page", ours)):
        print(f"{name:>18}: {count / elapsed:>9,.0f} people/s ({elapsed:.1f}s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().people))
