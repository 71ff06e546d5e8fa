"""The Alembic migrations build exactly the schema the ORM rows describe."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import msgspec
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, MetaData, Text, bindparam, inspect, text

from adapters.persistence import upgrade_to_head
from adapters.persistence.migrate import (
    HEAD_REVISION,
    current_revision,
    head_revision,
)
from adapters.persistence.schema import metadata as orm_metadata
from adapters.persistence.types import UtcDateTime
from domain.crm import CrmObject
from domain.problems import Problem
from domain.refresh_lease import RefreshLease
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncMode
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.migrating import downgrade, stored_at
from tests.integration.persistence.samples import NOW, connected
from tests.integration.persistence.sync_samples import person, save_people

SYNC_TABLES = {
    "people",
    "companies",
    "sync_jobs",
    "sync_cursors",
    "field_mappings",
    "describe_cache",
    "synced_orgs",
}
CURSOR = SyncCursor(modstamp=NOW, record_id="00Q000000000001")


async def test_the_migrated_schema_equals_the_orm_metadata(
    sql_backend: Backend,
) -> None:
    async with sql_backend.sql.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []


async def test_the_comparison_would_notice_a_missing_column(
    sql_backend: Backend,
) -> None:
    wanted = MetaData(naming_convention=orm_metadata.naming_convention)
    for table in orm_metadata.tables.values():
        table.to_metadata(wanted)
    wanted.tables["connections"].append_column(Column("extra", Text()))

    async with sql_backend.sql.connect() as connection:
        differences = await connection.run_sync(_differences, wanted)

    assert [difference[0] for difference in differences] == ["add_column"]


async def test_upgrade_records_the_head_and_can_run_again(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None

    await upgrade_to_head(sql_backend.url)
    await upgrade_to_head(sql_backend.url)

    assert await current_revision(sql_backend.sql) == head_revision() == "0009"


async def test_concurrent_starts_upgrade_once(sql_backend: Backend) -> None:
    assert sql_backend.url is not None
    await _downgrade_to_base(sql_backend)

    await asyncio.gather(*(upgrade_to_head(sql_backend.url) for _ in range(4)))

    assert await current_revision(sql_backend.sql) == HEAD_REVISION
    assert await _tables(sql_backend) >= {"connections", *SYNC_TABLES}


async def test_downgrade_removes_the_tables(sql_backend: Backend) -> None:
    await _downgrade_to_base(sql_backend)

    assert await _tables(sql_backend) <= {"alembic_version"}


async def test_downgrading_0002_keeps_the_connections_and_upgrades_again(
    sql_backend: Backend,
) -> None:
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.commit()

    after_downgrade = await _down_and_up_again(sql_backend, "0001")

    assert after_downgrade == {
        "alembic_version",
        "connections",
        "pending_authorizations",
    }
    assert await current_revision(sql_backend.sql) == HEAD_REVISION
    assert await _tables(sql_backend) >= SYNC_TABLES
    async with sql_backend.uow() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")


async def test_0003_records_the_org_of_each_connected_workspace(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None
    await downgrade(sql_backend, "0002")
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.connections.save(connected("ws-2").disconnect())
        await uow.commit()

    await upgrade_to_head(sql_backend.url)

    async with sql_backend.uow() as uow:
        assert await uow.synced_orgs.get("ws-1") == "00D5e0000000001"
        assert await uow.synced_orgs.get("ws-2") is None


async def test_downgrading_0003_keeps_the_rest_and_upgrades_again(
    sql_backend: Backend,
) -> None:
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.cursors.set("ws-1", CrmObject.LEAD, CURSOR)
        await uow.synced_orgs.set("ws-1", "00D5e0000000001")
        await uow.commit()

    after_downgrade = await _down_and_up_again(sql_backend, "0002")

    assert after_downgrade == {
        "alembic_version",
        "connections",
        "pending_authorizations",
        *SYNC_TABLES - {"synced_orgs"},
    }
    async with sql_backend.uow() as uow:
        assert await uow.cursors.get("ws-1", CrmObject.LEAD) == CURSOR
        assert await uow.synced_orgs.get("ws-1") == "00D5e0000000001"


def _differences(
    connection: Connection, metadata: MetaData = orm_metadata
) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _downgrade_to_base(backend: Backend) -> None:
    await downgrade(backend, "base")


async def _down_and_up_again(backend: Backend, revision: str) -> set[str]:
    """Downgrade to `revision`, then upgrade to head; the tables in between."""
    assert backend.url is not None
    await downgrade(backend, revision)
    tables = await _tables(backend)
    await upgrade_to_head(backend.url)
    return tables


async def _tables(backend: Backend) -> set[str]:
    async with backend.sql.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names)


async def test_downgrading_0004_keeps_the_connections_and_upgrades_again(
    sql_backend: Backend,
) -> None:
    lease = RefreshLease(holder="h", until=NOW)
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.connections.take_refresh_lease("ws-1", lease, now=NOW)
        await uow.commit()

    await _down_and_up_again(sql_backend, "0003")

    async with sql_backend.uow() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")
        other = RefreshLease(holder="other", until=NOW)
        taken = await uow.connections.take_refresh_lease("ws-1", other, now=NOW)
    assert taken == other


async def test_0005_gives_people_stored_before_it_no_merged_leads(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None
    await stored_at(sql_backend, "0004", _PERSON_AT_0004, [_person_at_0004()])

    await upgrade_to_head(sql_backend.url)

    async with sql_backend.uow() as uow:
        person = await uow.people.get("ws-1", "p1")
    assert person is not None
    assert (person.lead_id, person.merged_leads) == ("00Q1", {})


async def test_downgrading_0005_keeps_the_people_and_upgrades_again(
    sql_backend: Backend,
) -> None:
    merged = person(
        "p1", lead_id="00Q1", contact_id="0031", merged_leads={"00Q2": False}
    )
    await save_people(sql_backend.uow, [merged], workspace_id="ws-1")

    await _down_and_up_again(sql_backend, "0004")

    async with sql_backend.uow() as uow:
        stored = await uow.people.get("ws-1", "p1")
    assert stored == msgspec.structs.replace(merged, merged_leads={})


async def test_0006_keeps_cursors_stored_before_it_with_no_read_through(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None
    await stored_at(sql_backend, "0005", _CURSOR_AT_0005, [{"modstamp": NOW}])

    await upgrade_to_head(sql_backend.url)

    async with sql_backend.uow() as uow:
        cursor = await uow.cursors.get("ws-1", CrmObject.LEAD)
        read_through = await uow.cursors.read_through("ws-1", CrmObject.LEAD)
    assert cursor == SyncCursor(modstamp=NOW, record_id="00Q1")
    assert read_through is None


async def test_downgrading_0006_keeps_the_cursors_and_upgrades_again(
    sql_backend: Backend,
) -> None:
    cursor = SyncCursor(modstamp=NOW, record_id="00Q1")
    async with sql_backend.uow() as uow:
        await uow.cursors.set("ws-1", CrmObject.LEAD, cursor)
        await uow.cursors.mark_read_through("ws-1", CrmObject.LEAD, NOW)
        await uow.commit()

    await _down_and_up_again(sql_backend, "0005")

    async with sql_backend.uow() as uow:
        assert await uow.cursors.get("ws-1", CrmObject.LEAD) == cursor
        assert await uow.cursors.read_through("ws-1", CrmObject.LEAD) is None


async def test_0006_takes_each_cursor_s_read_through_from_the_jobs_kept(
    sql_backend: Backend,
) -> None:
    lead, contact = CrmObject.LEAD, CrmObject.CONTACT
    cursor = SyncCursor(modstamp=NOW, record_id="00Q1")
    older, newer = NOW - timedelta(days=20), NOW - timedelta(days=2)
    jobs = [
        _ended_job(until=older, finished=(lead, contact)),
        _ended_job(until=newer, finished=(lead,)),
    ]
    async with sql_backend.uow() as uow:
        for job in jobs:
            await uow.sync_jobs.add(job)
        for obj in (lead, contact, CrmObject.ACCOUNT):
            await uow.cursors.set("ws-1", obj, cursor)
        await uow.commit()

    await _down_and_up_again(sql_backend, "0005")

    async with sql_backend.uow() as uow:
        marks = [await uow.cursors.read_through("ws-1", obj) for obj in CrmObject]
    # Account, Lead, Contact: no job finished Accounts.
    assert marks == [None, newer, older]


def _ended_job(*, until: datetime, finished: tuple[CrmObject, ...]) -> SyncJob:
    job = SyncJob.request(
        workspace_id="ws-1",
        mode=SyncMode.INCREMENTAL,
        objects=None,
        requested_by="alice",
        now=until,
    ).start(now=until, until=until)
    for obj in finished:
        job = job.finish_object(obj)
    return job.pause(Problem(code="p", message="m"), until)


_CURSOR_AT_0005 = text(
    "INSERT INTO sync_cursors (workspace_id, object, modstamp, record_id) "
    "VALUES ('ws-1', 'Lead', :modstamp, '00Q1')"
).bindparams(bindparam("modstamp", type_=UtcDateTime()))

_PERSON_AT_0004 = text(
    "INSERT INTO people (workspace_id, person_id, lead_id, source, deleted, "
    "lead_deleted, contact_deleted, fields, modstamp, updated_at) VALUES "
    "(:workspace_id, 'p1', '00Q1', 'Lead', false, false, false, '{}', "
    ":modstamp, :modstamp)"
).bindparams(bindparam("modstamp", type_=UtcDateTime()))


def _person_at_0004() -> dict[str, Any]:
    return {"workspace_id": "ws-1", "modstamp": NOW}
