"""The HTTP app in process, on the in-memory store and the scripted Salesforce.

Sync jobs run in the app's own in-process runner, against the fake's org;
`held` swaps in a scheduler that leaves them queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.encryption import FernetTokenCipher
from adapters.liveness import InMemoryLiveness
from adapters.memory import InMemoryStore
from application.sync.ports import SyncScheduler
from domain.workspace import Role
from entrypoints.bearer import mint
from entrypoints.config import Config, load_config
from entrypoints.container import Container
from entrypoints.http import create_app
from tests.fakes.salesforce import FakeSalesforce
from tests.support.clock import FixedClock

CLIENT_ID = "3MVG9" + "x" * 80
SECRET = "j" * 48


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


class HeldScheduler(SyncScheduler):
    """Remembers what it was asked and runs nothing: jobs stay as queued."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, str]] = []
        self.cancelled: list[tuple[str, str]] = []

    def submit(self, workspace_id: str, job_id: str) -> None:
        self.submitted.append((workspace_id, job_id))

    def cancel(self, workspace_id: str, job_id: str) -> None:
        self.cancelled.append((workspace_id, job_id))


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
    container.records.override(salesforce)
    container.clock.override(clock)
    container.liveness.override(providers.Object(InMemoryLiveness()))
    return container


@pytest.fixture
def settings_page() -> str:
    return "https://app.example/settings/crm?tab=sf"


@pytest.fixture
def scheduler() -> SyncScheduler | None:
    """None: the container's own in-process runner."""
    return None


@pytest.fixture
def held() -> HeldScheduler:
    return HeldScheduler()


@pytest.fixture
async def api(
    tmp_path: Path, settings_page: str, scheduler: SyncScheduler | None
) -> AsyncIterator[Api]:
    config = config_for(tmp_path, CRMBRIDGE_SETTINGS_PAGE_URL=settings_page)
    clock = FixedClock()
    store, salesforce = InMemoryStore(clock=clock), FakeSalesforce()
    container = in_memory_container(config, salesforce, store, clock)
    if scheduler is not None:
        container.scheduler.override(providers.Object(scheduler))
    async with AsyncTestClient(create_app(container)) as client:
        yield Api(client, config, store, salesforce, clock, container)


SYNCS = "/api/crm/salesforce/syncs"
ENDED = frozenset({"succeeded", "failed", "paused", "cancelled"})


async def started_sync(api: Api, body: object = None, **auth: Any) -> dict[str, Any]:
    answer = await api.client.post(SYNCS, json=body, headers=api.auth(**auth))
    assert answer.status_code == 202, answer.text
    job: dict[str, Any] = answer.json()
    return job


async def ended_sync(api: Api, job_id: str, workspace: str = "ws-a") -> dict[str, Any]:
    """Poll the job until the in-process runner has ended it."""
    for _ in range(500):
        answer = await api.client.get(f"{SYNCS}/{job_id}", headers=api.auth(workspace))
        job: dict[str, Any] = answer.json()
        if job["state"] in ENDED:
            return job
        await asyncio.sleep(0.01)
    raise AssertionError(f"sync {job_id} did not end: {job}")
