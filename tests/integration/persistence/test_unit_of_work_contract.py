"""Contract of the UnitOfWork port, for every adapter."""

from __future__ import annotations

import pytest

from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, connected, pending


class Boom(Exception):
    pass


async def test_changes_are_invisible_to_others_until_commit(
    backend: Backend,
) -> None:
    async with backend.uow() as writer:
        await writer.connections.save(connected("ws-1"))
        await writer.authorizations.add(pending("ws-1"))

        async with backend.other_process() as reader:
            assert await reader.connections.get("ws-1") is None

        await writer.commit()

    async with backend.other_process() as reader:
        assert await reader.connections.get("ws-1") == connected("ws-1")


async def test_a_unit_of_work_reads_its_own_writes(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))

        assert await uow.connections.get("ws-1") == connected("ws-1")


async def test_leaving_without_commit_rolls_back(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.authorizations.add(pending("ws-1"))

    async with backend.uow() as uow:
        assert await uow.connections.get("ws-1") is None
        assert await uow.authorizations.take(pending().state) is None


async def test_an_error_rolls_back_and_propagates(backend: Backend) -> None:
    with pytest.raises(Boom):
        await _save_then_fail(backend)

    async with backend.uow() as uow:
        assert await uow.connections.get("ws-1") is None


async def test_commit_keeps_both_repositories_changes_together(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        await uow.authorizations.add(pending("ws-1"))
        await uow.commit()

    async with backend.uow() as uow:
        taken = await uow.authorizations.take(pending().state)
        await uow.connections.save(connected("ws-1"))
        await uow.commit()

    async with backend.uow() as uow:
        assert taken == pending("ws-1")
        assert await uow.connections.get("ws-1") == connected("ws-1")
        assert await uow.authorizations.take(pending().state) is None


async def test_work_after_a_commit_needs_its_own_commit(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.commit()
        await uow.connections.save(connected("ws-1", last_verified_at=None))

    async with backend.uow() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")


async def test_reads_before_a_write_do_not_stop_the_write(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.connections.get("ws-1") is None
        await uow.connections.save(connected("ws-1"))
        await uow.authorizations.purge_expired(NOW)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.connections.get("ws-1") == connected("ws-1")


async def _save_then_fail(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        raise Boom
