"""Use cases that read a connection and save it, against writers that land
between the read and the save: a refresh storing rotated tokens, a callback
completing the authorization."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from application.ports import ApiUsage, UnitOfWork, UnitOfWorkFactory
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.start_authorization import StartAuthorization
from domain.connection import ConnectionStatus
from domain.tokens import TokenSet
from tests.unit.application.conftest import ADMIN, CLIENT_ID, App, state_of

BLOCKED = 0.1
OTHER_ORG = "00D000000000002AAA"
SAME_SETTINGS = ConfigureSettings.Command(
    actor=ADMIN, client_id=CLIENT_ID, sandbox=False
)


class Meanwhile:
    """Units of work that, once their connection is read, let another writer
    run until it ends or waits for a lock the reader holds."""

    def __init__(
        self, uow: UnitOfWorkFactory, writer: Callable[[], Awaitable[Any]]
    ) -> None:
        self._uow = uow
        self._writer = writer
        self.task: asyncio.Task[Any] | None = None

    def __call__(self) -> UnitOfWork:
        inner = self._uow()
        connections = inner.connections
        connections.get = self._hooked(connections.get)  # type: ignore[method-assign]
        connections.get_for_update = self._hooked(  # type: ignore[method-assign]
            connections.get_for_update
        )
        return inner

    async def result(self) -> Any:
        assert self.task is not None, "the connection was never read"
        return await asyncio.wait_for(self.task, 5)

    def _hooked(self, read: Callable[[str], Awaitable[Any]]) -> Any:
        async def read_then(workspace_id: str) -> Any:
            found = await read(workspace_id)
            if self.task is None:
                self.task = asyncio.ensure_future(self._writer())
                await asyncio.wait({self.task}, timeout=BLOCKED)
            return found

        return read_then


def _tokens(app: App) -> TokenSet:
    connection = app.connection()
    assert connection is not None
    assert connection.tokens is not None
    return connection.tokens


def _holds_a_live_grant(app: App) -> bool:
    connection = app.connection()
    assert connection is not None
    connected = connection.status is ConnectionStatus.CONNECTED
    return connected and _tokens(app).refresh_token in app.salesforce.live_refresh


def _callback(app: App, started_url: str) -> Callable[[], Awaitable[Any]]:
    state = state_of(started_url)
    code = app.salesforce.approve(app.store.authorizations[state])
    command = CompleteAuthorization.Command(state=state, code=code)
    return lambda: app.complete.execute(command)


async def test_settings_saved_during_a_refresh_keep_the_rotated_token(
    app: App,
) -> None:
    app.salesforce.rotation = True
    await app.connect()
    stale = _tokens(app)
    meanwhile = Meanwhile(
        app.store.unit_of_work, lambda: app.session.refresh("ws-a", stale=stale)
    )
    configure = ConfigureSettings(meanwhile, app.clock, app.settings)

    await configure.execute(SAME_SETTINGS)
    fresh = await meanwhile.result()
    stored = _tokens(app)
    await app.session.refresh("ws-a", stale=stored)

    assert fresh.refresh_token != stale.refresh_token
    assert stored == fresh
    assert _holds_a_live_grant(app)


async def _callback_meanwhile(app: App) -> Meanwhile:
    """Units of work that let a started authorization's callback run right
    after the use case under test reads the connection."""
    started = await app.start.execute(
        StartAuthorization.Command(actor=ADMIN, client_id=CLIENT_ID, sandbox=False)
    )
    return Meanwhile(app.store.unit_of_work, _callback(app, started.authorization_url))


async def test_settings_saved_during_the_callback_keep_the_connection(
    app: App,
) -> None:
    meanwhile = await _callback_meanwhile(app)
    configure = ConfigureSettings(meanwhile, app.clock, app.settings)

    await configure.execute(SAME_SETTINGS)
    completed = await meanwhile.result()

    assert completed.status is ConnectionStatus.CONNECTED
    assert _holds_a_live_grant(app)


async def test_a_start_during_the_callback_leaves_no_grant_unstored(
    app: App,
) -> None:
    meanwhile = await _callback_meanwhile(app)
    start = StartAuthorization(meanwhile, app.salesforce, app.clock, app.settings)

    await start.execute(StartAuthorization.Command(actor=ADMIN))
    await meanwhile.result()

    assert _holds_a_live_grant(app)


async def test_a_check_of_the_old_org_is_not_recorded_on_a_new_connection(
    app: App,
) -> None:
    await app.connect()
    usage = app.salesforce.api_usage

    async def reconnect_elsewhere_meanwhile(tokens: TokenSet) -> ApiUsage:
        answer = await usage(tokens)
        await app.disconnect.execute(ADMIN)
        app.salesforce.org_id = OTHER_ORG
        await app.connect()
        return answer

    app.salesforce.api_usage = reconnect_elsewhere_meanwhile  # type: ignore[method-assign]

    await app.verify.execute(ADMIN)

    identity = app.connection().identity  # type: ignore[union-attr]
    assert identity is not None
    assert identity.org_id == OTHER_ORG
