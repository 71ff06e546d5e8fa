"""The connection as callers see it: no secrets, client id masked."""

from __future__ import annotations

from datetime import datetime

import msgspec

from application.settings import OAuthSettings
from domain.connection import Connection, ConnectionStatus, mask_client_id
from domain.environment import Environment
from domain.problems import Problem


class ConnectionSummary(msgspec.Struct, frozen=True, kw_only=True):
    """`login_host` is the workspace's My Domain setting (not a secret); None
    means the environment's generic login host."""

    workspace_id: str
    status: ConnectionStatus
    environment: Environment
    client_id: str | None
    login_host: str | None
    callback_url: str
    org_id: str | None
    username: str | None
    instance_url: str | None
    connected_at: datetime | None
    last_verified_at: datetime | None
    problem: Problem | None

    @classmethod
    def of(
        cls, connection: Connection, settings: OAuthSettings, now: datetime
    ) -> ConnectionSummary:
        identity = connection.identity
        tokens = connection.tokens
        return cls(
            workspace_id=connection.workspace_id,
            status=connection.status_at(now),
            environment=connection.environment,
            client_id=mask_client_id(connection.client_id),
            login_host=connection.login_host,
            callback_url=settings.callback_url(connection.workspace_id),
            org_id=identity.org_id if identity else None,
            username=identity.username if identity else None,
            instance_url=tokens.instance_url if tokens else None,
            connected_at=connection.connected_at,
            last_verified_at=connection.last_verified_at,
            problem=connection.problem,
        )
