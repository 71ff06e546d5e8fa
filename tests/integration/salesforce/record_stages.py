"""An org with records for the `SalesforceRecords` contract: fake or emulator."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx

from adapters.salesforce import HttpxSalesforceOAuth, HttpxSalesforceRecords
from application.errors import SalesforceUnavailable
from application.sync.ports import SalesforceRecords
from domain.crm import CrmObject
from domain.tokens import TokenSet
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.fakes.salesforce import FakeSalesforce
from tests.integration.salesforce.common import NO_WAIT
from tests.integration.salesforce.stages import API_VERSION, begin

RECORD_OPERATIONS = (
    "query",
    "query_more",
    "describe",
    "start_bulk_query",
    "bulk_query_state",
    "bulk_results",
)


class RecordsStage(Protocol):
    """A connected org whose records a test arranges, and its knobs."""

    records: SalesforceRecords
    tokens: TokenSet

    def create(
        self, obj: CrmObject, values: Mapping[str, Any], *, modstamp: datetime
    ) -> str: ...

    def delete(self, obj: CrmObject, record_id: str, *, modstamp: datetime) -> None: ...

    def set_page_size(self, size: int) -> None:
        """Salesforce's choice of query page size, forced."""
        ...

    def set_bulk_polls(self, polls: int) -> None:
        """How many polls a new Bulk job answers InProgress before JobComplete."""
        ...

    def expire_cursors(self) -> None: ...

    def expire_sessions(self) -> None: ...

    def set_api_usage(self, *, used: int, maximum: int) -> None: ...

    def break_down(self) -> None: ...

    def requests(self) -> int:
        """How many REST requests reached Salesforce so far."""
        ...


class FakeRecordsStage:
    def __init__(self) -> None:
        self.fake = FakeSalesforce()
        self.records: SalesforceRecords = self.fake
        self.tokens = self.fake.issue_tokens()

    def create(
        self, obj: CrmObject, values: Mapping[str, Any], *, modstamp: datetime
    ) -> str:
        return self.fake.org.create(obj, values, modstamp=modstamp)

    def delete(self, obj: CrmObject, record_id: str, *, modstamp: datetime) -> None:
        self.fake.org.delete(obj, record_id, modstamp=modstamp)

    def set_page_size(self, size: int) -> None:
        self.fake.org.page_size = size

    def set_bulk_polls(self, polls: int) -> None:
        self.fake.org.bulk_polls = polls

    def expire_cursors(self) -> None:
        self.fake.org.expire_query_cursors()

    def expire_sessions(self) -> None:
        self.fake.expire_access_tokens()

    def set_api_usage(self, *, used: int, maximum: int) -> None:
        self.fake.api_used, self.fake.api_max = used, maximum

    def break_down(self) -> None:
        outage = SalesforceUnavailable("scripted outage")
        for operation in RECORD_OPERATIONS:
            self.fake.fail_next(operation, outage, times=1000)

    def requests(self) -> int:
        return self.fake.api_calls


class EmulatorRecordsStage:
    """The real adapter, with fast retries, on the demo's production org."""

    def __init__(
        self,
        server: EmulatorServer,
        demo: Demo,
        client: httpx.AsyncClient,
        tokens: TokenSet,
    ) -> None:
        self.world, self.org_id = server.world, demo.production.id
        self.records: SalesforceRecords = HttpxSalesforceRecords(
            client, api_version=API_VERSION, retry=NO_WAIT
        )
        self.tokens = tokens
        self._sent = 0
        client.event_hooks["request"].append(self._count)

    @classmethod
    async def connect(
        cls, server: EmulatorServer, demo: Demo, client: httpx.AsyncClient
    ) -> EmulatorRecordsStage:
        oauth = HttpxSalesforceOAuth(client, retry=NO_WAIT)
        pending = begin(demo.app.consumer_key, server.login_url, sandbox=False)
        location = await server.aconsent(
            oauth.authorization_url(pending), demo.production_user.username
        )
        code = parse_qs(urlsplit(location).query)["code"][0]
        tokens = await oauth.exchange_code(pending, code)
        return cls(server, demo, client, tokens)

    def create(
        self, obj: CrmObject, values: Mapping[str, Any], *, modstamp: datetime
    ) -> str:
        return self.world.create_record(
            self.org_id, obj.value, dict(values), modstamp=modstamp
        )

    def delete(self, obj: CrmObject, record_id: str, *, modstamp: datetime) -> None:
        self.world.delete_record(self.org_id, obj.value, record_id, modstamp=modstamp)

    def set_page_size(self, size: int) -> None:
        self.world.set_query_paging(page_size=size)

    def set_bulk_polls(self, polls: int) -> None:
        self.world.set_query_paging(bulk_polls=polls)

    def expire_cursors(self) -> None:
        self.world.expire_query_cursors()

    def expire_sessions(self) -> None:
        self.world.expire_access_tokens()

    def set_api_usage(self, *, used: int, maximum: int) -> None:
        self.world.set_quota(self.org_id, used=used, maximum=maximum)

    def break_down(self) -> None:
        self.world.add_http_fault(path_prefix="/services/data", count=1000, status=503)

    def requests(self) -> int:
        return self._sent

    async def _count(self, request: httpx.Request) -> None:
        if request.url.path.startswith("/services/data/"):
            self._sent += 1
