"""Pytest fixtures for tests that talk to the Salesforce emulator.

Load them from the root `conftest.py` with `pytest_plugins = ["sfemulator.testing"]`
(or import the fixtures by name into a conftest). Fixtures:

- `emulator_server` (session scope): one running `EmulatorServer` for the whole
  test session, so listeners start once (about 0.1 s) and stop cleanly at the end.
- `emulator` (function scope): the same server with an empty world: every test
  starts from `World.reset()`, so orgs, tokens, faults and stats never leak.
- `demo` (function scope): `emulator` seeded by `scenario.seed_demo` (not
  signed in, so authorize shows the consent form): a
  `Demo` with `app`, `production`, `production_user`, `sandbox`, `sandbox_user`.

The server exposes `login_url`, `sandbox_login_url`, `mydomain_url`,
`instance_urls`, `control_url`, `world` and `consent(url, username)`;
`sfemulator.scenario` has `authorization_url`, `new_verifier` and `connect`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfemulator.scenario import Demo, seed_demo
from sfemulator.server import EmulatorServer


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    emulator_server.world.reset()
    yield emulator_server
    emulator_server.world.reset()


@pytest.fixture
def demo(emulator: EmulatorServer) -> Demo:
    return seed_demo(emulator.world)
