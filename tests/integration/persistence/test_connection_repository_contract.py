"""Contract of the ConnectionRepository port, for every adapter."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings

from application.ports import UnitOfWorkFactory
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
async def test_every_stored_value_comes_back_unchanged(
    backend: Backend, connection: Connection
) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connection)
        await uow.commit()

    async with backend.other_process() as uow:
        loaded = await uow.connections.get(connection.workspace_id)
        locked = await uow.connections.get_for_update(connection.workspace_id)

    assert loaded == connection
    assert locked == connection


async def test_an_unknown_workspace_has_no_connection(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.connections.get("nobody") is None
        assert await uow.connections.get_for_update("nobody") is None


async def test_save_replaces_the_whole_connection(backend: Backend) -> None:
    rotated = tokens(access_token="new-access", refresh_token="rotated-refresh")
    await _save(backend.uow, connected("ws-1"))

    await _save(backend.uow, connected("ws-1", tokens=rotated, problem=None))
    await _save(backend.uow, connected("ws-2"))

    async with backend.uow() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1", tokens=rotated)
        assert await uow.connections.get("ws-2") == connected("ws-2")


async def test_a_disconnect_forgets_the_tokens(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))

    await _save(backend.uow, connected("ws-1").disconnect())

    async with backend.uow() as uow:
        stored = await uow.connections.get("ws-1")
    assert stored is not None
    assert (stored.tokens, stored.identity) == (None, None)


async def test_get_for_update_makes_others_wait_until_commit(
    backend: Backend,
) -> None:
    await _save(backend.uow, connected("ws-1"))
    refreshed = tokens(access_token="refreshed")

    async with backend.uow() as first:
        current = await first.connections.get_for_update("ws-1")
        assert current is not None
        second = asyncio.create_task(_lock_and_read(backend.uow, "ws-1"))
        assert await is_waiting(second)

        await first.connections.save(current.with_tokens(refreshed))
        await first.commit()

    seen = await second
    assert seen is not None
    assert seen.tokens == refreshed


async def test_the_lock_holds_across_processes(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))

    async with backend.uow() as first:
        await first.connections.get_for_update("ws-1")
        second = asyncio.create_task(_lock_and_read(backend.other_process, "ws-1"))
        assert await is_waiting(second)
        await first.connections.save(connected("ws-1", problem=None, tokens=None))
        await first.commit()

    seen = await second
    assert seen is not None
    assert seen.tokens is None


async def test_a_workspace_without_a_connection_is_locked_too(
    backend: Backend,
) -> None:
    async with backend.uow() as first:
        assert await first.connections.get_for_update("ws-new") is None
        second = asyncio.create_task(_lock_and_read(backend.other_process, "ws-new"))
        assert await is_waiting(second)
        await first.connections.save(connected("ws-new"))
        await first.commit()

    assert await second == connected("ws-new")


async def test_rollback_releases_the_lock(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))

    async with backend.uow() as first:
        await first.connections.get_for_update("ws-1")
        await first.connections.save(connected("ws-1", tokens=None))
        second = asyncio.create_task(_lock_and_read(backend.uow, "ws-1"))
        assert await is_waiting(second)

    assert await second == connected("ws-1")


async def test_readers_do_not_wait_for_a_lock_holder(backend: Backend) -> None:
    await _save(backend.uow, connected("ws-1"))

    async with backend.uow() as holder:
        await holder.connections.get_for_update("ws-1")
        await holder.connections.save(connected("ws-1", tokens=None))
        async with backend.other_process() as reader:
            seen = await asyncio.wait_for(reader.connections.get("ws-1"), 5)

    assert seen == connected("ws-1")


async def test_locking_twice_in_one_unit_of_work_does_not_wait(
    backend: Backend,
) -> None:
    await _save(backend.uow, connected("ws-1"))

    async with backend.uow() as uow:
        await uow.connections.get_for_update("ws-1")
        again = await asyncio.wait_for(uow.connections.get_for_update("ws-1"), 5)

    assert again == connected("ws-1")


async def test_other_workspaces_need_not_wait(backend: Backend) -> None:
    if backend.name == "sqlite":
        pytest.skip("SQLite locks the whole database for a writer, by design")
    await _save(backend.uow, connected("ws-1"))
    await _save(backend.uow, connected("ws-2"))

    async with backend.uow() as first:
        await first.connections.get_for_update("ws-1")
        other = _lock_and_read(backend.other_process, "ws-2")
        assert await asyncio.wait_for(other, 5) == connected("ws-2")


async def _save(uow_factory: UnitOfWorkFactory, connection: Connection) -> None:
    async with uow_factory() as uow:
        await uow.connections.save(connection)
        await uow.commit()


async def _lock_and_read(
    uow_factory: UnitOfWorkFactory, workspace_id: str
) -> Connection | None:
    async with uow_factory() as uow:
        return await uow.connections.get_for_update(workspace_id)
