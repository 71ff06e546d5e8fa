"""Use case: switch production/sandbox — disconnect, toggle, re-authorize."""

from __future__ import annotations

import logging
from functools import partial

import msgspec

from application.access import domain_rules, require_manager
from application.ports import UnitOfWorkFactory
from application.use_cases.disconnect import Disconnect
from application.use_cases.start_authorization import (
    AuthorizationStarted,
    StartAuthorization,
)
from domain.connection import Connection
from domain.workspace import Actor

logger = logging.getLogger(__name__)

_SAME_ENVIRONMENT = (
    "Nothing changed. To sign in to the same environment again, disconnect, "
    "then Connect."
)


class SwitchEnvironment:
    """Business rules:

    - only an Owner or Admin may switch;
    - a switch to the environment whose grant is in use is refused (409):
      it would only drop a working connection (a repeated request, say);
    - the current grant is revoked (best effort) and forgotten, the toggle
      flips, and a new authorization starts for the other environment;
    - tokens no configured key opens are forgotten all the same, unrevoked,
      and the connection's problem says so, as a disconnect's does;
    - a workspace-specific My Domain login host is kept: it serves both;
    - the other environment is another org, so the synced data stays only
      until that authorization completes (`CompleteAuthorization`).
    """

    class Command(msgspec.Struct, frozen=True, kw_only=True):
        actor: Actor
        sandbox: bool

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        disconnect: Disconnect,
        start: StartAuthorization,
    ) -> None:
        self._uow = uow
        self._disconnect = disconnect
        self._start = start

    async def execute(self, command: Command) -> AuthorizationStarted:
        require_manager(command.actor, "switch the Salesforce environment")
        workspace_id = command.actor.workspace_id

        async with self._uow() as uow:
            refuse_same = partial(
                Connection.switch_environment, sandbox=command.sandbox
            )
            with domain_rules(_SAME_ENVIRONMENT):
                forgotten = await self._disconnect.within(
                    uow, workspace_id, first=refuse_same
                )
            disconnected = forgotten.connection
            # Keeps what the disconnect noted (grant_not_revoked) in sight.
            switched = disconnected.switch_environment(sandbox=command.sandbox)
            started = await self._start.begin(uow, switched)
            await uow.commit()
        await self._disconnect.revoke(forgotten)

        logger.info(
            "environment switched workspace=%s environment=%s",
            workspace_id,
            switched.environment.value,
        )
        return started
