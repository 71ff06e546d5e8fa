"""What Salesforce's OAuth endpoints send, decoded leniently: unknown fields pass."""

from __future__ import annotations

from datetime import datetime

import httpx
import msgspec

from adapters.salesforce.http import decode
from adapters.salesforce.retries import Unreadable
from application.errors import OAuthError, SessionExpired
from domain.connection import OrgIdentity
from domain.tokens import TokenSet, issued_at_from_wire


class TokenAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A token endpoint's 200 body; there is no `expires_in` to read."""

    access_token: str
    instance_url: str = ""
    refresh_token: str | None = None
    id: str | None = None
    issued_at: str | int | None = None
    scope: str | None = None

    def to_tokens(self, received_at: datetime) -> TokenSet:
        return TokenSet(
            access_token=self.access_token,
            refresh_token=self.refresh_token or None,
            instance_url=self.instance_url,
            issued_at=issued_at_from_wire(self.issued_at, received_at),
            identity_url=self.id or None,
            scope=self.scope or None,
        )


class ErrorAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """An OAuth error body: `{"error", "error_description"}`."""

    error: str
    error_description: str | None = None


class IdentityAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """The identity URL's or userinfo's body; userinfo names the user differently."""

    user_id: str
    organization_id: str
    username: str | None = None
    preferred_username: str | None = None

    def to_identity(self) -> OrgIdentity:
        return OrgIdentity(
            org_id=self.organization_id,
            user_id=self.user_id,
            username=self.username or self.preferred_username or "",
        )


def oauth_error(response: httpx.Response) -> OAuthError:
    """The `OAuthError` a 4xx answer carries, or `Unreadable` for anything else."""
    answer = decode(response.content, ErrorAnswer)
    return OAuthError(answer.error, answer.error_description)


def read_tokens(response: httpx.Response, received_at: datetime) -> TokenSet:
    """A token endpoint's answer: tokens, or the `OAuthError` it names."""
    if response.status_code != 200:
        raise oauth_error(response)
    return decode(response.content, TokenAnswer).to_tokens(received_at)


def read_identity(response: httpx.Response) -> OrgIdentity:
    """An identity answer; a rejected bearer token means the session ended."""
    if response.status_code == 401 or _bad_oauth_token(response):
        raise SessionExpired("Salesforce rejected the access token")
    if response.status_code != 200:
        raise oauth_error(response)
    return decode(response.content, IdentityAnswer).to_identity()


def _bad_oauth_token(response: httpx.Response) -> bool:
    # Field reports: the identity service answers 403 with a plain-text body
    # `Bad_OAuth_Token` rather than 401 when the access token is dead.
    return response.status_code == 403 and b"Bad_OAuth_Token" in response.content


def read_new_grant(response: httpx.Response, received_at: datetime) -> TokenSet:
    """A code exchange's answer, which must name the instance to be of any use."""
    tokens = read_tokens(response, received_at)
    if not tokens.instance_url:
        raise Unreadable("token answer without instance_url")
    return tokens
