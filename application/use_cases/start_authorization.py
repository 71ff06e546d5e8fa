"""Use case: begin the OAuth web-server flow with PKCE (the Connect click)."""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec

from application.access import (
    SETTINGS_HINT,
    domain_rules,
    load_or_new,
    login_host_given,
    require_manager,
)
from application.ports import Clock, SalesforceOAuth, UnitOfWork, UnitOfWorkFactory
from application.settings import OAuthSettings
from domain.authorization import AUTHORIZATION_TTL, PendingAuthorization
from domain.connection import Connection
from domain.workspace import Actor

logger = logging.getLogger(__name__)


class AuthorizationStarted(msgspec.Struct, frozen=True, kw_only=True):
    authorization_url: str
    expires_at: datetime


class StartAuthorization:
    """Business rules:

    - only an Owner or Admin may connect;
    - a Client ID, environment and My Domain login host given here are
      saved first, as settings are (a login host left out stays, null
      clears it);
    - a connection that is already connected must be disconnected first;
    - the `state` is random, single-use, bound to this workspace and
      environment, and expires after 10 minutes; the PKCE verifier stays here;
    - Salesforce is asked for a fresh sign-in (`prompt=login`) every time, so
      a browser already signed in to another org or as another user cannot
      connect that org without the admin seeing who signs in.
    """

    class Command(msgspec.Struct, frozen=True, kw_only=True):
        actor: Actor
        client_id: str | None = None
        sandbox: bool | None = None
        login_host: str | msgspec.UnsetType | None = msgspec.UNSET

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

    async def execute(self, command: Command) -> AuthorizationStarted:
        require_manager(command.actor, "connect Salesforce")

        async with self._uow() as uow:
            connection = await load_or_new(uow, command.actor.workspace_id)
            with domain_rules(hint=SETTINGS_HINT):
                self._settings.check_given_login_host(command.login_host)
                connection = _with_requested_settings(connection, command)
            started = await self.begin(uow, connection)
            await uow.commit()

        logger.info(
            "authorization started workspace=%s environment=%s",
            connection.workspace_id,
            connection.environment.value,
        )
        return started

    async def begin(
        self, uow: UnitOfWork, connection: Connection
    ) -> AuthorizationStarted:
        """Create the pending authorization inside the caller's unit of work."""
        now = self._clock.now()
        with domain_rules(hint="Disconnect first."):
            connection = connection.begin_authorization(until=now + AUTHORIZATION_TTL)
        login_host = self._settings.login_host(connection)
        with domain_rules():
            self._settings.host_policy().check(login_host, field="login_host")
        pending = PendingAuthorization.begin(
            workspace_id=connection.workspace_id,
            environment=connection.environment,
            client_id=connection.client_id or "",
            login_host=login_host,
            redirect_uri=self._settings.callback_url(connection.workspace_id),
            now=now,
        )

        await uow.authorizations.discard_workspace(connection.workspace_id)
        await uow.authorizations.purge_expired(now)
        await uow.authorizations.add(pending)
        await uow.connections.save(connection)
        return AuthorizationStarted(
            authorization_url=self._oauth.authorization_url(pending),
            expires_at=pending.expires_at,
        )


def _with_requested_settings(
    connection: Connection, command: StartAuthorization.Command
) -> Connection:
    if (
        command.client_id is None
        and command.sandbox is None
        and isinstance(command.login_host, msgspec.UnsetType)
    ):
        return connection
    client_id = command.client_id or connection.client_id or ""
    sandbox = (
        command.sandbox
        if command.sandbox is not None
        else connection.environment.is_sandbox
    )
    login_host = login_host_given(command.login_host, connection.login_host)
    return connection.configure(
        client_id=client_id, sandbox=sandbox, login_host=login_host
    )
