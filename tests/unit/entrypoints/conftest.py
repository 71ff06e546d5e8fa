"""The HTTP app in process, on the in-memory store and the scripted Salesforce."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.encryption import FernetTokenCipher
from adapters.memory import InMemoryStore
from domain.workspace import Role
from entrypoints.bearer import mint
from entrypoints.config import Config, load_config
from entrypoints.container import Container
from entrypoints.http import create_app
from tests.fakes.salesforce import FakeSalesforce

CLIENT_ID = "3MVG9" + "x" * 80
SECRET = "j" * 48


class FixedClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Api:
    """The app under test and handles on everything behind it."""

    client: AsyncTestClient[Any]
    config: Config
    store: InMemoryStore
    salesforce: FakeSalesforce
    clock: FixedClock
    container: Any

    def auth(self, workspace: str = "ws-a", role: Role = Role.ADMIN) -> dict[str, str]:
        token = mint(SECRET, workspace=workspace, role=role, subject="alice")
        return {"Authorization": f"Bearer {token}"}

    async def connect(self, workspace: str = "ws-a") -> None:
        started = await self.client.post(
            "/api/crm/salesforce/authorizations",
            json={"client_id": CLIENT_ID, "sandbox": False},
            headers=self.auth(workspace),
        )
        state = state_of(started.json()["authorization_url"])
        code = self.salesforce.approve(self.store.authorizations[state])
        answer = await self.callback({"state": state, "code": code})
        assert answer.headers["location"].endswith("salesforce=connected")

    async def callback(
        self, params: dict[str, str], *, as_json: bool = False
    ) -> httpx.Response:
        return await self.client.get(
            "/api/oauth/callback/salesforce",
            params=params,
            headers={"Accept": "application/json"} if as_json else {},
            follow_redirects=False,
        )


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def config_for(tmp_path: Path, **variables: str) -> Config:
    env = {
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
        "CRMBRIDGE_JWT_SECRET": SECRET,
        "CRMBRIDGE_PUBLIC_URL": "https://crm.example",
        "CRMBRIDGE_SETTINGS_PAGE_URL": "https://app.example/settings/crm?tab=sf",
        **variables,
    }
    return load_config(env, state_dir=tmp_path)


def in_memory_container(config: Config, salesforce: Any, store: Any, clock: Any) -> Any:
    container = Container(config=config)
    container.engine.override(providers.Object(None))
    container.http_client.override(providers.Object(None))
    container.uow.override(providers.Object(store.unit_of_work))
    container.oauth.override(salesforce)
    container.api.override(salesforce)
    container.clock.override(clock)
    return container


@pytest.fixture
def settings_page() -> str:
    return "https://app.example/settings/crm?tab=sf"


@pytest.fixture
async def api(tmp_path: Path, settings_page: str) -> AsyncIterator[Api]:
    config = config_for(tmp_path, CRMBRIDGE_SETTINGS_PAGE_URL=settings_page)
    store, salesforce, clock = InMemoryStore(), FakeSalesforce(), FixedClock()
    container = in_memory_container(config, salesforce, store, clock)
    async with AsyncTestClient(create_app(container)) as client:
        yield Api(client, config, store, salesforce, clock, container)
