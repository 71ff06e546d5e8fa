"""Use case: disconnect — revoke at Salesforce, forget the tokens, keep settings."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

from application.access import require_manager
from application.errors import CredentialsUnreadable, SalesforceError
from application.ports import Clock, SalesforceOAuth, UnitOfWork, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from domain import problems
from domain.connection import Connection
from domain.workspace import Actor

logger = logging.getLogger(__name__)


class Forgotten(msgspec.Struct, frozen=True, kw_only=True):
    """A disconnected connection and the grant it held, still to revoke."""

    connection: Connection
    token: str | None
    login_host: str


class Disconnect:
    """Business rules:

    - only an Owner or Admin may disconnect;
    - tokens, org identity and pending authorizations are forgotten; the
      Client ID, environment and login host stay;
    - the synced data stays, still served: reconnecting to the same org
      goes on incrementally, and connecting to another org drops it
      (`CompleteAuthorization`);
    - the refresh token is then revoked at the login host it came from, best
      effort and outside the transaction: a Salesforce outage never blocks a
      disconnect, nor holds other writers up;
    - a refresh lease on the connection ends with the grant: a dead holder's
      lease would hold up the next grant's first refresh; a live holder's
      request settles against the forgotten tokens and drops its answer;
    - disconnecting a disconnected workspace is a no-op, not an error;
    - tokens no configured key opens are forgotten all the same, unrevoked,
      and the connection's problem says so.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: SalesforceOAuth,
        clock: Clock,
        settings: OAuthSettings,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._clock = clock
        self._settings = settings

    async def execute(self, actor: Actor) -> ConnectionSummary:
        require_manager(actor, "disconnect Salesforce")

        async with self._uow() as uow:
            forgotten = await self.within(uow, actor.workspace_id)
            await uow.commit()
        await self.revoke(forgotten)

        return ConnectionSummary.of(
            forgotten.connection, self._settings, self._clock.now()
        )

    async def within(
        self,
        uow: UnitOfWork,
        workspace_id: str,
        *,
        first: Callable[[Connection], object] | None = None,
    ) -> Forgotten:
        """Forget the grant inside the caller's unit of work; revoke after commit.

        `first` sees the locked connection before anything is forgotten, and
        may refuse by raising.
        """
        current, unreadable = await _locked(uow, workspace_id)
        if first is not None:
            first(current)
        tokens = current.tokens

        disconnected = current.disconnect()
        if unreadable:
            disconnected = disconnected.note_problem(problems.grant_not_revoked())
        await uow.authorizations.discard_workspace(workspace_id)
        await uow.connections.save(disconnected)
        await uow.connections.clear_refresh_lease(workspace_id)
        return Forgotten(
            connection=disconnected,
            token=(tokens.refresh_token or tokens.access_token) if tokens else None,
            login_host=self._settings.login_host(current),
        )

    async def revoke(self, forgotten: Forgotten) -> None:
        workspace_id = forgotten.connection.workspace_id
        revoked = False
        if forgotten.token is not None:
            try:
                await self._oauth.revoke(
                    login_host=forgotten.login_host, token=forgotten.token
                )
                revoked = True
            except SalesforceError as exc:
                logger.warning(
                    "revoke failed workspace=%s: %s; the tokens are forgotten anyway",
                    workspace_id,
                    exc.code,
                )
        logger.info("disconnected workspace=%s revoked=%s", workspace_id, revoked)


async def _locked(uow: UnitOfWork, workspace_id: str) -> tuple[Connection, bool]:
    """The connection, locked, and whether no key opened its tokens: then it
    comes without them, as there is no way to revoke them."""
    try:
        found = await uow.connections.get_for_update(workspace_id)
    except CredentialsUnreadable:
        # The lock is held: read the rest, and forget tokens nobody can read.
        # Limitation: so unrevoked, the grant lives on at Salesforce.
        overview = await uow.connections.overview(workspace_id)
        found = overview.connection if overview else None
        logger.warning(
            "stored tokens cannot be decrypted workspace=%s: forgetting them "
            "without revoking them at Salesforce",
            workspace_id,
        )
        return found or Connection(workspace_id=workspace_id), True
    return found or Connection(workspace_id=workspace_id), False
