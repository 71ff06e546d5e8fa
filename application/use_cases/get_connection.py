"""Use case: show a workspace's Salesforce connection."""

from __future__ import annotations

import msgspec

from application.ports import Clock, ConnectionOverview, UnitOfWorkFactory
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from domain import problems
from domain.connection import Connection, ConnectionStatus
from domain.workspace import Actor


class GetConnection:
    """Any member may look; the answer never carries a secret.

    Stored tokens that no configured key opens show as needing
    reauthorization, with the problem that says so; nothing is changed.
    """

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
        summary = msgspec.structs.replace(summary, instance_url=overview.instance_url)
        if overview.credentials_unreadable:
            # Not stored: the grant comes back if the key is put back.
            summary = msgspec.structs.replace(
                summary,
                status=ConnectionStatus.NEEDS_REAUTHORIZATION,
                problem=problems.credentials_unreadable(),
            )
        return summary
