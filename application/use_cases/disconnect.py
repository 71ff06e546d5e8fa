"""Use case: disconnect — revoke at Salesforce, forget the tokens, keep settings."""

from __future__ import annotations

import logging

from application.access import require_manager
from application.errors import SalesforceError
from application.ports import Clock, SalesforceOAuth, UnitOfWork, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from domain.connection import Connection
from domain.workspace import Actor

logger = logging.getLogger(__name__)


class Disconnect:
    """Business rules:

    - only an Owner or Admin may disconnect;
    - the refresh token is revoked at the login host it came from, best effort:
      a Salesforce outage never blocks a disconnect;
    - tokens, org identity and pending authorizations are forgotten; the
      Client ID, environment and login host stay;
    - disconnecting a disconnected workspace is a no-op, not an error.
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
            disconnected = await self.within(uow, actor.workspace_id)
            await uow.commit()

        return ConnectionSummary.of(disconnected, self._settings, self._clock.now())

    async def within(self, uow: UnitOfWork, workspace_id: str) -> Connection:
        """Disconnect inside the caller's unit of work; return the new state."""
        current = await uow.connections.get_for_update(workspace_id)
        current = current or Connection(workspace_id=workspace_id)
        revoked = await self._revoke(current)

        disconnected = current.disconnect()
        await uow.authorizations.discard_workspace(workspace_id)
        await uow.connections.save(disconnected)
        logger.info("disconnected workspace=%s revoked=%s", workspace_id, revoked)
        return disconnected

    async def _revoke(self, connection: Connection) -> bool:
        tokens = connection.tokens
        if tokens is None:
            return False
        try:
            await self._oauth.revoke(
                login_host=self._settings.login_host(connection),
                token=tokens.refresh_token or tokens.access_token,
            )
        except SalesforceError as exc:
            logger.warning(
                "revoke failed workspace=%s: %s; forgetting the tokens anyway",
                connection.workspace_id,
                exc.code,
            )
            return False
        return True
