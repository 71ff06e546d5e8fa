"""Sample values and timing helpers shared by the persistence tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from domain.authorization import PendingAuthorization
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.environment import Environment
from domain.tokens import TokenSet

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CLIENT_ID = "3MVG9_sample.Consumer.Key_0123456789"
ACCESS_TOKEN = "00D5e0000000001!AQ-ACCESS-TOKEN-PLAINTEXT-7f3a"
REFRESH_TOKEN = "5Aep861-REFRESH-TOKEN-PLAINTEXT-c41d"
STATE = "STATE-PLAINTEXT-x5Jb2vQk0r9LmNnPpQqRrSsTtUuVvWw"
VERIFIER = "VERIFIER-PLAINTEXT-aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5oQ7"
# Long enough to prove a task waits, short enough to keep the suite quick.
WAIT = 0.4


def tokens(
    access_token: str = ACCESS_TOKEN, refresh_token: str | None = REFRESH_TOKEN
) -> TokenSet:
    return TokenSet(
        access_token=access_token,
        refresh_token=refresh_token,
        instance_url="https://acme.my.salesforce.com",
        issued_at=NOW,
        identity_url="https://login.salesforce.com/id/00D5e0000000001/0055e000001",
        scope="api refresh_token",
    )


def connected(workspace_id: str = "ws-1", **changes: Any) -> Connection:
    connection = Connection(
        workspace_id=workspace_id,
        environment=Environment.SANDBOX,
        client_id=CLIENT_ID,
        status=ConnectionStatus.CONNECTED,
        identity=OrgIdentity(
            org_id="00D5e0000000001", user_id="0055e000001", username="a@acme.test"
        ),
        tokens=tokens(),
        connected_at=NOW,
        last_verified_at=NOW,
    )
    return msgspec.structs.replace(connection, **changes)


def pending(
    workspace_id: str = "ws-1",
    state: str = STATE,
    expires_at: datetime = NOW + timedelta(minutes=10),
) -> PendingAuthorization:
    return PendingAuthorization(
        state=state,
        workspace_id=workspace_id,
        environment=Environment.PRODUCTION,
        client_id=CLIENT_ID,
        login_host="https://login.salesforce.com",
        redirect_uri="https://app.example.test/api/oauth/callback/salesforce",
        code_verifier=VERIFIER,
        created_at=expires_at - timedelta(minutes=10),
        expires_at=expires_at,
    )


async def is_waiting(task: asyncio.Task[Any], seconds: float = WAIT) -> bool:
    """True when `task` is still blocked after `seconds`."""
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return not done
