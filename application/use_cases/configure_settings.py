"""Use case: set the Connected App's Client ID and the environment."""

from __future__ import annotations

import logging

import msgspec

from application.access import (
    SETTINGS_HINT,
    domain_rules,
    load_or_new,
    login_host_given,
    require_manager,
)
from application.ports import Clock, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from domain.workspace import Actor

logger = logging.getLogger(__name__)


class ConfigureSettings:
    """Business rules:

    - only an Owner or Admin may change settings;
    - the Client ID must look like a Consumer Key; nothing changes otherwise;
    - a My Domain login host left out keeps the stored one; `None` clears it;
      one given must be a host we send secrets to, which is checked first;
    - while a grant is held the environment, Client ID and login host are frozen:
      disconnect first, or use the environment switch.
    """

    class Command(msgspec.Struct, frozen=True, kw_only=True):
        actor: Actor
        client_id: str
        sandbox: bool
        login_host: str | msgspec.UnsetType | None = msgspec.UNSET

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, settings: OAuthSettings
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    async def execute(self, command: Command) -> ConnectionSummary:
        require_manager(command.actor, "change the Salesforce settings")

        async with self._uow() as uow:
            current = await load_or_new(uow, command.actor.workspace_id)
            with domain_rules(hint=SETTINGS_HINT):
                self._settings.check_given_login_host(command.login_host)
                updated = current.configure(
                    client_id=command.client_id,
                    sandbox=command.sandbox,
                    login_host=login_host_given(command.login_host, current.login_host),
                )
                if updated.login_host:
                    policy = self._settings.host_policy()
                    policy.check(updated.login_host, field="login_host")
            if updated.authorizing_until is None:
                await uow.authorizations.discard_workspace(current.workspace_id)
            await uow.connections.save(updated)
            await uow.commit()

        logger.info(
            "settings saved workspace=%s environment=%s",
            updated.workspace_id,
            updated.environment.value,
        )
        return ConnectionSummary.of(updated, self._settings, self._clock.now())
