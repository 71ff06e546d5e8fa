"""Shared pieces of the Salesforce adapter tests: fast retries, scripted clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from adapters.salesforce import RetryPolicy, new_http_client
from domain.tokens import TokenSet
from tests.integration.salesforce.scripted import Scripted, ScriptedTransport, Step

NO_WAIT = RetryPolicy(attempts=3, first_wait=0, max_wait=0, jitter=0)
ORG_ID = "00D5e000000AbCdEAF"
USER_ID = "0055e000001XyZwAAK"


def tokens_for(instance_url: str = "https://acme.my.salesforce.com") -> TokenSet:
    return TokenSet(
        access_token="00D5e!ACCESS-SECRET",
        refresh_token="5Aep-REFRESH-SECRET",
        instance_url=instance_url,
        issued_at=datetime(2024, 1, 15, tzinfo=UTC),
        identity_url=f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
    )


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    """Build clients over scripted transports; all are closed afterwards."""
    clients: list[httpx.AsyncClient] = []

    def build(*steps: Step) -> tuple[httpx.AsyncClient, ScriptedTransport]:
        transport = ScriptedTransport(*steps)
        client = new_http_client(transport=transport)
        clients.append(client)
        return client, transport

    yield build
    for client in clients:
        await client.aclose()
