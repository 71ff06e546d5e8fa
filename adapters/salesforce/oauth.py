"""`SalesforceOAuth` over httpx: authorize URL, token, revoke and identity calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import httpx

from adapters.salesforce.http import SalesforceHttp
from adapters.salesforce.oauth_wire import (
    oauth_error,
    read_identity,
    read_new_grant,
    read_tokens,
)
from adapters.salesforce.retries import Replay, RetryPolicy
from application.ports import Clock, SalesforceOAuth
from domain.authorization import PendingAuthorization
from domain.connection import OrgIdentity
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)
# A token answer that comes late beats none: given up on after Salesforce
# acted, a rotated refresh token is lost with it. Within the 60 s a refresh
# lease gives its request (application/token_refresh/lease.py).
TOKEN_TIMEOUT = httpx.Timeout(50.0, connect=5.0)

AUTHORIZE_PATH = "/services/oauth2/authorize"
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 (a path, not a secret)
REVOKE_PATH = "/services/oauth2/revoke"
USERINFO_PATH = "/services/oauth2/userinfo"


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class HttpxSalesforceOAuth(SalesforceOAuth):
    """Talks to the login host a connection stored; never sends a client secret.

    Token POSTs are retried only when Salesforce surely did not process them,
    and wait `token_timeout` for their answer; identity GETs and revokes are
    retried on any transient failure, within the client's own timeout.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        token_timeout: httpx.Timeout = TOKEN_TIMEOUT,
    ) -> None:
        self._http = SalesforceHttp(client, retry or RetryPolicy())
        self._client = client
        self._clock = clock or _UtcClock()
        self._token_timeout = token_timeout

    def authorization_url(self, pending: PendingAuthorization) -> str:
        query = urlencode(pending.authorize_params(), quote_via=quote)
        return f"{_base(pending.login_host)}{AUTHORIZE_PATH}?{query}"

    async def exchange_code(self, pending: PendingAuthorization, code: str) -> TokenSet:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": pending.client_id,
            "redirect_uri": pending.redirect_uri,
            "code_verifier": pending.code_verifier,
        }
        return await self._token_call(pending.login_host, form, read_new_grant)

    async def refresh(
        self, *, login_host: str, client_id: str, refresh_token: str
    ) -> TokenSet:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        }
        return await self._token_call(login_host, form, read_tokens)

    async def revoke(self, *, login_host: str, token: str) -> None:
        request = self._client.build_request(
            "POST", _base(login_host) + REVOKE_PATH, data={"token": token}
        )
        await self._http.call(request, _read_revoke, replay=Replay.IDEMPOTENT)

    async def identity(self, *, login_host: str, tokens: TokenSet) -> OrgIdentity:
        url = tokens.identity_url or _base(login_host) + USERINFO_PATH
        request = self._client.build_request(
            "GET", url, headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
        return await self._http.call(request, read_identity, replay=Replay.IDEMPOTENT)

    async def _token_call(
        self,
        login_host: str,
        form: dict[str, str],
        read: Callable[[httpx.Response, datetime], TokenSet],
    ) -> TokenSet:
        request = self._client.build_request(
            "POST",
            _base(login_host) + TOKEN_PATH,
            data=form,
            timeout=self._token_timeout,
        )
        return await self._http.call(
            request,
            lambda response: read(response, self._clock.now()),
            replay=Replay.UNPROCESSED,
        )


def _read_revoke(response: httpx.Response) -> None:
    if response.status_code == 200:
        return
    error = oauth_error(response)
    if error.error != "invalid_token":
        raise error
    # Revoking is about the token being dead; it is, whether we killed it in an
    # earlier attempt whose answer got lost or it was dead before.
    logger.debug("salesforce revoke: the token was already invalid")


def _base(login_host: str) -> str:
    return login_host.rstrip("/")
