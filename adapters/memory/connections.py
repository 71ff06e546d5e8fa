"""In-memory persistence: connections, their refresh leases, and pending
authorizations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from application.errors import AuthorizationUnreadable, CredentialsUnreadable
from application.ports import (
    AuthorizationRepository,
    ConnectionOverview,
    ConnectionRepository,
)
from domain.authorization import PendingAuthorization
from domain.connection import Connection
from domain.refresh_lease import RefreshLease

if TYPE_CHECKING:
    from adapters.memory.store import InMemoryUnitOfWork


class InMemoryConnectionRepository(ConnectionRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, workspace_id: str) -> Connection | None:
        if self._unreadable(workspace_id):
            raise CredentialsUnreadable()
        return self._visible(workspace_id)

    async def overview(self, workspace_id: str) -> ConnectionOverview | None:
        connection = self._visible(workspace_id)
        if connection is None:
            return None
        unreadable = self._unreadable(workspace_id)
        tokens = None if unreadable else connection.tokens
        return ConnectionOverview(
            connection=msgspec.structs.replace(connection, tokens=None),
            instance_url=tokens.instance_url if tokens else None,
            credentials_unreadable=unreadable,
        )

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        await self._uow.lock(f"connection:{workspace_id}")
        return await self.get(workspace_id)

    async def save(self, connection: Connection) -> None:
        await self._uow.lock(f"connection:{connection.workspace_id}")
        self._uow.staged_connections[connection.workspace_id] = connection

    async def take_refresh_lease(
        self, workspace_id: str, lease: RefreshLease, *, now: datetime
    ) -> RefreshLease | None:
        await self._uow.lock(f"connection:{workspace_id}")
        if self._visible(workspace_id) is None:
            return None

        standing = self._uow.staged_leases.get(workspace_id)
        if standing is not None and standing.blocks(lease.holder, now):
            return standing
        self._uow.staged_leases.put(workspace_id, lease)
        return lease

    async def end_refresh_lease(self, workspace_id: str, holder: str) -> None:
        await self._uow.lock(f"connection:{workspace_id}")
        standing = self._uow.staged_leases.get(workspace_id)
        if standing is not None and standing.holder == holder:
            self._uow.staged_leases.drop(workspace_id)

    async def clear_refresh_lease(self, workspace_id: str) -> None:
        await self._uow.lock(f"connection:{workspace_id}")
        self._uow.staged_leases.drop(workspace_id)

    def _visible(self, workspace_id: str) -> Connection | None:
        if workspace_id in self._uow.staged_connections:
            return self._uow.staged_connections[workspace_id]
        return self._uow.store.connections.get(workspace_id)

    def _unreadable(self, workspace_id: str) -> bool:
        staged = workspace_id in self._uow.staged_connections
        return not staged and workspace_id in self._uow.store.unreadable_tokens


class InMemoryAuthorizationRepository(AuthorizationRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, pending: PendingAuthorization) -> None:
        await self._uow.lock(f"authorization:{pending.state}")
        self._uow.staged_authorizations[pending.state] = pending

    async def take(self, state: str) -> PendingAuthorization | None:
        # Like DELETE ... RETURNING: a second taker waits for the first to end,
        # then finds nothing if the first committed.
        await self._uow.lock(f"authorization:{state}")
        staged = state in self._uow.staged_authorizations
        pending = self._uow.authorization(state)
        self._uow.staged_authorizations[state] = None
        if pending and not staged and state in self._uow.store.unreadable_verifiers:
            raise AuthorizationUnreadable(workspace_id=pending.workspace_id)
        return pending

    async def discard_workspace(self, workspace_id: str) -> None:
        for pending in list(self._uow.visible_authorizations()):
            if pending.workspace_id == workspace_id:
                self._uow.staged_authorizations[pending.state] = None

    async def purge_expired(self, now: datetime) -> int:
        expired = [
            pending
            for pending in self._uow.visible_authorizations()
            if pending.is_expired(now)
        ]
        for pending in expired:
            self._uow.staged_authorizations[pending.state] = None
        return len(expired)
