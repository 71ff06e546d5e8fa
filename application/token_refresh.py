"""One token refresh of a connection, with no database lock held while
Salesforce answers.

1. Claim: in one short transaction, lock the connection, read its tokens
   and, unless they are already newer than the caller's, take the refresh
   lease stored on the row. While another holder's lease lasts, wait and
   read again: its refresh ends with new tokens, or frees the lease.
2. Ask: with the lease and no transaction, send the refresh token to
   Salesforce, within half the lease, so nobody takes it over meanwhile.
3. Settle: in a second short transaction, lock the connection again and
   compare it with what the claim read. Unchanged, it takes the answer (a
   rotated refresh token with the access token, in one commit) or the dead
   grant. Changed (a disconnect, a reconnect, a takeover that stored first),
   it stays as it is, and a rotated refresh token that nobody will store is
   revoked. Either way the lease ends.

A holder that dies keeps the lease until it runs out; then the next caller
takes it over and refreshes with the stored token. If the dead holder's
request had reached Salesforce and rotated that token, it is dead, the
takeover's refresh is refused, and the connection asks for a reconnect.
Given a `ProcessLiveness`, a holder also holds a process lock while it has the
lease, so a caller on the same host and state folder takes over at once
from one that died, instead of waiting out its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from application.errors import (
    NeedsReauthorization,
    NotConnected,
    OAuthError,
    SalesforceUnavailable,
)
from application.ports import Clock, ProcessLiveness, SalesforceOAuth, UnitOfWorkFactory
from application.settings import OAuthSettings
from domain.connection import Connection, ConnectionStatus
from domain.errors import InvalidSetting
from domain.problems import (
    Problem,
    is_concurrent_refresh,
    problem_for_refresh_error,
    refresh_token_invalid,
    untrusted_host,
)
from domain.refresh_lease import RefreshLease
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A lease taken, and the connection it was taken on."""

    connection: Connection
    tokens: TokenSet
    holder: str


@dataclass(frozen=True)
class LeaseTiming:
    """How long a lease lasts, and how often a waiter reads the row again.

    The request to Salesforce gets half the lease: the rest covers the two
    transactions around it and clocks that disagree between processes.
    """

    seconds: float = 120.0
    poll_seconds: float = 0.25

    @property
    def deadline(self) -> float:
        return self.seconds / 2


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
        self._uow = uow
        self._oauth = oauth
        self._settings = settings
        self._clock = clock
        self._timing = timing
        self._liveness = liveness

    async def attempt(self, workspace_id: str, stale: TokenSet) -> TokenSet | None:
        """Tokens newer than `stale`; None when Salesforce says that another
        refresh with the same token is under way (the caller waits, retries).

        Raises `NeedsReauthorization` for a dead grant or an untrusted host,
        `NotConnected` after a disconnect, and what the token call raises.
        """
        holder = uuid.uuid4().hex
        with self._alive(workspace_id, holder):
            return await self._attempt(workspace_id, stale, holder)

    async def _attempt(
        self, workspace_id: str, stale: TokenSet, holder: str
    ) -> TokenSet | None:
        claim = await self._claim(workspace_id, stale, holder)
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
                answer = await self._ask(claim)
            except OAuthError as exc:
                return await self._settle_refusal(claim, exc)
            return await self._settle_answer(claim, answer)
        except BaseException:
            # The settling ends the lease in its own transaction; when that
            # (or the request) failed, end it now rather than make every
            # other caller wait for its expiry. A no-op once it has ended.
            await asyncio.shield(self._end_lease(claim))
            raise

    async def _claim(
        self, workspace_id: str, stale: TokenSet, holder: str
    ) -> Claim | TokenSet:
        while True:
            async with self._uow() as uow:
                connection = usable(await uow.connections.get_for_update(workspace_id))
                tokens = tokens_of(connection)
                if tokens.access_token != stale.access_token:
                    return tokens

                now = self._clock.now()
                lease = RefreshLease(
                    holder=holder, until=now + timedelta(seconds=self._timing.seconds)
                )
                standing = await uow.connections.take_refresh_lease(
                    workspace_id, lease, now=now
                )
                if standing == lease:
                    await uow.commit()
                    return Claim(connection, tokens, holder)
                if standing is not None and self._died(workspace_id, standing):
                    await uow.connections.end_refresh_lease(
                        workspace_id, standing.holder
                    )
                    await uow.commit()
                    self._forget(workspace_id, standing.holder)
                    logger.warning(
                        "refresh lease of a process that died taken over workspace=%s",
                        workspace_id,
                    )
                    continue

            logger.debug("waiting for a refresh elsewhere workspace=%s", workspace_id)
            await asyncio.sleep(self._timing.poll_seconds)

    async def _ask(self, claim: Claim) -> TokenSet:
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

    async def _settle_answer(self, claim: Claim, answer: TokenSet) -> TokenSet:
        merged = claim.tokens.merged_with(answer)
        problem = self._untrusted(merged)

        def stored(current: Connection) -> Connection:
            if problem:
                return current.require_reauthorization(problem)
            return current.with_tokens(merged)

        current, unchanged = await self._settle(claim, stored)
        if not unchanged:
            await self._revoke_unstored(claim, answer)
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

        current, unchanged = await self._settle(claim, stored)
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

    async def _settle(
        self, claim: Claim, stored: Callable[[Connection], Connection | None]
    ) -> tuple[Connection | None, bool]:
        """Lock the row again and, if it still holds the claim's tokens, save
        what `stored` makes of it (None: nothing); end the lease either way.
        The connection as it is now, and whether it was unchanged."""
        workspace_id = claim.connection.workspace_id
        async with self._uow() as uow:
            current = await uow.connections.get_for_update(workspace_id)
            unchanged = is_unchanged(current, claim.tokens)
            if unchanged and current is not None:
                changed = stored(current)
                if changed is not None:
                    await uow.connections.save(changed)
            await uow.connections.end_refresh_lease(workspace_id, claim.holder)
            await uow.commit()
        return current, unchanged

    @contextlib.contextmanager
    def _alive(self, workspace_id: str, holder: str) -> Iterator[None]:
        """Hold `holder`'s process lock while it may hold the lease."""
        if self._liveness is None:
            yield
            return
        with self._liveness.running(workspace_id, _lock_name(holder)):
            try:
                yield
            finally:
                self._forget(workspace_id, holder)

    def _died(self, workspace_id: str, lease: RefreshLease) -> bool:
        """Whether the lease's holder is a process that died (this host and
        state folder only: elsewhere, the lease runs out)."""
        if self._liveness is None:
            return False
        held = self._liveness.is_held(workspace_id, _lock_name(lease.holder))
        return held is False

    def _forget(self, workspace_id: str, holder: str) -> None:
        if self._liveness is not None:
            self._liveness.forget(workspace_id, _lock_name(holder))

    def _untrusted(self, tokens: TokenSet) -> Problem | None:
        try:
            self._settings.check_token_hosts(tokens)
        except InvalidSetting as exc:
            return untrusted_host(exc.message)
        return None

    async def _end_lease(self, claim: Claim) -> None:
        """After a failure: free the lease now, or leave it to run out."""
        workspace_id = claim.connection.workspace_id
        try:
            async with self._uow() as uow:
                await uow.connections.end_refresh_lease(workspace_id, claim.holder)
                await uow.commit()
        except Exception as exc:
            logger.warning(
                "refresh lease left to expire workspace=%s (%s)",
                workspace_id,
                type(exc).__name__,
            )

    async def _revoke_unstored(self, claim: Claim, answer: TokenSet) -> None:
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


def _lock_name(holder: str) -> str:
    """A lease holder's process lock, among the sync jobs' (see `ProcessLiveness`)."""
    return f"token-refresh:{holder}"


async def _wait_out(task: asyncio.Future[TokenSet | None]) -> None:
    """Wait for `task` to end, through further cancellations; its outcome
    is its own business (logged where it failed)."""
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    if not task.cancelled():
        task.exception()  # Retrieved: asyncio does not log it as lost.


def is_unchanged(current: Connection | None, read: TokenSet) -> bool:
    """Whether the stored connection still holds, usable, the tokens read."""
    if current is None or current.status is not ConnectionStatus.CONNECTED:
        return False
    return current.tokens == read


def usable(connection: Connection | None) -> Connection:
    """The connection if it can make calls; otherwise the error that says why."""
    if connection is None or connection.tokens is None:
        raise NotConnected("Salesforce is not connected")
    if connection.status is not ConnectionStatus.CONNECTED:
        # A grant is stored but dead, possibly with a reconnect under way.
        raise NeedsReauthorization(connection.problem or refresh_token_invalid(None))
    return connection


def tokens_of(connection: Connection) -> TokenSet:
    if connection.tokens is None:
        raise NotConnected("Salesforce is not connected")
    return connection.tokens
