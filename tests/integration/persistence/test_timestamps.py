"""Timestamps are stored as instants and read back timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import connected, pending

PARIS_SUMMER = timezone(timedelta(hours=2))


async def test_an_offset_is_stored_as_the_same_instant_in_utc(
    sql_backend: Backend,
) -> None:
    local = datetime(2025, 7, 1, 14, 30, 15, 123456, tzinfo=PARIS_SUMMER)
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1", connected_at=local))
        await uow.authorizations.add(pending("ws-1", expires_at=local))
        await uow.commit()

    async with sql_backend.uow() as uow:
        stored = await uow.connections.get("ws-1")
        taken = await uow.authorizations.take(pending().state)

    assert stored is not None
    assert taken is not None
    for value in (stored.connected_at, taken.expires_at, taken.created_at):
        assert value is not None
        assert value.tzinfo is UTC
    assert stored.connected_at == local
    assert stored.connected_at == datetime(2025, 7, 1, 12, 30, 15, 123456, UTC)


async def test_the_database_holds_utc(sql_backend: Backend) -> None:
    local = datetime(2025, 7, 1, 14, 30, tzinfo=PARIS_SUMMER)
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1", connected_at=local))
        await uow.commit()

    async with sql_backend.sql.connect() as connection:
        if sql_backend.name == "postgres":
            await connection.execute(text("SET TIME ZONE 'UTC'"))
        raw = await connection.scalar(
            text("SELECT CAST(connected_at AS TEXT) FROM connections")
        )

    assert str(raw).startswith("2025-07-01 12:30:00")


async def test_a_naive_datetime_is_refused(sql_backend: Backend) -> None:
    naive = datetime(2025, 7, 1, 12, 30)

    async with sql_backend.uow() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.connections.save(connected("ws-1", connected_at=naive))
