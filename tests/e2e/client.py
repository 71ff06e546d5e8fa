"""A product UI's view of the API in e2e tests: one workspace, every answer kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx

from domain.workspace import Role
from entrypoints.bearer import mint
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.e2e.harness import Secrets

if TYPE_CHECKING:
    from tests.e2e.conftest import Service

API = "/api/crm/salesforce"


class Flow:
    """Calls the service as one workspace's admin (or another role) would."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        service: Service,
        emulator: EmulatorServer,
        demo: Demo,
        secrets: Secrets,
        workspace: str,
    ) -> None:
        self.http = http
        self.service = service
        self.emulator = emulator
        self.world = emulator.world
        self.demo = demo
        self.secrets = secrets
        self.workspace = workspace
        self.responses: list[str] = []
        http.event_hooks["response"].append(self._keep)

    def auth(
        self, role: Role = Role.ADMIN, workspace: str | None = None
    ) -> dict[str, str]:
        token = mint(
            self.service.config.jwt_secret,
            workspace=workspace or self.workspace,
            role=role,
            subject="e2e",
        )
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, *, role: Role = Role.ADMIN, **kwargs: Any
    ) -> httpx.Response:
        headers = self.auth(role, kwargs.pop("workspace", None))
        return await self.http.request(method, API + path, headers=headers, **kwargs)

    async def connection(self, **kwargs: Any) -> dict[str, Any]:
        answer = await self.call("GET", "", **kwargs)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def verify(self, **kwargs: Any) -> httpx.Response:
        return await self.call("POST", "/verification", **kwargs)

    async def start(self, **body: Any) -> str:
        """POST /authorizations; the authorization URL."""
        answer = await self.call("POST", "/authorizations", json=body or None)
        assert answer.status_code == 201, answer.text
        url: str = answer.json()["authorization_url"]
        self.secrets.note_url(url)
        return url

    async def consent(self, url: str, username: str, decision: str = "approve") -> str:
        """Log in at the emulator and decide; where Salesforce sends the browser."""
        location = await self.emulator.aconsent(url, username, decision)
        self.secrets.note_url(location)
        return location

    async def callback(self, location: str, *, as_json: bool = False) -> httpx.Response:
        """The browser arriving at our callback (no bearer token)."""
        parts = urlsplit(location)
        headers = {"Accept": "application/json"} if as_json else {}
        return await self.http.get(f"{parts.path}?{parts.query}", headers=headers)

    async def connect(
        self, *, sandbox: bool = False, username: str | None = None, **settings: Any
    ) -> httpx.Response:
        """Settings, Connect, consent and callback; the callback's answer."""
        user = self.demo.sandbox_user if sandbox else self.demo.production_user
        client_id = settings.pop("client_id", self.demo.app.consumer_key)
        url = await self.start(client_id=client_id, sandbox=sandbox, **settings)
        location = await self.consent(url, username or user.username)
        return await self.callback(location)

    def token_requests(self, grant_type: str) -> int:
        with self.world.lock:
            return self.world.stats.token_count(grant_type)

    async def _keep(self, response: httpx.Response) -> None:
        await response.aread()
        text = f"{response.headers}\n{response.text}"
        if "authorization_url" in text:
            # The state must travel in the authorization URL: nowhere else.
            url = response.json()["authorization_url"]
            for state in parse_qs(urlsplit(url).query)["state"]:
                text = text.replace(state, "<the state>", 1)
        self.responses.append(text)
