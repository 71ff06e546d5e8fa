"""Fixtures of the Salesforce adapter tests: scripted clients and contract stages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.salesforce import new_http_client
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from sfemulator.testing import demo, emulator, emulator_server
from tests.integration.salesforce.record_stages import (
    EmulatorRecordsStage,
    FakeRecordsStage,
    RecordsStage,
)
from tests.integration.salesforce.scripted import Scripted, ScriptedTransport, Step
from tests.integration.salesforce.stages import EmulatorStage, FakeStage, Stage

__all__ = ["demo", "emulator", "emulator_server"]


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


@pytest.fixture(params=["fake", "emulator"])
async def stage(request: pytest.FixtureRequest) -> AsyncIterator[Stage]:
    """The same Salesforce contract, played by the fake and by adapters + emulator."""
    if request.param == "fake":
        yield FakeStage()
        return
    seeded: Demo = request.getfixturevalue("demo")
    server: EmulatorServer = request.getfixturevalue("emulator")
    async with new_http_client(trust_env=False) as client:
        yield EmulatorStage(server, seeded, client)


@pytest.fixture(params=["fake", "emulator"])
async def records_stage(request: pytest.FixtureRequest) -> AsyncIterator[RecordsStage]:
    """An org with records, played by the fake and by the adapter + emulator."""
    if request.param == "fake":
        yield FakeRecordsStage()
        return
    seeded: Demo = request.getfixturevalue("demo")
    server: EmulatorServer = request.getfixturevalue("emulator")
    async with new_http_client(trust_env=False) as client:
        yield await EmulatorRecordsStage.connect(server, seeded, client)
