"""Use case: show a workspace's Salesforce connection."""

from __future__ import annotations

from application.access import load_or_new
from application.ports import Clock, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from domain.workspace import Actor


class GetConnection:
    """Any member may look; the answer never carries a secret."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, settings: OAuthSettings
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    async def execute(self, actor: Actor) -> ConnectionSummary:
        async with self._uow() as uow:
            connection = await load_or_new(uow, actor.workspace_id)
        return ConnectionSummary.of(connection, self._settings, self._clock.now())
