"""What the SQL adapters write: no secret in clear, in rows, files or logs."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from sqlalchemy import text, update

from adapters.encryption import FernetTokenCipher, UndecryptableSecret
from adapters.persistence import MisplacedSecret
from adapters.persistence.rows import ConnectionRow
from application.errors import CredentialsUnreadable
from tests.integration.persistence.conftest import Backend, open_sql_backend
from tests.integration.persistence.samples import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    STATE,
    VERIFIER,
    connected,
    pending,
)
from tests.support.databases import sqlite_url

SECRETS = (ACCESS_TOKEN, REFRESH_TOKEN, STATE, VERIFIER)


async def test_no_secret_is_stored_in_clear(sql_backend: Backend) -> None:
    await _store_everything(sql_backend)

    dump = await _dump_every_table(sql_backend)

    assert pending().redirect_uri in dump
    assert "a@acme.test" in dump
    for secret in SECRETS:
        assert secret not in dump


async def test_no_secret_reaches_the_sqlite_files(
    tmp_path: Path, cipher: FernetTokenCipher
) -> None:
    url = sqlite_url(tmp_path / "crmbridge.sqlite3")
    async with open_sql_backend("sqlite", url, cipher) as backend:
        await _store_everything(backend)
        while_open = _read_files(tmp_path)
    after_close = _read_files(tmp_path)

    assert "crmbridge.sqlite3-wal" in while_open
    assert b"a@acme.test" in b"".join(while_open.values())
    for secret in SECRETS:
        for name, content in [*while_open.items(), *after_close.items()]:
            assert secret.encode() not in content, name


async def test_the_state_is_kept_only_as_its_sha256(sql_backend: Backend) -> None:
    await _store_everything(sql_backend)

    async with sql_backend.sql.connect() as connection:
        keys = await connection.scalars(
            text("SELECT state_hash FROM pending_authorizations")
        )

    assert list(keys) == [hashlib.sha256(STATE.encode()).hexdigest()]


async def test_no_secret_is_logged(
    sql_backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    await _store_everything(sql_backend)
    async with sql_backend.uow() as uow:
        await uow.connections.get_for_update("ws-1")
        await uow.authorizations.take(STATE)

    assert "connection saved" in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text


async def test_tokens_copied_to_another_workspace_are_refused(
    sql_backend: Backend,
) -> None:
    await _store_everything(sql_backend)
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-2", tokens=None))
        await uow.commit()
    await _copy_tokens(sql_backend, "ws-1", "ws-2")

    async with sql_backend.uow() as uow:
        with pytest.raises(MisplacedSecret) as raised:
            await uow.connections.get("ws-2")

    for secret in SECRETS:
        assert secret not in str(raised.value)


async def test_tokens_under_an_unknown_key_fail_clearly(
    sql_backend: Backend,
) -> None:
    await _store_everything(sql_backend)
    stranger = FernetTokenCipher([FernetTokenCipher.generate_key()])

    async with sql_backend.reopened_with(stranger)() as uow:
        with pytest.raises(CredentialsUnreadable) as raised:
            await uow.connections.get("ws-1")

    assert raised.value.code == "credentials_unreadable"
    assert isinstance(raised.value.__cause__, UndecryptableSecret)
    for secret in SECRETS:
        assert secret not in str(raised.value)
        assert secret not in str(raised.value.__cause__)


async def _store_everything(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.authorizations.add(pending("ws-1"))
        await uow.commit()


async def _dump_every_table(backend: Backend) -> str:
    lines = []
    async with backend.sql.connect() as connection:
        for table in ("connections", "pending_authorizations", "alembic_version"):
            rows = await connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            lines += [f"{table} {tuple(row)!r}" for row in rows]
    return "\n".join(lines)


def _read_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


async def _copy_tokens(backend: Backend, source: str, target: str) -> None:
    async with backend.sql.begin() as connection:
        sealed = await connection.scalar(
            text("SELECT sealed_tokens FROM connections WHERE workspace_id = :id"),
            {"id": source},
        )
        await connection.execute(
            update(ConnectionRow)
            .where(ConnectionRow.workspace_id == target)
            .values(sealed_tokens=sealed)
        )
