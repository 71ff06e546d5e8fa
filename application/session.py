"""Calls to Salesforce with a workspace's tokens: refresh on 401, single-flight.

Salesforce sends no expiry, so the only signal is a 401. In this process the
first caller to see it refreshes while the others queue on an asyncio lock;
across processes a lease stored on the connection lets one refresh at a time
(see `application.token_refresh`), without holding a database lock while
Salesforce answers. Everyone else re-reads the stored tokens and finds them
fresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import NotConnected, SalesforceUnavailable, SessionExpired
from application.locks import KeyedLocks
from application.ports import Clock, ProcessLiveness, SalesforceOAuth, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.token_refresh import LeaseTiming, TokenRefresh, tokens_of, usable
from domain.connection import Connection
from domain.tokens import TokenSet

__all__ = ["CONCURRENT_REFRESH_RETRIES", "SalesforceSession", "usable"]

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
        clock: Clock,
        concurrent_refresh_delay: float = 0.5,
        lease: LeaseTiming | None = None,
        liveness: ProcessLiveness | None = None,
    ) -> None:
        self._uow = uow
        self._locks = locks
        self._delay = concurrent_refresh_delay
        self._refresh = TokenRefresh(
            uow, oauth, settings, clock, lease or LeaseTiming(), liveness
        )

    async def run(
        self,
        workspace_id: str,
        call: Callable[[TokenSet], Awaitable[T]],
        *,
        org_id: str | None = None,
    ) -> T:
        """Run `call` with fresh tokens: on 401 refresh once and retry once.

        With `org_id`, only while the connection is to that org: a caller
        whose work belongs to one org (a sync run) gets `NotConnected` once
        the workspace has connected to another.
        """
        tokens = tokens_of(await self._connection(workspace_id, org_id))
        try:
            return await call(tokens)
        except SessionExpired:
            logger.debug("session expired workspace=%s", workspace_id)
        fresh = await self.refresh(workspace_id, stale=tokens)
        if org_id is not None:
            await self._connection(workspace_id, org_id)  # Still that org?
        return await call(fresh)

    async def org_of(self, workspace_id: str) -> str | None:
        """The org the workspace is connected to, if it is (its tokens are
        not read: unreadable ones are the first call's to report)."""
        async with self._uow() as uow:
            overview = await uow.connections.overview(workspace_id)
        identity = overview.connection.identity if overview is not None else None
        return identity.org_id if identity is not None else None

    async def _connection(self, workspace_id: str, org_id: str | None) -> Connection:
        async with self._uow() as uow:
            connection = usable(await uow.connections.get(workspace_id))
        identity = connection.identity
        if org_id is not None and (identity is None or identity.org_id != org_id):
            raise NotConnected(
                "The workspace is now connected to another Salesforce org.",
                hint="Start a new sync: it reads the connected org in full.",
            )
        return connection

    async def refresh(self, workspace_id: str, *, stale: TokenSet) -> TokenSet:
        """Return tokens newer than `stale`, asking Salesforce only if nobody has."""
        async with self._locks.hold(workspace_id):
            for attempt in range(CONCURRENT_REFRESH_RETRIES):
                fresh = await self._refresh.attempt(workspace_id, stale)
                if fresh is not None:
                    return fresh
                await asyncio.sleep(self._delay * (attempt + 1))
        # Someone else keeps refreshing with this token: transient, not a
        # dead grant, so no "reconnect" advice.
        raise SalesforceUnavailable(
            "another token refresh for this connection is still in progress"
        )
