"""One Salesforce to run a contract against: the fake, or the adapters + emulator."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import httpx

from adapters.salesforce import HttpxSalesforceApi, HttpxSalesforceOAuth
from application.errors import SalesforceUnavailable
from application.ports import SalesforceApi, SalesforceOAuth
from domain.authorization import PendingAuthorization
from domain.environment import Environment
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.fakes.salesforce import ORG_ID, USER_ID, FakeSalesforce
from tests.integration.salesforce.common import NO_WAIT

CALLBACK = "http://127.0.0.1:8000/api/oauth/callback/salesforce"
FAKE_CLIENT_ID = "3MVG9_fake_consumer_key_0000000000"
API_VERSION = "62.0"


class Stage(Protocol):
    """A Salesforce with one app, a production and a sandbox user, and knobs."""

    oauth: SalesforceOAuth
    api: SalesforceApi
    org_id: str
    user_id: str
    username: str

    def pending(self, *, sandbox: bool = False) -> PendingAuthorization: ...

    async def approve(self, pending: PendingAuthorization) -> str:
        """Log in and click Allow; the code the callback receives."""
        ...

    def rotate_refresh_tokens(self) -> None: ...

    def expire_sessions(self) -> None: ...

    def revoke_grants(self) -> None:
        """An admin revokes the app's access in Salesforce's setup."""
        ...

    def set_api_usage(self, *, used: int, maximum: int) -> None: ...

    def disable_api(self) -> None: ...

    def break_down(self) -> None:
        """Every endpoint fails from now on, however often it is tried."""
        ...

    def calls(self, operation: str) -> int:
        """How often Salesforce was asked: "refresh", "organization", ..."""
        ...


def begin(client_id: str, login_host: str, *, sandbox: bool) -> PendingAuthorization:
    return PendingAuthorization.begin(
        workspace_id="ws-contract",
        environment=Environment.from_sandbox_flag(sandbox),
        client_id=client_id,
        login_host=login_host,
        redirect_uri=CALLBACK,
        now=datetime.now(UTC),
    )


class FakeStage:
    def __init__(self) -> None:
        self.fake = FakeSalesforce(client_ids=[FAKE_CLIENT_ID])
        self.oauth: SalesforceOAuth = self.fake
        self.api: SalesforceApi = self.fake
        self.org_id, self.user_id = ORG_ID, USER_ID
        self.username = self.fake.username

    def pending(self, *, sandbox: bool = False) -> PendingAuthorization:
        self.fake.is_sandbox = sandbox
        host = "https://test.example" if sandbox else "https://login.example"
        return begin(FAKE_CLIENT_ID, host, sandbox=sandbox)

    async def approve(self, pending: PendingAuthorization) -> str:
        return self.fake.approve(pending)

    def rotate_refresh_tokens(self) -> None:
        self.fake.rotation = True

    def expire_sessions(self) -> None:
        self.fake.expire_access_tokens()

    def revoke_grants(self) -> None:
        self.fake.revoke_everything()

    def set_api_usage(self, *, used: int, maximum: int) -> None:
        self.fake.api_used, self.fake.api_max = used, maximum

    def disable_api(self) -> None:
        self.fake.api_enabled = False

    def break_down(self) -> None:
        outage = SalesforceUnavailable("scripted outage")
        for operation in ("exchange_code", "refresh", "identity", "revoke"):
            self.fake.fail_next(operation, outage, times=1000)
        for operation in ("organization", "api_usage"):
            self.fake.fail_next(operation, outage, times=1000)

    def calls(self, operation: str) -> int:
        counters = {
            "refresh": self.fake.refresh_calls,
            "exchange": self.fake.exchange_calls,
            "revoke": self.fake.revoke_calls,
            "identity": self.fake.identity_calls,
            "rest": self.fake.api_calls,
        }
        return counters[operation]


class EmulatorStage:
    """The real adapters, with fast retries, over a client that counts requests."""

    def __init__(
        self, server: EmulatorServer, demo: Demo, client: httpx.AsyncClient
    ) -> None:
        self.server, self.world, self.demo = server, server.world, demo
        self.requests: Counter[str] = Counter()
        client.event_hooks["request"].append(self._count)
        self.oauth: SalesforceOAuth = HttpxSalesforceOAuth(client, retry=NO_WAIT)
        self.api: SalesforceApi = HttpxSalesforceApi(
            client, api_version=API_VERSION, retry=NO_WAIT
        )
        self.org_id, self.user_id = demo.production.id, demo.production_user.id
        self.username = demo.production_user.username

    def pending(self, *, sandbox: bool = False) -> PendingAuthorization:
        host = self.server.sandbox_login_url if sandbox else self.server.login_url
        return begin(self.demo.app.consumer_key, host, sandbox=sandbox)

    async def approve(self, pending: PendingAuthorization) -> str:
        user = self.demo.sandbox_user if pending.environment.is_sandbox else None
        username = (user or self.demo.production_user).username
        url = self.oauth.authorization_url(pending)
        location = await self.server.aconsent(url, username)
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == [pending.state]
        return query["code"][0]

    def rotate_refresh_tokens(self) -> None:
        self.world.update_app(self.demo.app.consumer_key, refresh_token_rotation=True)

    def expire_sessions(self) -> None:
        self.world.expire_access_tokens()

    def revoke_grants(self) -> None:
        self.world.revoke_grants()

    def set_api_usage(self, *, used: int, maximum: int) -> None:
        for org in (self.demo.production, self.demo.sandbox):
            self.world.set_quota(org.id, used=used, maximum=maximum)

    def disable_api(self) -> None:
        for org in (self.demo.production, self.demo.sandbox):
            self.world.update_org(org.id, api_enabled=False)

    def break_down(self) -> None:
        self.world.add_http_fault(count=1000, status=503)

    def calls(self, operation: str) -> int:
        return self.requests[operation]

    async def _count(self, request: httpx.Request) -> None:
        path = request.url.path
        form = parse_qs(request.content.decode()) if request.method == "POST" else {}
        if path.endswith("/token"):
            grant = form.get("grant_type", [""])[0]
            self.requests["refresh" if grant == "refresh_token" else "exchange"] += 1
        elif path.endswith("/revoke"):
            self.requests["revoke"] += 1
        elif path.startswith("/services/data/"):
            self.requests["rest"] += 1
        else:
            self.requests["identity"] += 1
