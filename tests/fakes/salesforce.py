"""A scripted, in-memory Salesforce for use-case tests: both OAuth and REST ports."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from urllib.parse import urlencode

from application.errors import (
    ApiDisabled,
    OAuthError,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
)
from application.ports import ApiUsage, OrgInfo, SalesforceApi, SalesforceOAuth
from domain.authorization import PendingAuthorization
from domain.connection import OrgIdentity
from domain.tokens import TokenSet

ORG_ID = "00D000000000001AAA"
USER_ID = "005000000000001AAA"
INSTANCE_URL = "https://fake.my.salesforce.com"


class FakeSalesforce(SalesforceOAuth, SalesforceApi):
    """One org and one user; grants keyed by refresh token; faults by flag."""

    def __init__(self, *, is_sandbox: bool = False, rotation: bool = False) -> None:
        self.is_sandbox = is_sandbox
        self.rotation = rotation
        self.username = "admin@example.com"
        self.codes: dict[str, PendingAuthorization] = {}
        self.live_access: set[str] = set()
        self.live_refresh: set[str] = set()
        self.refresh_calls = 0
        self.revoked: list[str] = []
        self.exchange_error: OAuthError | None = None
        self.refresh_error: Exception | None = None
        self.api_error: Exception | None = None
        self.grant_refresh_token = True
        self.api_used = 10
        self.api_max = 15000
        self._ids = itertools.count(1)

    def authorization_url(self, pending: PendingAuthorization) -> str:
        query = urlencode(pending.authorize_params())
        return f"{pending.login_host}/services/oauth2/authorize?{query}"

    def approve(self, pending: PendingAuthorization) -> str:
        """What the user's Allow click produces: a code for this authorization."""
        code = f"aPrx{next(self._ids)}=="
        self.codes[code] = pending
        return code

    async def exchange_code(
        self, pending: PendingAuthorization, code: str
    ) -> TokenSet:
        if self.exchange_error is not None:
            raise self.exchange_error
        issued = self.codes.pop(code, None)
        if issued is None:
            raise OAuthError("invalid_grant", "expired authorization code")
        if issued.code_challenge != pending.code_challenge:
            raise OAuthError("invalid_grant", "invalid code verifier")
        return self._issue(with_refresh=self.grant_refresh_token)

    async def refresh(
        self, *, login_host: str, client_id: str, refresh_token: str
    ) -> TokenSet:
        self.refresh_calls += 1
        if self.refresh_error is not None:
            raise self.refresh_error
        if refresh_token not in self.live_refresh:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        if self.rotation:
            self.live_refresh.discard(refresh_token)
        return self._issue(with_refresh=self.rotation)

    async def revoke(self, *, login_host: str, token: str) -> None:
        self.revoked.append(token)
        if token in self.live_refresh:
            self.live_refresh.discard(token)
            self.live_access.clear()
        self.live_access.discard(token)

    async def identity(self, *, login_host: str, tokens: TokenSet) -> OrgIdentity:
        self._check(tokens)
        return OrgIdentity(org_id=ORG_ID, user_id=USER_ID, username=self.username)

    async def organization(self, tokens: TokenSet) -> OrgInfo:
        self._check(tokens)
        return OrgInfo(org_id=ORG_ID, is_sandbox=self.is_sandbox)

    async def api_usage(self, tokens: TokenSet) -> ApiUsage:
        self._check(tokens)
        return ApiUsage(used=self.api_used, max=self.api_max)

    def expire_access_tokens(self) -> None:
        self.live_access.clear()

    def revoke_everything(self) -> None:
        self.live_access.clear()
        self.live_refresh.clear()

    def _check(self, tokens: TokenSet) -> None:
        if self.api_error is not None:
            raise self.api_error
        if tokens.access_token not in self.live_access:
            raise SessionExpired("Session expired or invalid")

    def _issue(self, *, with_refresh: bool) -> TokenSet:
        access = f"00D!access-{next(self._ids)}"
        self.live_access.add(access)
        refresh = f"5Aep-refresh-{next(self._ids)}" if with_refresh else None
        if refresh:
            self.live_refresh.add(refresh)
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            instance_url=INSTANCE_URL,
            issued_at=datetime.now(UTC),
            identity_url=f"https://login.example/id/{ORG_ID}/{USER_ID}",
            scope="api refresh_token",
        )


__all__ = [
    "ApiDisabled",
    "FakeSalesforce",
    "OAuthError",
    "QuotaExhausted",
    "SalesforceUnavailable",
]
