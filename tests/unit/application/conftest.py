"""Use cases wired to the in-memory store and the scripted Salesforce fake."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.memory import InMemoryStore
from application.locks import KeyedLocks
from application.session import SalesforceSession
from application.settings import OAuthSettings
from application.token_refresh import LeaseTiming
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.disconnect import Disconnect
from application.use_cases.get_connection import GetConnection
from application.use_cases.start_authorization import StartAuthorization
from application.use_cases.switch_environment import SwitchEnvironment
from application.use_cases.verify_connection import VerifyConnection
from domain.connection import Connection
from domain.workspace import Actor, Role
from tests.fakes.salesforce import FakeSalesforce
from tests.support.clock import FixedClock

CLIENT_ID = "3MVG9" + "x" * 80
ADMIN = Actor(workspace_id="ws-a", subject="alice", role=Role.ADMIN)
MEMBER = Actor(workspace_id="ws-a", subject="mo", role=Role.MEMBER)


@dataclass
class App:
    store: InMemoryStore
    salesforce: FakeSalesforce
    clock: FixedClock
    settings: OAuthSettings
    configure: ConfigureSettings
    start: StartAuthorization
    complete: CompleteAuthorization
    verify: VerifyConnection
    disconnect: Disconnect
    switch: SwitchEnvironment
    get: GetConnection
    session: SalesforceSession

    def connection(self, workspace_id: str = "ws-a") -> Connection | None:
        return self.store.connections.get(workspace_id)

    async def connect(self, actor: Actor = ADMIN, *, sandbox: bool = False) -> None:
        started = await self.start.execute(
            StartAuthorization.Command(
                actor=actor, client_id=CLIENT_ID, sandbox=sandbox
            )
        )
        state = state_of(started.authorization_url)
        code = self.salesforce.approve(self.store.authorizations[state])
        await self.complete.execute(
            CompleteAuthorization.Command(state=state, code=code)
        )


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


@pytest.fixture
def app() -> App:
    clock = FixedClock()
    store = InMemoryStore(clock=clock)
    salesforce = FakeSalesforce()
    settings = OAuthSettings(
        production_login_url="https://login.example",
        sandbox_login_url="https://test.example",
        public_url="https://{workspace}.crm.example",
    )
    uow = store.unit_of_work
    session = SalesforceSession(
        uow,
        salesforce,
        settings,
        KeyedLocks(),
        clock,
        concurrent_refresh_delay=0.01,
        lease=LeaseTiming(seconds=120, poll_seconds=0.01),
    )
    start = StartAuthorization(uow, salesforce, clock, settings)
    disconnect = Disconnect(uow, salesforce, clock, settings)
    return App(
        store=store,
        salesforce=salesforce,
        clock=clock,
        settings=settings,
        configure=ConfigureSettings(uow, clock, settings),
        start=start,
        complete=CompleteAuthorization(uow, salesforce, salesforce, clock, settings),
        verify=VerifyConnection(uow, session, salesforce, salesforce, clock, settings),
        disconnect=disconnect,
        switch=SwitchEnvironment(uow, disconnect, start),
        get=GetConnection(uow, clock, settings),
        session=session,
    )


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every `asyncio.sleep` of the test's thread from now on, recorded and
    not waited for. Other threads sleep as ever: an emulator another test
    left serving in this process ticks its server loop every 0.1 s."""
    recorded: list[float] = []
    real_sleep = asyncio.sleep
    here = threading.get_ident()

    async def record(seconds: float, result: Any = None) -> Any:
        if threading.get_ident() != here:
            return await real_sleep(seconds, result)
        recorded.append(seconds)
        return await real_sleep(0, result)

    monkeypatch.setattr(asyncio, "sleep", record)
    return recorded
