"""Contract of `ConnectionRepository.overview`, for every adapter: the stored
connection without its tokens, and the instance URL they reach."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text

from adapters.persistence import MisplacedSecret
from application.ports import ConnectionOverview, UnitOfWorkFactory
from domain.connection import Connection
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import connected, is_waiting, tokens
from tests.support.strategies import connections

ONE_BACKEND_PER_TEST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@ONE_BACKEND_PER_TEST
@given(connection=connections())
async def test_the_overview_is_the_stored_connection_without_tokens(
    backend: Backend, connection: Connection
) -> None:
    await _save(backend.uow, connection)

    async with backend.other_process() as uow:
        overview = await uow.connections.overview(connection.workspace_id)

    assert overview == _expected(connection)


async def test_an_unknown_workspace_has_no_overview(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.connections.overview("nobody") is None


async def test_new_tokens_show_their_instance_url(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))
    async with backend.uow() as uow:
        await uow.connections.overview("ws-1")
    moved = msgspec.structs.replace(
        tokens(access_token="new-access"), instance_url="https://moved.example.test"
    )

    await _save(backend.uow, connected("ws-1", tokens=moved))

    async with backend.uow() as uow:
        overview = await uow.connections.overview("ws-1")
    assert overview is not None
    assert overview.instance_url == "https://moved.example.test"


async def test_a_unit_sees_its_own_change_and_others_only_what_is_committed(
    backend: Backend,
) -> None:
    await _save(backend.uow, connected("ws-1"))
    disconnected = connected("ws-1", tokens=None, identity=None)

    async with backend.uow() as writer:
        await writer.connections.save(disconnected)
        own = await writer.connections.overview("ws-1")
        async with backend.other_process() as reader:
            other = await reader.connections.overview("ws-1")
        await writer.commit()
        after_commit = await writer.connections.overview("ws-1")

    assert own == after_commit == _expected(disconnected)
    assert other == _expected(connected("ws-1"))


async def test_an_overview_does_not_wait_for_a_lock_holder(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))

    async with backend.uow() as holder:
        await holder.connections.get_for_update("ws-1")
        reading = asyncio.create_task(_overview(backend.other_process, "ws-1"))

        assert not await is_waiting(reading)
    assert await reading == _expected(connected("ws-1"))


async def test_tokens_copied_to_another_workspace_fail_the_overview(
    sql_backend: Backend,
) -> None:
    await _save(sql_backend.uow, connected("ws-1"))
    await _save(sql_backend.uow, connected("ws-2", tokens=None))
    await _copy_sealed_tokens(sql_backend, "ws-1", "ws-2")

    for _ in range(2):  # a refusal is not remembered as an answer
        with pytest.raises(MisplacedSecret):
            await _overview(sql_backend.uow, "ws-2")


async def test_tokens_no_key_opens_show_as_unreadable(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))
    await _overview(backend.uow, "ws-1")  # Known to the URL cache.
    losing, _ = backend.losing_keys()

    overview = await _overview(losing, "ws-1")

    assert overview == ConnectionOverview(
        connection=connected("ws-1", tokens=None),
        instance_url=None,
        credentials_unreadable=True,
    )


def _expected(connection: Connection) -> ConnectionOverview:
    return ConnectionOverview(
        connection=msgspec.structs.replace(connection, tokens=None),
        instance_url=connection.tokens.instance_url if connection.tokens else None,
    )


async def _save(uow_factory: UnitOfWorkFactory, connection: Connection) -> None:
    async with uow_factory() as uow:
        await uow.connections.save(connection)
        await uow.commit()


async def _overview(
    uow_factory: UnitOfWorkFactory, workspace_id: str
) -> ConnectionOverview | None:
    async with uow_factory() as uow:
        return await uow.connections.overview(workspace_id)


async def _copy_sealed_tokens(backend: Backend, source: str, target: str) -> None:
    async with backend.sql.begin() as connection:
        sealed = await connection.scalar(
            text("SELECT sealed_tokens FROM connections WHERE workspace_id = :id"),
            {"id": source},
        )
        await connection.execute(
            text("UPDATE connections SET sealed_tokens = :s WHERE workspace_id = :id"),
            {"s": sealed, "id": target},
        )
