"""Contract of the repositories, for every adapter, when no configured key opens
a stored secret: a clear application error, never the secret, nothing lost."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import AuthorizationUnreadable, CredentialsUnreadable
from application.ports import UnitOfWorkFactory
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    STATE,
    VERIFIER,
    connected,
    is_waiting,
    pending,
    tokens,
)

SECRETS = (ACCESS_TOKEN, REFRESH_TOKEN, STATE, VERIFIER)


async def test_reading_tokens_no_key_opens_says_so(backend: Backend) -> None:
    await _store(backend)
    losing, _ = backend.losing_keys()

    async with losing() as uow:
        with pytest.raises(CredentialsUnreadable) as read:
            await uow.connections.get("ws-1")
        with pytest.raises(CredentialsUnreadable) as locked:
            await uow.connections.get_for_update("ws-1")

    for raised in (read.value, locked.value):
        assert raised.code == "credentials_unreadable"
        assert raised.hint
        assert not any(secret in repr(raised.__cause__) for secret in SECRETS)


async def test_the_lock_is_held_when_the_tokens_cannot_be_opened(
    backend: Backend,
) -> None:
    await _store(backend)
    first, second = backend.losing_keys()

    async with first() as holder:
        with pytest.raises(CredentialsUnreadable):
            await holder.connections.get_for_update("ws-1")
        overview = await holder.connections.overview("ws-1")
        waiting = asyncio.create_task(_lock(second, "ws-1"))

        assert await is_waiting(waiting)
    with pytest.raises(CredentialsUnreadable):
        await waiting
    assert overview is not None
    assert overview.connection == connected("ws-1", tokens=None)


async def test_saving_new_tokens_over_unreadable_ones_makes_them_readable(
    backend: Backend,
) -> None:
    await _store(backend)
    losing, _ = backend.losing_keys()
    fresh = connected("ws-1", tokens=tokens(access_token="fresh"))

    async with losing() as uow:
        await uow.connections.save(fresh)
        await uow.commit()

    async with losing() as uow:
        assert await uow.connections.get("ws-1") == fresh


async def test_a_verifier_no_key_opens_names_its_workspace_and_is_spent(
    backend: Backend,
) -> None:
    await _store(backend)
    losing, _ = backend.losing_keys()

    async with losing() as uow:
        with pytest.raises(AuthorizationUnreadable) as raised:
            await uow.authorizations.take(STATE)
        await uow.commit()
    async with losing() as uow:
        again = await uow.authorizations.take(STATE)

    assert raised.value.workspace_id == "ws-1"
    assert not any(secret in repr(raised.value.__cause__) for secret in SECRETS)
    assert again is None


async def test_an_unreadable_verifier_stays_unless_the_take_commits(
    backend: Backend,
) -> None:
    await _store(backend)
    losing, _ = backend.losing_keys()

    for _ in range(2):
        async with losing() as uow:
            with pytest.raises(AuthorizationUnreadable):
                await uow.authorizations.take(STATE)


async def _store(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.authorizations.add(pending("ws-1"))
        await uow.commit()


async def _lock(uow_factory: UnitOfWorkFactory, workspace_id: str) -> None:
    async with uow_factory() as uow:
        await uow.connections.get_for_update(workspace_id)
