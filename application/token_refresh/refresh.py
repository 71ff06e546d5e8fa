"""Application: one attempt at new tokens: claim, ask, settle (see the package)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from application.errors import NeedsReauthorization, OAuthError
from application.futures import retrieved
from application.ports import Clock, ProcessLiveness, SalesforceOAuth, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.token_refresh.connection_checks import tokens_of, usable
from application.token_refresh.lease import LeaseHolders, LeaseTiming
from application.token_refresh.request import RefreshRequest
from application.token_refresh.transactions import Claim, RefreshRows
from domain.connection import Connection
from domain.problems import is_concurrent_refresh, problem_for_refresh_error
from domain.tokens import TokenSet

# The package's name, not this module's: the refresh logs under the name it
# had as one module, so log filters and readers see no change.
logger = logging.getLogger("application.token_refresh")


class TokenRefresh:
    """Claim, ask, settle: one attempt at new tokens for a connection."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: SalesforceOAuth,
        settings: OAuthSettings,
        clock: Clock,
        timing: LeaseTiming,
        liveness: ProcessLiveness | None = None,
    ) -> None:
        self._holders = LeaseHolders(liveness)
        self._rows = RefreshRows(uow, clock, timing, self._holders)
        self._request = RefreshRequest(oauth, settings, timing)

    async def attempt(self, workspace_id: str, stale: TokenSet) -> TokenSet | None:
        """Tokens newer than `stale`; None when Salesforce says that another
        refresh with the same token is under way (the caller waits, retries).

        Raises `NeedsReauthorization` for a dead grant or an untrusted host,
        `NotConnected` after a disconnect, and what the token call raises.
        """
        holder = uuid.uuid4().hex
        with self._holders.alive(workspace_id, holder):
            return await self._attempt(workspace_id, stale, holder)

    async def _attempt(
        self, workspace_id: str, stale: TokenSet, holder: str
    ) -> TokenSet | None:
        claim = await self._rows.claim(workspace_id, stale, holder)
        if isinstance(claim, TokenSet):
            return claim
        # Once the refresh token is sent, Salesforce may rotate it: stopping
        # before the answer is stored would lose the only live one. So the
        # request and its settling run to the end (within the deadline) even
        # when the caller is cancelled, which then goes on.
        finishing = asyncio.ensure_future(self._finish(claim))
        try:
            return await asyncio.shield(finishing)
        except asyncio.CancelledError:
            if finishing.cancelled():
                raise
            logger.info(
                "finishing a token refresh before stopping workspace=%s",
                workspace_id,
            )
            await _wait_out(finishing)
            raise

    async def _finish(self, claim: Claim) -> TokenSet | None:
        try:
            try:
                answer = await self._request.ask(claim)
            except OAuthError as exc:
                return await self._settle_refusal(claim, exc)
            return await self._settle_answer(claim, answer)
        except BaseException:
            # The settling ends the lease in its own transaction; when that
            # (or the request) failed, end it now rather than make every
            # other caller wait for its expiry. A no-op once it has ended.
            await asyncio.shield(self._rows.end_lease(claim))
            raise

    async def _settle_answer(self, claim: Claim, answer: TokenSet) -> TokenSet:
        merged = claim.tokens.merged_with(answer)
        problem = self._request.untrusted(merged)

        def stored(current: Connection) -> Connection:
            if problem:
                return current.require_reauthorization(problem)
            return current.with_tokens(merged)

        current, unchanged = await self._rows.settle(claim, stored)
        if not unchanged:
            await self._request.revoke_unstored(claim, answer)
            return tokens_of(usable(current))
        if problem is not None:
            raise NeedsReauthorization(problem)
        logger.info("tokens refreshed workspace=%s", claim.connection.workspace_id)
        return merged

    async def _settle_refusal(self, claim: Claim, exc: OAuthError) -> TokenSet | None:
        # None when the refusal is transient (another refresh, a throttle).
        problem = problem_for_refresh_error(exc.error, exc.description)

        def stored(current: Connection) -> Connection | None:
            return current.require_reauthorization(problem) if problem else None

        current, unchanged = await self._rows.settle(claim, stored)
        workspace_id = claim.connection.workspace_id
        if not unchanged:
            return tokens_of(usable(current))
        if is_concurrent_refresh(exc.error, exc.description):
            logger.warning(
                "refresh already in progress elsewhere workspace=%s", workspace_id
            )
            return None
        if problem is None:
            raise exc
        logger.warning(
            "refresh rejected workspace=%s error=%s: needs reauthorization",
            workspace_id,
            exc.error,
        )
        raise NeedsReauthorization(problem) from exc


async def _wait_out(task: asyncio.Future[TokenSet | None]) -> None:
    """Wait for `task` to end, through further cancellations; its outcome
    is its own business (logged where it failed)."""
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    retrieved(task)
