"""The ports the use cases need; adapters implement them, fakes stand in for tests."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

import msgspec

from domain.authorization import PendingAuthorization
from domain.connection import Connection, OrgIdentity
from domain.refresh_lease import RefreshLease
from domain.tokens import TokenSet


class Clock(Protocol):
    """Tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class ConnectionOverview(msgspec.Struct, frozen=True, kw_only=True):
    """A stored connection as any member may see it, secrets left sealed.

    `connection.tokens` is always None; `instance_url`, the one value of the
    token set a member is shown, stands beside it (None without tokens, or
    when `credentials_unreadable`: tokens are stored but no key opens them).
    """

    connection: Connection
    instance_url: str | None
    credentials_unreadable: bool = False


class ConnectionRepository(Protocol):
    """Connections by workspace; at most one per workspace.

    Changes become durable only when the unit of work commits.
    """

    async def get(self, workspace_id: str) -> Connection | None:
        """The workspace's connection, or None when it never configured one.

        Raises `CredentialsUnreadable` when no configured key opens its tokens.
        """
        ...

    async def overview(self, workspace_id: str) -> ConnectionOverview | None:
        """The connection without its tokens, for display; None as for `get`.

        Never locks. Before the unit of work writes, it reads what is
        committed at that moment (a plain read, no transaction needed);
        after, the unit's own changes too. Tokens no configured key opens
        are reported (`credentials_unreadable`), not raised.
        """
        ...

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        """Like `get`, and lock the connection until the unit of work ends.

        Other units of work, in this process or another one sharing the store,
        wait here until this one ends: hold it only for local reads and
        writes, never across a call to Salesforce. When it raises
        `CredentialsUnreadable` the lock is held all the same, so the caller
        may go on with `overview` (to forget the tokens, say).
        """
        ...

    async def save(self, connection: Connection) -> None:
        """Insert or replace the workspace's connection (tokens encrypted).

        The refresh lease is not part of the connection: a save leaves it.
        """
        ...

    async def take_refresh_lease(
        self, workspace_id: str, lease: RefreshLease, *, now: datetime
    ) -> RefreshLease | None:
        """Take the connection's token refresh lease, unless another holds it.

        The lease is taken when nobody holds it, when its holder is
        `lease.holder` already, or when another holder's lease ended at or
        before `now` (a takeover). Returns the lease that stands: `lease` when
        taken (durable once the unit of work commits), another holder's when
        that one lasts past `now`, None when no connection is stored. Locks the
        connection as `get_for_update` does.
        """
        ...

    async def end_refresh_lease(self, workspace_id: str, holder: str) -> None:
        """End `holder`'s lease; a lease another holder took over stays.

        Idempotent: a lease already ended, or none, changes nothing.
        """
        ...

    async def clear_refresh_lease(self, workspace_id: str) -> None:
        """End the connection's refresh lease, whoever holds it.

        For a change of grant (a disconnect, a switch, a completed
        authorization): the new grant, or none, owes the holder nothing, and
        the holder's request, if it is still alive, settles against tokens
        the row no longer holds and drops its answer. Locks the connection as
        `get_for_update` does; idempotent, durable once the unit commits.
        """
        ...


class AuthorizationRepository(Protocol):
    """Pending authorizations, keyed by their secret `state`."""

    async def add(self, pending: PendingAuthorization) -> None:
        """Store a new pending authorization (verifier encrypted)."""
        ...

    async def take(self, state: str) -> PendingAuthorization | None:
        """Remove and return the authorization for `state`; None when unknown.

        Atomic: of two concurrent takes of one state, only one gets it.
        Expired ones are returned too, so the caller can say "expired". Raises
        `AuthorizationUnreadable` when no configured key opens the verifier;
        it is removed all the same, once the unit of work commits.
        """
        ...

    async def discard_workspace(self, workspace_id: str) -> None:
        """Forget every pending authorization of the workspace."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete authorizations that expired before `now`; return how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories; rolls back unless committed."""

    connections: ConnectionRepository
    authorizations: AuthorizationRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class OrgInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The `Organization` row: which org the tokens reach and whether a sandbox."""

    org_id: str
    is_sandbox: bool
    organization_type: str | None = None


class ApiUsage(msgspec.Struct, frozen=True, kw_only=True):
    """The org's daily API requests, as `Sforce-Limit-Info` or /limits report them."""

    used: int
    max: int


class SalesforceOAuth(Protocol):
    """Salesforce's OAuth endpoints on a login host.

    Raises `OAuthError` for `{"error": ...}` answers and `SalesforceUnavailable`
    when the host keeps failing; retries only what is safe to repeat.
    """

    def authorization_url(self, pending: PendingAuthorization) -> str:
        """The URL the browser opens to approve access."""
        ...

    async def exchange_code(self, pending: PendingAuthorization, code: str) -> TokenSet:
        """Trade an authorization code, with the PKCE verifier, for tokens."""
        ...

    async def refresh(
        self, *, login_host: str, client_id: str, refresh_token: str
    ) -> TokenSet:
        """A new access token; `refresh_token` is set only when the app rotates."""
        ...

    async def revoke(self, *, login_host: str, token: str) -> None:
        """Revoke a token (a refresh token revokes the whole grant)."""
        ...

    async def identity(self, *, login_host: str, tokens: TokenSet) -> OrgIdentity:
        """Who the tokens belong to; raises `SessionExpired` on 401."""
        ...


class SalesforceApi(Protocol):
    """Salesforce's REST API on the tokens' `instance_url`.

    Raises `SessionExpired` on 401 (the caller refreshes once and retries once),
    `ApiError` subclasses for error arrays, `SalesforceUnavailable` after
    bounded retries of 5xx, timeouts and resets.
    """

    async def organization(self, tokens: TokenSet) -> OrgInfo:
        """Query the `Organization` row the tokens reach."""
        ...

    async def api_usage(self, tokens: TokenSet) -> ApiUsage:
        """The daily API request usage from `/limits`."""
        ...


class ProcessLiveness(Protocol):
    """Whether the process doing a piece of work is still alive: one that
    queued or runs a sync job, or one that may hold a token refresh lease.

    A stored heartbeat or lease says the work is silent; this says its
    process is gone, at once. It knows nothing of the work's state, which the
    store holds: the trace a holder leaves stays until someone who knows the
    work has ended calls `forget`. `key` names the work within the workspace
    (a job id, or a lease holder's name).
    """

    def running(self, workspace_id: str, key: str) -> AbstractContextManager[bool]:
        """Held by the process doing the work (or queueing a job, to run it
        itself), from before the work is stored as started until after its
        end is stored; a process that dies lets it go.

        Yields False, holding nothing, when another live process holds it
        (the work runs there); True otherwise, also when it cannot hold it.
        Letting it go leaves the work's trace, reading free, unless `forget`
        was called meanwhile.
        """
        ...

    def is_held(self, workspace_id: str, key: str) -> bool | None:
        """True while a live process holds the work; False when the process
        that held it is gone; None when this process cannot tell (another
        host or state folder does it, no trace here, or it was forgotten)."""
        ...

    def forget(self, workspace_id: str, key: str) -> None:
        """Remove the work's trace, once its end is stored: when this process
        lets it go if it holds it, at once if nobody does. A trace another
        live process holds stays: that process forgets it."""
        ...
