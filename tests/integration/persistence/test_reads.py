"""Reads outside a unit of work's transaction: typed as the Core path types
them, one statement each, on a read connection that cannot write."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import event, literal_column, select, text

from adapters.encryption import FernetTokenCipher
from adapters.persistence.database import create_session_factory
from adapters.persistence.people_reads import _page_query
from adapters.persistence.reads import ReadQuery, reader_for
from adapters.persistence.transaction import Transaction
from application.sync.ports import PeopleQuery
from domain.crm import CrmObject
from tests.integration.persistence.conftest import Backend, open_sql_backend
from tests.integration.persistence.samples import NOW
from tests.integration.persistence.sync_samples import WS, person, save_people
from tests.support.databases import sqlite_url

SHAPES = [
    dict(zip(("email", "since", "source", "deleted", "after"), flags, strict=True))
    for flags in itertools.product((False, True), repeat=5)
]
VALUES: dict[str, Any] = {
    "workspace_id": WS,
    "limit": 3,
    "email": "ada@example.com",
    "updated_since": NOW - timedelta(hours=2),
    "source": CrmObject.LEAD.value,
    "after_updated_at": NOW - timedelta(hours=3),
    "after_person_id": "a",
}


@pytest.fixture
async def sqlite_backend(
    tmp_path: Path, cipher: FernetTokenCipher
) -> AsyncIterator[Backend]:
    url = sqlite_url(tmp_path / "crmbridge.sqlite3")
    async with open_sql_backend("sqlite", url, cipher) as backend:
        yield backend


async def test_a_read_types_its_rows_as_the_core_path_does(
    sql_backend: Backend,
) -> None:
    await _save_varied_people(sql_backend)
    reader = reader_for(sql_backend.sql)
    sessions = create_session_factory(sql_backend.sql)

    for shape in SHAPES:
        query = _page_query(**shape)
        async with sessions() as session:
            core = await Transaction(session).read(query, VALUES)

        read = await reader.rows(query, VALUES)

        assert [tuple(row) for row in read] == [tuple(row) for row in core], shape
        assert core, shape


async def test_a_read_sees_what_another_engine_has_just_committed(
    sql_backend: Backend,
) -> None:
    await save_people(sql_backend.uow, [person("a", lead_id="00Q1")])
    async with sql_backend.uow() as uow:
        assert [p.person_id for p in await uow.people.list(WS, PeopleQuery())] == ["a"]

    await save_people(sql_backend.other_process, [person("b", lead_id="00Q2")])

    async with sql_backend.uow() as uow:
        listed = await uow.people.list(WS, PeopleQuery())
    assert [p.person_id for p in listed] == ["a", "b"]


async def test_plain_reads_on_sqlite_begin_no_transaction(
    sqlite_backend: Backend,
) -> None:
    await save_people(sqlite_backend.uow, [person("a", lead_id="00Q1")])
    begins = _count(sqlite_backend, "begin")

    for _ in range(3):
        async with sqlite_backend.uow() as uow:
            await uow.people.list(WS, PeopleQuery())
            await uow.connections.overview("ws-1")
    read_only = begins()
    await save_people(sqlite_backend.uow, [person("b", lead_id="00Q2")])

    assert read_only == 0
    assert begins() == 1


async def test_the_sqlite_read_connection_is_query_only(
    sqlite_backend: Backend,
) -> None:
    reader = reader_for(sqlite_backend.sql)
    query_only = ReadQuery(
        select(literal_column("query_only")).select_from(text("pragma_query_only()"))
    )

    assert await reader.rows(query_only, {}) == [(1,)]


async def test_the_sqlite_read_connection_opens_once_and_again_after_a_dispose(
    sqlite_backend: Backend,
) -> None:
    await sqlite_backend.sql.dispose()
    reader = reader_for(sqlite_backend.sql)
    opened = _count(sqlite_backend, "connect")
    query = _page_query(
        email=False, since=False, source=False, deleted=False, after=False
    )

    await asyncio.gather(*(reader.rows(query, VALUES) for _ in range(10)))
    first = opened()
    await sqlite_backend.sql.dispose()
    again = await reader.rows(query, VALUES)

    assert first == 1
    assert opened() == 2
    assert again == []


def _count(backend: Backend, name: str) -> Callable[[], int]:
    """How many times the engine has fired event `name` since this call."""
    seen: list[object] = []
    event.listen(backend.sql.sync_engine, name, lambda *_: seen.append(name))
    return lambda: len(seen)


async def _save_varied_people(backend: Backend) -> None:
    people = [
        person(
            key,
            lead_id=f"00Q{i}",
            contact_id=f"003{i}" if i % 3 == 0 else None,
            email="Ada@Example.com" if i % 2 else None,
            updated_at=NOW - timedelta(hours=i),
            lead_deleted=i == 4,
            account_id="001x" if i % 3 == 0 else None,
        )
        for i, key in enumerate("abcdefgh")
    ]
    people[1] = msgspec.structs.replace(
        people[1], fields={"email": "ada@example.com", "n": 1.5, "ok": True}
    )
    people[2] = msgspec.structs.replace(
        people[2],
        fields={"big": 2**62, "neg": -0.25, "name": 'Zoë "😀" 陈', "gone": None},
    )
    await save_people(backend.uow, people)
