"""Application: a refresh's request to Salesforce, and what its answer is worth."""

from __future__ import annotations

import asyncio
import logging

from application.errors import OAuthError, SalesforceUnavailable
from application.ports import SalesforceOAuth
from application.settings import OAuthSettings
from application.token_refresh.lease import LeaseTiming
from application.token_refresh.transactions import Claim
from domain.errors import InvalidSetting
from domain.problems import Problem, untrusted_host
from domain.tokens import TokenSet

# The package's name, not this module's: the refresh logs under the name it
# had as one module, so log filters and readers see no change.
logger = logging.getLogger("application.token_refresh")


class RefreshRequest:
    """Salesforce's side of a refresh: ask with the claimed token, within the
    lease's deadline; check the answer's hosts; revoke what nobody stores."""

    def __init__(
        self, oauth: SalesforceOAuth, settings: OAuthSettings, timing: LeaseTiming
    ) -> None:
        self._oauth = oauth
        self._settings = settings
        self._timing = timing

    async def ask(self, claim: Claim) -> TokenSet:
        if claim.tokens.refresh_token is None:
            raise OAuthError("invalid_grant", "no refresh token was granted")
        try:
            async with asyncio.timeout(self._timing.deadline):
                return await self._oauth.refresh(
                    login_host=self._settings.login_host(claim.connection),
                    client_id=claim.connection.client_id or "",
                    refresh_token=claim.tokens.refresh_token,
                )
        except TimeoutError as exc:
            # As ambiguous as a read timeout: Salesforce may have rotated.
            raise SalesforceUnavailable(
                f"token refresh took longer than {self._timing.deadline:g}s"
            ) from exc

    def untrusted(self, tokens: TokenSet) -> Problem | None:
        try:
            self._settings.check_token_hosts(tokens)
        except InvalidSetting as exc:
            return untrusted_host(exc.message)
        return None

    async def revoke_unstored(self, claim: Claim, answer: TokenSet) -> None:
        """A rotated refresh token the row no longer wants would keep a grant
        alive that no one can see or revoke: revoke it now, best effort."""
        rotated = answer.refresh_token
        workspace_id = claim.connection.workspace_id
        logger.warning(
            "connection changed during its refresh; answer dropped workspace=%s",
            workspace_id,
        )
        if rotated is None or rotated == claim.tokens.refresh_token:
            return
        try:
            await self._oauth.revoke(
                login_host=self._settings.login_host(claim.connection), token=rotated
            )
        except (OAuthError, SalesforceUnavailable) as exc:
            logger.warning(
                "revoking a dropped rotated token failed workspace=%s (%s)",
                workspace_id,
                type(exc).__name__,
            )
