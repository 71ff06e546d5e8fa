"""`SalesforceApi` over httpx: a generic JSON GET on the instance, and its uses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from adapters.salesforce.http import SalesforceHttp, decode
from adapters.salesforce.rest_wire import Limits, OrganizationRow, QueryPage, api_error
from adapters.salesforce.retries import Replay, RetryPolicy
from adapters.salesforce.usage import ApiUsageLedger
from application.errors import ApiError
from application.ports import ApiUsage, OrgInfo, SalesforceApi
from domain.tokens import TokenSet

T = TypeVar("T")

ORGANIZATION_SOQL = "SELECT Id, IsSandbox, OrganizationType FROM Organization"


class HttpxSalesforceApi(SalesforceApi):
    """REST calls on the tokens' `instance_url`, with the configured API version.

    Every answer's `Sforce-Limit-Info` lands in `usage`, shared if injected.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        api_version: str,
        retry: RetryPolicy | None = None,
        usage: ApiUsageLedger | None = None,
    ) -> None:
        self._http = SalesforceHttp(client, retry or RetryPolicy())
        self._client = client
        self.api_version = api_version.removeprefix("v")
        self.usage = usage or ApiUsageLedger()

    async def organization(self, tokens: TokenSet) -> OrgInfo:
        page = await self.get_json(
            tokens,
            "query",
            QueryPage[OrganizationRow],
            params={"q": ORGANIZATION_SOQL},
        )
        if not page.records:
            raise ApiError(
                "the Organization query returned no row",
                error_code="NOT_FOUND",
                status=200,
            )
        row = page.records[0]
        return OrgInfo(
            org_id=row.id,
            is_sandbox=row.is_sandbox,
            organization_type=row.organization_type,
        )

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        """The instance's clock, from the `Date` header of its version list:
        asked without the token, which that list needs none of, so it is not
        an API request."""
        request = self._client.build_request(
            "GET", self._url(tokens, "/services/data/")
        )

        def read(response: httpx.Response) -> datetime | None:
            if response.status_code != 200:
                raise api_error(response)
            return http_date(response.headers.get("date"))

        return await self._http.call(request, read, replay=Replay.IDEMPOTENT)

    async def api_usage(self, tokens: TokenSet) -> ApiUsage:
        limits = await self.get_json(tokens, "limits", Limits)
        daily = limits.daily_api_requests
        usage = ApiUsage(used=daily.max - daily.remaining, max=daily.max)
        self.usage.record(tokens, usage)
        return usage

    async def get_json(
        self,
        tokens: TokenSet,
        path: str,
        into: type[T],
        *,
        params: Mapping[str, str] | None = None,
    ) -> T:
        """GET a JSON answer from the tokens' instance, decoded `into` a type.

        A `path` starting with `/` is used exactly as given on `instance_url`
        (a `nextRecordsUrl`, say); otherwise it is relative to the versioned
        `/services/data/vNN.0/`. Absolute URLs are refused: the bearer token
        goes to the instance and nowhere else.
        """
        body, _ = await self.get_json_with_usage(tokens, path, into, params=params)
        return body

    async def get_json_with_usage(
        self,
        tokens: TokenSet,
        path: str,
        into: type[T],
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[T, ApiUsage | None]:
        """`get_json`, plus the daily usage this very answer reported."""
        request = self._client.build_request(
            "GET",
            self._url(tokens, path),
            params=params,
            headers={"Authorization": f"Bearer {tokens.access_token}"},
        )

        def read(response: httpx.Response) -> tuple[T, ApiUsage | None]:
            usage = self.usage.observe(tokens, response)
            if response.status_code != 200:
                raise api_error(response)
            return decode(response.content, into), usage

        return await self._http.call(request, read, replay=Replay.IDEMPOTENT)

    def _url(self, tokens: TokenSet, path: str) -> str:
        return instance_url(tokens, path, api_version=self.api_version)


def http_date(text: str | None) -> datetime | None:
    """An HTTP `Date` header's time, in UTC; None if missing or unreadable."""
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:  # "-0000": UTC, says RFC 5322
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def instance_url(tokens: TokenSet, path: str, *, api_version: str) -> str:
    """The URL of `path` on the tokens' instance, as `get_json` explains it."""
    if "://" in path or path.startswith("//"):
        raise ValueError("get_json takes a path on the instance, not a URL")
    if not path.startswith("/"):
        path = f"/services/data/v{api_version}/{path}"
    return tokens.instance_url.rstrip("/") + path
