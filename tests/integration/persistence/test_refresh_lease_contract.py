"""Contract of the refresh lease of `ConnectionRepository`, for every adapter."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from application.ports import UnitOfWorkFactory
from domain.refresh_lease import RefreshLease
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, connected, is_waiting, tokens

MINUTE = timedelta(minutes=1)
FIRST = RefreshLease(holder="first", until=NOW + MINUTE)
SECOND = RefreshLease(holder="second", until=NOW + 2 * MINUTE)


async def test_a_free_lease_is_taken_and_blocks_others_until_it_ends(
    backend: Backend,
) -> None:
    await _save_connection(backend.uow)

    taken = await _take(backend.uow, FIRST)
    refused = await _take(backend.other_process, SECOND, now=NOW + MINUTE / 2)

    assert taken == FIRST
    assert refused == FIRST


async def test_its_holder_takes_it_again_for_longer(backend: Backend) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)
    longer = RefreshLease(holder="first", until=NOW + 3 * MINUTE)

    again = await _take(backend.other_process, longer, now=NOW + MINUTE / 2)

    assert again == longer
    assert await _take(backend.uow, SECOND, now=NOW + 2 * MINUTE) == longer


async def test_an_expired_lease_is_taken_over(backend: Backend) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)

    taken = await _take(backend.other_process, SECOND, now=FIRST.until)

    assert taken == SECOND
    assert await _take(backend.uow, FIRST, now=FIRST.until) == SECOND


async def test_an_ended_lease_is_free_for_the_next(backend: Backend) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)

    await _end(backend.other_process, "first")

    assert await _take(backend.uow, SECOND, now=NOW) == SECOND


async def test_ending_a_lease_taken_over_leaves_the_new_holder(
    backend: Backend,
) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)
    await _take(backend.other_process, SECOND, now=FIRST.until)

    await _end(backend.uow, "first")
    await _end(backend.uow, "nobody")

    assert await _take(backend.uow, FIRST, now=FIRST.until) == SECOND


async def test_a_save_of_the_connection_leaves_the_lease(backend: Backend) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)

    await _save_connection(backend.other_process, access_token="refreshed")
    await _save_connection(backend.other_process, disconnected=True)

    assert await _take(backend.uow, SECOND) == FIRST


async def test_no_connection_has_no_lease(backend: Backend) -> None:
    assert await _take(backend.uow, FIRST) is None


async def test_a_lease_is_taken_only_when_committed(backend: Backend) -> None:
    await _save_connection(backend.uow)

    async with backend.uow() as uow:
        await uow.connections.take_refresh_lease("ws-1", FIRST, now=NOW)

    assert await _take(backend.other_process, SECOND) == SECOND


async def test_taking_the_lease_locks_the_connection_until_the_unit_ends(
    backend: Backend,
) -> None:
    await _save_connection(backend.uow)

    async with backend.uow() as first:
        await first.connections.take_refresh_lease("ws-1", FIRST, now=NOW)
        second = asyncio.create_task(_take(backend.other_process, SECOND))
        assert await is_waiting(second)
        await first.commit()

    assert await second == FIRST


async def test_the_lease_does_not_change_the_connection(backend: Backend) -> None:
    await _save_connection(backend.uow)

    await _take(backend.uow, FIRST)

    async with backend.other_process() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")
        assert await uow.connections.get_for_update("ws-1") == connected("ws-1")


async def test_a_cleared_lease_is_free_whoever_held_it(backend: Backend) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)

    await _clear(backend.other_process)

    assert await _take(backend.uow, SECOND, now=NOW) == SECOND
    async with backend.other_process() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")


async def test_clearing_no_lease_changes_nothing(backend: Backend) -> None:
    await _clear(backend.uow)
    await _save_connection(backend.uow)

    await _clear(backend.other_process)

    assert await _take(backend.uow, FIRST) == FIRST
    async with backend.other_process() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")


async def test_a_lease_is_cleared_only_when_committed(backend: Backend) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)

    async with backend.other_process() as uow:
        await uow.connections.clear_refresh_lease("ws-1")

    assert await _take(backend.uow, SECOND) == FIRST


async def test_clearing_the_lease_locks_the_connection_until_the_unit_ends(
    backend: Backend,
) -> None:
    await _save_connection(backend.uow)
    await _take(backend.uow, FIRST)

    async with backend.uow() as first:
        await first.connections.clear_refresh_lease("ws-1")
        second = asyncio.create_task(_take(backend.other_process, SECOND))
        assert await is_waiting(second)
        await first.commit()

    assert await second == SECOND


async def _save_connection(
    uow_factory: UnitOfWorkFactory,
    *,
    access_token: str | None = None,
    disconnected: bool = False,
) -> None:
    connection = connected("ws-1")
    if access_token is not None:
        connection = connection.with_tokens(tokens(access_token=access_token))
    if disconnected:
        connection = connection.disconnect()
    async with uow_factory() as uow:
        await uow.connections.save(connection)
        await uow.commit()


async def _take(
    uow_factory: UnitOfWorkFactory, lease: RefreshLease, *, now: datetime = NOW
) -> RefreshLease | None:
    async with uow_factory() as uow:
        standing = await uow.connections.take_refresh_lease("ws-1", lease, now=now)
        await uow.commit()
    return standing


async def _end(uow_factory: UnitOfWorkFactory, holder: str) -> None:
    async with uow_factory() as uow:
        await uow.connections.end_refresh_lease("ws-1", holder)
        await uow.commit()


async def _clear(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.connections.clear_refresh_lease("ws-1")
        await uow.commit()
