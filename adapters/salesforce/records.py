"""`SalesforceRecords` over httpx: REST query pages, describe, Bulk API 2.0 jobs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

import httpx

from adapters.salesforce.bulk import BulkQueryJobs
from adapters.salesforce.http import SalesforceHttp
from adapters.salesforce.records_wire import DescribeAnswer, RecordsPage
from adapters.salesforce.rest import HttpxSalesforceApi
from adapters.salesforce.retries import RetryPolicy
from adapters.salesforce.usage import ApiUsageLedger
from application.ports import ApiUsage
from application.sync.ports import BulkPage, QueryPage, SalesforceRecords
from domain.crm import CrmObject, ObjectDescribe
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)


# A sync runs in the background for minutes: an outage of a few 5xx or
# resets (up to about 10 s of backoff in all), or answers asking for half a
# minute's pause (Retry-After), should not end it. Four such pauses and five
# timed-out attempts (20 s each) stay under the 300 s after which a silent
# job may be taken for dead (`sync_stale_seconds`). A person's request,
# which waits, keeps the default policy.
SYNC_RETRIES = RetryPolicy(attempts=5, max_asked_wait=30.0)


class HttpxSalesforceRecords(SalesforceRecords):
    """Reads records on the tokens' instance; every method sends one request.

    Query records are Salesforce's JSON objects, untouched: `attributes` stays,
    relationship fields are nested objects or null, datetimes are strings like
    `2024-01-15T10:30:00.000+0000`. Bulk records look the same, minus
    `attributes`. Each page carries the usage its own answer reported.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        api_version: str,
        retry: RetryPolicy | None = None,
        usage: ApiUsageLedger | None = None,
    ) -> None:
        policy = retry or SYNC_RETRIES
        self._rest = HttpxSalesforceApi(
            client, api_version=api_version, retry=policy, usage=usage
        )
        self._bulk = BulkQueryJobs(self._rest, client, SalesforceHttp(client, policy))
        self.api_version = self._rest.api_version
        self.usage = self._rest.usage

    def last_usage(self, tokens: TokenSet) -> ApiUsage | None:
        return self.usage.last(tokens)

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        return await self._rest.server_time(tokens)

    async def query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> QueryPage:
        endpoint = "queryAll" if include_deleted else "query"
        return await self._page(tokens, endpoint, {"q": soql})

    async def query_more(self, tokens: TokenSet, next_records_url: str) -> QueryPage:
        if not next_records_url.startswith("/"):
            raise ValueError("a nextRecordsUrl is a path on the instance")
        return await self._page(tokens, next_records_url, None)

    async def describe(self, tokens: TokenSet, obj: CrmObject) -> ObjectDescribe:
        path = f"sobjects/{CrmObject(obj).value}/describe"
        answer = await self._rest.get_json(tokens, path, DescribeAnswer)
        return answer.to_describe()

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        return await self._bulk.start(tokens, soql, include_deleted=include_deleted)

    async def bulk_query_state(self, tokens: TokenSet, job_id: str) -> str:
        return await self._bulk.state(tokens, job_id)

    async def abort_bulk_query(self, tokens: TokenSet, job_id: str) -> None:
        await self._bulk.abort(tokens, job_id)

    async def bulk_results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        return await self._bulk.results(
            tokens,
            job_id,
            locator=locator,
            max_records=max_records,
            field_types=field_types,
        )

    async def _page(
        self, tokens: TokenSet, path: str, params: Mapping[str, str] | None
    ) -> QueryPage:
        # msgspec builds the record dicts straight from the bytes; nothing
        # here touches a record, which keeps million-row syncs cheap.
        page, usage = await self._rest.get_json_with_usage(
            tokens, path, RecordsPage, params=params
        )
        logger.debug(
            "salesforce query page of %d records (total %d, done=%s)",
            len(page.records),
            page.total_size,
            page.done,
        )
        return QueryPage(
            records=page.records,
            total_size=page.total_size,
            next_records_url=None if page.done else page.next_records_url,
            api_usage=usage,
        )
