"""Contract of the AuthorizationRepository port, for every adapter."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import HealthCheck, given, settings

from application.ports import UnitOfWorkFactory
from domain.authorization import PendingAuthorization
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, STATE, is_waiting, pending
from tests.support.strategies import pending_authorizations

ONE_BACKEND_PER_TEST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@ONE_BACKEND_PER_TEST
@given(authorization=pending_authorizations())
async def test_every_stored_value_comes_back_unchanged(
    backend: Backend, authorization: PendingAuthorization
) -> None:
    await _add(backend.uow, authorization)

    taken = await _take(backend.other_process, authorization.state)

    assert taken == authorization


async def test_an_unknown_state_gives_nothing(backend: Backend) -> None:
    await _add(backend.uow, pending(state=STATE))

    assert await _take(backend.uow, STATE + "x") is None
    assert await _take(backend.uow, STATE.upper()) is None


async def test_a_state_can_be_taken_once(backend: Backend) -> None:
    await _add(backend.uow, pending())

    first = await _take(backend.uow, STATE)
    second = await _take(backend.uow, STATE)

    assert first == pending()
    assert second is None


async def test_of_concurrent_takes_only_one_gets_it(backend: Backend) -> None:
    await _add(backend.uow, pending())
    takers = [backend.uow, backend.other_process] * 3

    results = await asyncio.gather(*(_take(taker, STATE) for taker in takers))

    assert [result for result in results if result is not None] == [pending()]


async def test_a_second_taker_waits_and_gets_it_after_a_rollback(
    backend: Backend,
) -> None:
    await _add(backend.uow, pending())

    async with backend.uow() as first:
        assert await first.authorizations.take(STATE) == pending()
        second = asyncio.create_task(_take(backend.other_process, STATE))
        assert await is_waiting(second)

    assert await second == pending()


async def test_an_expired_authorization_is_still_returned(backend: Backend) -> None:
    expired = pending(expires_at=NOW - timedelta(hours=1))
    await _add(backend.uow, expired)

    assert await _take(backend.uow, STATE) == expired


async def test_discard_workspace_forgets_only_that_workspace(
    backend: Backend,
) -> None:
    await _add(backend.uow, pending("ws-1", state="s1"))
    await _add(backend.uow, pending("ws-1", state="s2"))
    await _add(backend.uow, pending("ws-2", state="s3"))

    async with backend.uow() as uow:
        await uow.authorizations.discard_workspace("ws-1")
        await uow.commit()

    assert await _take(backend.uow, "s1") is None
    assert await _take(backend.uow, "s2") is None
    assert await _take(backend.uow, "s3") == pending("ws-2", state="s3")


async def test_discard_workspace_covers_this_units_own_additions(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        await uow.authorizations.add(pending("ws-1"))
        await uow.authorizations.discard_workspace("ws-1")
        await uow.commit()

    assert await _take(backend.uow, STATE) is None


async def test_purge_deletes_what_is_expired_and_counts_it(
    backend: Backend,
) -> None:
    at_now = pending(state="at-now", expires_at=NOW)
    earlier = pending(state="earlier", expires_at=NOW - timedelta(seconds=1))
    later = pending(state="later", expires_at=NOW + timedelta(microseconds=1))
    for authorization in (at_now, earlier, later):
        await _add(backend.uow, authorization)

    async with backend.uow() as uow:
        purged = await uow.authorizations.purge_expired(NOW)
        await uow.commit()

    assert purged == 2
    assert [at_now.is_expired(NOW), later.is_expired(NOW)] == [True, False]
    assert await _take(backend.uow, "at-now") is None
    assert await _take(backend.uow, "earlier") is None
    assert await _take(backend.uow, "later") == later


async def test_purge_of_nothing_counts_zero(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.authorizations.purge_expired(NOW) == 0


async def _add(uow_factory: UnitOfWorkFactory, pending: PendingAuthorization) -> None:
    async with uow_factory() as uow:
        await uow.authorizations.add(pending)
        await uow.commit()


async def _take(
    uow_factory: UnitOfWorkFactory, state: str
) -> PendingAuthorization | None:
    async with uow_factory() as uow:
        taken = await uow.authorizations.take(state)
        await uow.commit()
        return taken
