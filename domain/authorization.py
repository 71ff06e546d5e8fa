"""A pending OAuth authorization: the server-side half of one Connect click."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from domain import pkce
from domain.environment import Environment

AUTHORIZATION_TTL = timedelta(minutes=10)
SCOPES = ("api", "refresh_token")
# Every Connect asks Salesforce for a fresh sign-in: a browser still signed in
# (to another org, to production when sandbox is wanted, as another user)
# would otherwise approve silently as that session, and connect the wrong org.
PROMPT = "login"


class PendingAuthorization(msgspec.Struct, frozen=True, kw_only=True):
    """Bound to one workspace and environment; single-use; expires.

    The verifier stays on the server; only its S256 challenge leaves.
    """

    state: str
    workspace_id: str
    environment: Environment
    client_id: str
    login_host: str
    redirect_uri: str
    code_verifier: str
    created_at: datetime
    expires_at: datetime

    def __repr__(self) -> str:
        return (
            f"PendingAuthorization(workspace_id={self.workspace_id!r}, "
            f"environment={self.environment.value!r}, state=<redacted>, "
            f"code_verifier=<redacted>, expires_at={self.expires_at!r})"
        )

    __str__ = __repr__

    @classmethod
    def begin(
        cls,
        *,
        workspace_id: str,
        environment: Environment,
        client_id: str,
        login_host: str,
        redirect_uri: str,
        now: datetime,
    ) -> PendingAuthorization:
        return cls(
            state=pkce.new_state(),
            workspace_id=workspace_id,
            environment=environment,
            client_id=client_id,
            login_host=login_host,
            redirect_uri=redirect_uri,
            code_verifier=pkce.new_verifier(),
            created_at=now,
            expires_at=now + AUTHORIZATION_TTL,
        )

    @property
    def code_challenge(self) -> str:
        return pkce.s256_challenge(self.code_verifier)

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def authorize_params(self) -> dict[str, str]:
        """The query of `{login_host}/services/oauth2/authorize`."""
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(SCOPES),
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "prompt": PROMPT,
        }
