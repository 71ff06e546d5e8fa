"""Test support: the fake Salesforce's OAuth endpoints and its grant model."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from application.errors import OAuthError
from application.ports import SalesforceOAuth
from domain.authorization import PendingAuthorization
from domain.connection import OrgIdentity
from domain.tokens import TokenSet
from tests.fakes.salesforce.state import ORG_ID, USER_ID, SalesforceState

INSTANCE_URL = "https://fake.my.salesforce.com"
EXPIRED_TOKEN = "expired access/refresh token"


class OAuthEndpoints(SalesforceState, SalesforceOAuth):
    """The `SalesforceOAuth` port, plus shortcuts that issue or kill tokens."""

    def authorization_url(self, pending: PendingAuthorization) -> str:
        query = urlencode(pending.authorize_params(), quote_via=quote)
        return f"{pending.login_host}/services/oauth2/authorize?{query}"

    def approve(self, pending: PendingAuthorization) -> str:
        """What the user's Allow click produces: a code for this authorization."""
        code = f"aPrx{next(self._ids)}=="
        self.codes[code] = pending
        return code

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

    def issue_tokens(self) -> TokenSet:
        """A live grant without the OAuth dance, for tests that only read."""
        return self._issue(next(self._ids), with_refresh=True)

    def expire_access_tokens(self) -> None:
        self.live_access.clear()

    def revoke_everything(self) -> None:
        self.live_access.clear()
        self.live_refresh.clear()

    def _check_client(self, client_id: str) -> None:
        if self.client_ids is not None and client_id not in self.client_ids:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if self.require_secret:
            raise OAuthError("invalid_client", "invalid client credentials")

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
