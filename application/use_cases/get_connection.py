"""Use case: show a workspace's Salesforce connection."""

from __future__ import annotations

import msgspec

from application.ports import Clock, ConnectionOverview, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from domain.connection import Connection
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
        # The overview leaves the tokens sealed: only their instance URL shows.
        async with self._uow() as uow:
            found = await uow.connections.overview(actor.workspace_id)
        overview = found or ConnectionOverview(
            connection=Connection(workspace_id=actor.workspace_id), instance_url=None
        )

        summary = ConnectionSummary.of(
            overview.connection, self._settings, self._clock.now()
        )
        return msgspec.structs.replace(summary, instance_url=overview.instance_url)
