"""Calls to Salesforce with a workspace's tokens: refresh on 401, single-flight.

Salesforce sends no expiry, so the only signal is a 401. The first caller to
see it refreshes while holding the connection's lock (in this process, and in
the store across processes); everyone else waits, re-reads the stored tokens,
and finds them already fresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import (
    NeedsReauthorization,
    NotConnected,
    OAuthError,
    SalesforceUnavailable,
    SessionExpired,
)
from application.locks import KeyedLocks
from application.ports import SalesforceOAuth, UnitOfWork, UnitOfWorkFactory
from application.settings import OAuthSettings
from domain.connection import Connection, ConnectionStatus
from domain.errors import InvalidSetting
from domain.problems import (
    is_concurrent_refresh,
    problem_for_refresh_error,
    refresh_token_invalid,
    untrusted_host,
)
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)

T = TypeVar("T")
CONCURRENT_REFRESH_RETRIES = 3


class SalesforceSession:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: SalesforceOAuth,
        settings: OAuthSettings,
        locks: KeyedLocks,
        concurrent_refresh_delay: float = 0.5,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._settings = settings
        self._locks = locks
        self._delay = concurrent_refresh_delay

    async def run(
        self, workspace_id: str, call: Callable[[TokenSet], Awaitable[T]]
    ) -> T:
        """Run `call` with fresh tokens: on 401 refresh once and retry once."""
        async with self._uow() as uow:
            connection = usable(await uow.connections.get(workspace_id))
        tokens = _tokens(connection)
        try:
            return await call(tokens)
        except SessionExpired:
            logger.debug("session expired workspace=%s", workspace_id)
        fresh = await self.refresh(workspace_id, stale=tokens)
        return await call(fresh)

    async def refresh(self, workspace_id: str, *, stale: TokenSet) -> TokenSet:
        """Return tokens newer than `stale`, asking Salesforce only if nobody has."""
        # Limitation: the store's lock is held across the HTTP refresh; that is
        # what makes it single-flight across processes, but on SQLite (one
        # writer per database) a slow Salesforce delays every workspace's writes.
        async with self._locks.hold(workspace_id):
            for attempt in range(CONCURRENT_REFRESH_RETRIES):
                async with self._uow() as uow:
                    connection = usable(
                        await uow.connections.get_for_update(workspace_id)
                    )
                    tokens = _tokens(connection)
                    if tokens.access_token != stale.access_token:
                        return tokens
                    try:
                        answer = await self._ask(connection, tokens)
                    except OAuthError as exc:
                        if not is_concurrent_refresh(exc.error, exc.description):
                            await self._give_up(uow, connection, exc)
                            raise
                        logger.warning(
                            "refresh already in progress elsewhere workspace=%s",
                            workspace_id,
                        )
                    else:
                        merged = tokens.merged_with(answer)
                        await self._refuse_untrusted(uow, connection, merged)
                        refreshed = connection.with_tokens(merged)
                        await uow.connections.save(refreshed)
                        await uow.commit()
                        logger.info("tokens refreshed workspace=%s", workspace_id)
                        return _tokens(refreshed)
                await asyncio.sleep(self._delay * (attempt + 1))
        # Someone else keeps refreshing with this token: transient, not a
        # dead grant, so no "reconnect" advice.
        raise SalesforceUnavailable(
            "another token refresh for this connection is still in progress"
        )

    async def _refuse_untrusted(
        self, uow: UnitOfWork, connection: Connection, tokens: TokenSet
    ) -> None:
        try:
            self._settings.check_token_hosts(tokens)
        except InvalidSetting as exc:
            problem = untrusted_host(exc.message)
            await uow.connections.save(connection.require_reauthorization(problem))
            await uow.commit()
            raise NeedsReauthorization(problem) from exc

    async def _ask(self, connection: Connection, tokens: TokenSet) -> TokenSet:
        if tokens.refresh_token is None:
            raise OAuthError("invalid_grant", "no refresh token was granted")
        return await self._oauth.refresh(
            login_host=self._settings.login_host(connection),
            client_id=connection.client_id or "",
            refresh_token=tokens.refresh_token,
        )

    async def _give_up(
        self, uow: UnitOfWork, connection: Connection, exc: OAuthError
    ) -> None:
        problem = problem_for_refresh_error(exc.error, exc.description)
        if problem is None:
            return
        await uow.connections.save(connection.require_reauthorization(problem))
        await uow.commit()
        logger.warning(
            "refresh rejected workspace=%s error=%s: needs reauthorization",
            connection.workspace_id,
            exc.error,
        )
        raise NeedsReauthorization(problem) from exc


def usable(connection: Connection | None) -> Connection:
    """The connection if it can make calls; otherwise the error that says why."""
    if connection is None or connection.tokens is None:
        raise NotConnected("Salesforce is not connected")
    if connection.status is not ConnectionStatus.CONNECTED:
        # A grant is stored but dead, possibly with a reconnect under way.
        raise NeedsReauthorization(connection.problem or refresh_token_invalid(None))
    return connection


def _tokens(connection: Connection) -> TokenSet:
    if connection.tokens is None:
        raise NotConnected("Salesforce is not connected")
    return connection.tokens
