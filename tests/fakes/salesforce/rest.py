"""Test support: the fake Salesforce's REST API, records served from its org."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from application.errors import ApiDisabled, QuotaExhausted
from application.ports import ApiUsage, OrgInfo, SalesforceApi
from application.sync.ports import BulkPage, QueryPage, SalesforceRecords
from domain.crm import CrmObject, ObjectDescribe
from domain.tokens import TokenSet
from tests.fakes.salesforce.state import SalesforceState


class RestEndpoints(SalesforceState, SalesforceApi, SalesforceRecords):
    """The `SalesforceApi` and `SalesforceRecords` ports, with quota and faults."""

    async def organization(self, tokens: TokenSet) -> OrgInfo:
        self._rest_call("organization", tokens)
        return OrgInfo(
            org_id=self.org_id,
            is_sandbox=self.is_sandbox,
            organization_type="Developer Edition",
        )

    async def api_usage(self, tokens: TokenSet) -> ApiUsage:
        self._rest_call("api_usage", tokens)
        return ApiUsage(used=self.api_used, max=self.api_max)

    def last_usage(self, tokens: TokenSet) -> ApiUsage | None:
        """The usage now: every answer of this fake tells it."""
        return self._usage

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        """`server_clock` if set: by default answers carry no date."""
        return self.server_clock

    async def query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> QueryPage:
        self._records_call("query", tokens)
        return self.org.query(soql, include_deleted=include_deleted, usage=self._usage)

    async def query_more(self, tokens: TokenSet, next_records_url: str) -> QueryPage:
        self._records_call("query_more", tokens)
        return self.org.query_more(next_records_url, usage=self._usage)

    async def describe(self, tokens: TokenSet, obj: CrmObject) -> ObjectDescribe:
        self._records_call("describe", tokens)
        return self.org.describe(obj)

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        self._records_call("start_bulk_query", tokens)
        return self.org.start_bulk_query(soql, include_deleted=include_deleted)

    async def bulk_query_state(self, tokens: TokenSet, job_id: str) -> str:
        self._records_call("bulk_query_state", tokens)
        return self.org.bulk_query_state(job_id)

    async def abort_bulk_query(self, tokens: TokenSet, job_id: str) -> None:
        self._records_call("abort_bulk_query", tokens)
        self.org.abort_bulk_query(job_id)

    async def bulk_results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        self._records_call("bulk_results", tokens)
        return self.org.bulk_results(
            job_id,
            locator=locator,
            max_records=max_records,
            field_types=field_types,
            usage=self._usage,
        )

    def _rest_call(self, operation: str, tokens: TokenSet) -> None:
        self.api_calls += 1
        self._play(operation)
        self._check(tokens)
        if not self.api_enabled:
            raise ApiDisabled(
                "The REST API is not enabled for this Organization.",
                error_code="API_DISABLED_FOR_ORG",
                status=403,
            )
        if self.api_used >= self.api_max:
            raise QuotaExhausted(
                "TotalRequests Limit exceeded.",
                error_code="REQUEST_LIMIT_EXCEEDED",
                status=403,
            )

    def _records_call(self, operation: str, tokens: TokenSet) -> None:
        self._rest_call(operation, tokens)
        self.record_calls[operation] += 1
        if self.spend_api_quota:
            self.api_used += 1

    @property
    def _usage(self) -> ApiUsage:
        return ApiUsage(used=self.api_used, max=self.api_max)
