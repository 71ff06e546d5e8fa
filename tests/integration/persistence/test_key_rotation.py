"""Key rotation end to end: a new key first, re-encrypt, drop the old key."""

from __future__ import annotations

import pytest

from adapters.encryption import FernetTokenCipher
from adapters.persistence import Reencrypted, create_session_factory, reencrypt_all
from application.errors import CredentialsUnreadable
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import STATE, connected, pending


async def test_keys_rotate_without_reconnecting(
    sql_backend: Backend, encryption_key: str
) -> None:
    old, new = encryption_key, FernetTokenCipher.generate_key()
    await _store(sql_backend, workspaces=3)

    during = await _read_all(sql_backend, FernetTokenCipher([new, old]), 3)
    sessions = create_session_factory(sql_backend.sql)
    count = await reencrypt_all(sessions, FernetTokenCipher([new, old]))
    after = await _read_all(sql_backend, FernetTokenCipher([new]), 3)

    assert during == after == _expected(3)
    assert count == Reencrypted(done=3 + 3)
    with pytest.raises(CredentialsUnreadable):
        await _read_all(sql_backend, FernetTokenCipher([old]), 1)


async def test_what_no_key_opens_is_counted_and_left_as_it_was(
    sql_backend: Backend, encryption_key: str
) -> None:
    first, missing = encryption_key, FernetTokenCipher.generate_key()
    new = FernetTokenCipher.generate_key()
    await _store(sql_backend, workspaces=2)
    await _store(
        sql_backend, workspaces=3, first=2, cipher=FernetTokenCipher([missing])
    )
    sessions = create_session_factory(sql_backend.sql)

    result = await reencrypt_all(sessions, FernetTokenCipher([new, first]))
    after = await _read_all(sql_backend, FernetTokenCipher([new, missing]), 5)

    assert result == Reencrypted(done=2 + 2, unreadable=3 + 3)
    assert after == _expected(5)


async def test_reencrypt_works_in_batches_and_can_run_again(
    sql_backend: Backend, encryption_key: str
) -> None:
    new_then_old = FernetTokenCipher([FernetTokenCipher.generate_key(), encryption_key])
    sessions = create_session_factory(sql_backend.sql)
    await _store(sql_backend, workspaces=7)

    first = await reencrypt_all(sessions, new_then_old, batch_size=2)
    second = await reencrypt_all(sessions, new_then_old, batch_size=3)

    assert first == second == Reencrypted(done=14)
    assert await _read_all(sql_backend, new_then_old, 7) == _expected(7)


async def test_reencrypt_of_an_empty_database_does_nothing(
    sql_backend: Backend, cipher: FernetTokenCipher
) -> None:
    sessions = create_session_factory(sql_backend.sql)

    assert await reencrypt_all(sessions, cipher) == Reencrypted()


async def _store(
    backend: Backend,
    workspaces: int,
    first: int = 0,
    cipher: FernetTokenCipher | None = None,
) -> None:
    uow_factory = backend.reopened_with(cipher) if cipher else backend.uow
    async with uow_factory() as uow:
        for n in range(first, first + workspaces):
            await uow.connections.save(connected(f"ws-{n}"))
            await uow.authorizations.add(pending(f"ws-{n}", state=f"{STATE}{n}"))
        await uow.commit()
        await uow.connections.save(connected("ws-never-committed"))


async def _read_all(
    backend: Backend, cipher: FernetTokenCipher, workspaces: int
) -> list[object]:
    values: list[object] = []
    async with backend.reopened_with(cipher)() as uow:
        for n in range(workspaces):
            values.append(await uow.connections.get(f"ws-{n}"))
            values.append(await uow.authorizations.take(f"{STATE}{n}"))
    return values


def _expected(workspaces: int) -> list[object]:
    values: list[object] = []
    for n in range(workspaces):
        values += [connected(f"ws-{n}"), pending(f"ws-{n}", state=f"{STATE}{n}")]
    return values
