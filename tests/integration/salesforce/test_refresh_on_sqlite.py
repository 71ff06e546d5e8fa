"""A token refresh over real HTTP with SQLite: no write waits for Salesforce."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.clock import SystemClock
from adapters.encryption import FernetTokenCipher
from adapters.salesforce import HttpxSalesforceOAuth, new_http_client
from application.locks import KeyedLocks
from application.session import SalesforceSession
from application.settings import OAuthSettings
from application.token_refresh import LeaseTiming
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.tokens import TokenSet
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.integration.persistence.conftest import Backend, open_sql_backend
from tests.integration.persistence.samples import connected
from tests.integration.salesforce.common import NO_WAIT
from tests.integration.salesforce.test_adapters_on_emulator import connect
from tests.support.databases import sqlite_url

STALL = 3.0


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Backend]:
    cipher = FernetTokenCipher([FernetTokenCipher.generate_key()])
    url = sqlite_url(tmp_path / "refresh.sqlite3")
    async with open_sql_backend("sqlite", url, cipher) as backend:
        yield backend


@pytest.fixture
async def oauth() -> AsyncIterator[HttpxSalesforceOAuth]:
    async with new_http_client(trust_env=False) as client:
        yield HttpxSalesforceOAuth(client, retry=NO_WAIT)


async def test_writes_go_on_while_a_refresh_waits_for_salesforce(
    sqlite: Backend,
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
) -> None:
    tokens = await _connected(sqlite, emulator, demo, oauth)
    session = _session(sqlite, emulator, oauth)
    emulator.world.set_refresh_delay(STALL)
    refresh = asyncio.create_task(session.refresh("ws-e", stale=tokens))
    await _until_refreshing(emulator)

    await asyncio.wait_for(_write_another_workspace(sqlite), STALL / 3)
    still_refreshing = not refresh.done()
    fresh = await refresh

    assert still_refreshing
    assert fresh.access_token != tokens.access_token
    async with sqlite.uow() as uow:
        stored = await uow.connections.get("ws-e")
        other = await uow.connections.get("ws-other")
    assert stored is not None
    assert stored.tokens == fresh
    assert other == connected("ws-other")


async def test_a_rotated_token_is_stored_and_the_old_one_never_sent_again(
    sqlite: Backend,
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
) -> None:
    emulator.world.update_app(demo.app.consumer_key, refresh_token_rotation=True)
    tokens = await _connected(sqlite, emulator, demo, oauth)
    sessions = [_session(sqlite, emulator, oauth) for _ in range(2)]
    emulator.world.set_refresh_delay(0.3)

    first = await asyncio.gather(
        *(sessions[n % 2].refresh("ws-e", stale=tokens) for n in range(6))
    )
    second = await sessions[1].refresh("ws-e", stale=first[0])

    async with sqlite.uow() as uow:
        stored = await uow.connections.get("ws-e")
    assert stored is not None
    assert stored.status is ConnectionStatus.CONNECTED
    assert len({answer.refresh_token for answer in first}) == 1
    assert first[0].refresh_token != tokens.refresh_token
    assert stored.tokens == second
    assert second.refresh_token not in {tokens.refresh_token, first[0].refresh_token}


async def _connected(
    sqlite: Backend,
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
) -> TokenSet:
    tokens = await connect(emulator, demo, oauth)
    connection = Connection(
        workspace_id="ws-e",
        client_id=demo.app.consumer_key,
        status=ConnectionStatus.CONNECTED,
        identity=OrgIdentity(
            org_id=demo.production.id,
            user_id=demo.production_user.id,
            username=demo.production_user.username,
        ),
        tokens=tokens,
        connected_at=datetime.now(UTC),
    )
    async with sqlite.uow() as uow:
        await uow.connections.save(connection)
        await uow.commit()
    return tokens


async def _write_another_workspace(sqlite: Backend) -> None:
    async with sqlite.other_process() as uow:
        await uow.connections.save(connected("ws-other"))
        await uow.commit()


def _session(
    sqlite: Backend, emulator: EmulatorServer, oauth: HttpxSalesforceOAuth
) -> SalesforceSession:
    settings = OAuthSettings(
        production_login_url=emulator.login_url,
        sandbox_login_url=emulator.sandbox_login_url,
    )
    return SalesforceSession(
        sqlite.uow,
        oauth,
        settings,
        KeyedLocks(),
        SystemClock(),
        concurrent_refresh_delay=0.05,
        lease=LeaseTiming(seconds=30, poll_seconds=0.05),
    )


async def _until_refreshing(emulator: EmulatorServer) -> None:
    for _ in range(200):
        if emulator.world.refreshing:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the refresh never reached the emulator")
