"""A scripted, in-memory Salesforce for use-case tests: OAuth, REST and records."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from application.errors import (
    ApiDisabled,
    OAuthError,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
)
from application.ports import ApiUsage, OrgInfo, SalesforceApi, SalesforceOAuth
from application.sync.ports import BulkPage, QueryPage, SalesforceRecords
from domain.authorization import PendingAuthorization
from domain.connection import OrgIdentity
from domain.crm import CrmObject, ObjectDescribe
from domain.tokens import TokenSet
from tests.fakes.salesforce.describes import STANDARD_FIELDS
from tests.fakes.salesforce.org import FakeOrg
from tests.fakes.salesforce.soql import SyncQuery

ORG_ID = "00D000000000001AAA"
USER_ID = "005000000000001AAA"
INSTANCE_URL = "https://fake.my.salesforce.com"
EXPIRED_TOKEN = "expired access/refresh token"


class FakeSalesforce(SalesforceOAuth, SalesforceApi, SalesforceRecords):
    """One org at a time (`org_id`, `org`) and one user; grants keyed by
    refresh token; faults by flag.

    The grant model is Salesforce's in miniature: a code is redeemed once for
    a grant; refreshing with rotation retires the old refresh token, and
    replaying a retired one kills the whole grant; revoking a refresh token
    kills its grant. `*_error` flags fail every call; `fail_next` a few.
    REST calls do not spend `api_used`, so tests can pin the usage they see,
    unless `spend_api_quota` is set (then each REST call spends one).

    Records live in `org` (see `FakeOrg`): only the queries `domain.soql`
    writes are understood; pages hold `org.page_size` records.
    """

    def __init__(
        self,
        *,
        is_sandbox: bool = False,
        rotation: bool = False,
        client_ids: Iterable[str] | None = None,
    ) -> None:
        self.is_sandbox = is_sandbox
        self.rotation = rotation
        self.client_ids = None if client_ids is None else set(client_ids)
        self.require_secret = False
        self.api_enabled = True
        self.username = "admin@example.com"
        self.org_id = ORG_ID
        self.server_clock: datetime | None = None
        self.codes: dict[str, PendingAuthorization] = {}
        self.live_access: set[str] = set()
        self.live_refresh: set[str] = set()
        self.rotated: set[str] = set()
        self.revoked: list[str] = []
        self.exchange_error: OAuthError | SalesforceUnavailable | None = None
        self.refresh_error: Exception | None = None
        self.api_error: Exception | None = None
        self.grant_refresh_token = True
        self.api_used = 10
        self.api_max = 15000
        self.exchange_calls = 0
        self.refresh_calls = 0
        self.revoke_calls = 0
        self.identity_calls = 0
        self.api_calls = 0
        self.spend_api_quota = False
        self.record_calls: Counter[str] = Counter()
        self.org = FakeOrg()
        self._ids = itertools.count(1)
        self._grant_of: dict[str, int] = {}
        self._scripted: defaultdict[str, deque[Exception]] = defaultdict(deque)

    def authorization_url(self, pending: PendingAuthorization) -> str:
        query = urlencode(pending.authorize_params(), quote_via=quote)
        return f"{pending.login_host}/services/oauth2/authorize?{query}"

    def approve(self, pending: PendingAuthorization) -> str:
        """What the user's Allow click produces: a code for this authorization."""
        code = f"aPrx{next(self._ids)}=="
        self.codes[code] = pending
        return code

    def fail_next(self, operation: str, error: Exception, times: int = 1) -> None:
        """Make the next `times` calls of `operation` (a port method) raise."""
        self._scripted[operation].extend([error] * times)

    async def exchange_code(self, pending: PendingAuthorization, code: str) -> TokenSet:
        self.exchange_calls += 1
        self._play("exchange_code")
        if self.exchange_error is not None:
            raise self.exchange_error
        self._check_client(pending.client_id)
        issued = self.codes.pop(code, None)
        if issued is None or issued.client_id != pending.client_id:
            raise OAuthError("invalid_grant", "expired authorization code")
        if issued.redirect_uri != pending.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri must match configuration")
        if issued.code_challenge != pending.code_challenge:
            raise OAuthError("invalid_grant", "invalid code verifier")
        return self._issue(next(self._ids), with_refresh=self.grant_refresh_token)

    async def refresh(
        self, *, login_host: str, client_id: str, refresh_token: str
    ) -> TokenSet:
        self.refresh_calls += 1
        self._play("refresh")
        if self.refresh_error is not None:
            raise self.refresh_error
        self._check_client(client_id)
        grant = self._grant_of.get(refresh_token)
        if refresh_token in self.rotated and grant is not None:
            self._kill_grant(grant)
        if grant is None or refresh_token not in self.live_refresh:
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        if self.rotation:
            self.live_refresh.discard(refresh_token)
            self.rotated.add(refresh_token)
        return self._issue(grant, with_refresh=self.rotation)

    async def revoke(self, *, login_host: str, token: str) -> None:
        """Like the real adapter, an already invalid token counts as revoked."""
        self.revoke_calls += 1
        self._play("revoke")
        self.revoked.append(token)
        grant = self._grant_of.get(token)
        if token in self.live_refresh and grant is not None:
            self._kill_grant(grant)
        self.live_access.discard(token)

    async def identity(self, *, login_host: str, tokens: TokenSet) -> OrgIdentity:
        self.identity_calls += 1
        self._play("identity")
        self._check(tokens)
        return OrgIdentity(org_id=self.org_id, user_id=USER_ID, username=self.username)

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

    def issue_tokens(self) -> TokenSet:
        """A live grant without the OAuth dance, for tests that only read."""
        return self._issue(next(self._ids), with_refresh=True)

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

    def expire_access_tokens(self) -> None:
        self.live_access.clear()

    def revoke_everything(self) -> None:
        self.live_access.clear()
        self.live_refresh.clear()

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

    def _play(self, operation: str) -> None:
        scripted = self._scripted[operation]
        if scripted:
            raise scripted.popleft()

    def _check_client(self, client_id: str) -> None:
        if self.client_ids is not None and client_id not in self.client_ids:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if self.require_secret:
            raise OAuthError("invalid_client", "invalid client credentials")

    def _check(self, tokens: TokenSet) -> None:
        if self.api_error is not None:
            raise self.api_error
        if tokens.access_token not in self.live_access:
            raise SessionExpired("Session expired or invalid")

    def _kill_grant(self, grant: int) -> None:
        dead = {token for token, owner in self._grant_of.items() if owner == grant}
        self.live_access -= dead
        self.live_refresh -= dead

    def _issue(self, grant: int, *, with_refresh: bool) -> TokenSet:
        access = f"00D!access-{next(self._ids)}"
        self.live_access.add(access)
        self._grant_of[access] = grant
        refresh = f"5Aep-refresh-{next(self._ids)}" if with_refresh else None
        if refresh:
            self.live_refresh.add(refresh)
            self._grant_of[refresh] = grant
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            instance_url=INSTANCE_URL,
            issued_at=datetime.now(UTC),
            identity_url=f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
            scope="api refresh_token",
        )


__all__ = [
    "STANDARD_FIELDS",
    "ApiDisabled",
    "FakeOrg",
    "FakeSalesforce",
    "OAuthError",
    "QuotaExhausted",
    "SalesforceUnavailable",
    "SyncQuery",
]
