"""Fixtures of the emulator's own tests: the shared emulator and HTTP clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from sfemulator.testing import demo, emulator, emulator_server
from tests.integration.emulator.flow import Rest, connect

__all__ = ["aclient", "client", "demo", "emulator", "emulator_server", "rest"]


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


@pytest.fixture
async def aclient() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
        yield http


@pytest.fixture
def rest(demo: Demo, emulator: EmulatorServer, client: httpx.Client) -> Rest:
    """A REST session of the demo's production user."""
    return Rest(client, connect(emulator, client, demo.app, demo.production_user))
