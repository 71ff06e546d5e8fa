"""`crmbridge rotate-keys` against a running service's database.

Rotation re-encrypts every secret of the database it is pointed at: each test
here runs a service and a database of its own, so the session's service (and
the workspaces of other tests) never meet a key they were not given.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.encryption import FernetTokenCipher
from entrypoints.config import load_config
from sfemulator.server import EmulatorServer
from tests.e2e.client import Flow
from tests.e2e.commands import crmbridge
from tests.e2e.conftest import Service, running_service, start_instance
from tests.e2e.harness import ServiceLog, listening_socket


@pytest.fixture
def service(
    emulator_server: EmulatorServer,
    service_log: ServiceLog,
    tmp_path: Path,
    home: Path,
) -> Iterator[Service]:
    """Replaces the session's service for this module's tests."""
    state = tmp_path / "service"
    state.mkdir()
    with running_service(emulator_server, service_log, state, home) as own:
        yield own


async def test_keys_rotate_without_a_reconnect(flow: Flow, tmp_path: Path) -> None:
    await flow.connect()
    old = flow.service.env["CRMBRIDGE_ENCRYPTION_KEYS"]
    new = FernetTokenCipher.generate_key()

    code, output = await crmbridge(
        "rotate-keys",
        env=flow.service.env | {"CRMBRIDGE_ENCRYPTION_KEYS": f"{new},{old}"},
    )
    only_new = load_config(
        flow.service.env | {"CRMBRIDGE_ENCRYPTION_KEYS": new}, state_dir=tmp_path
    )
    instance = start_instance(only_new, flow.service.clock, listening_socket())
    try:
        shown = await flow.http.get(
            f"{instance.url}/api/crm/salesforce", headers=flow.auth()
        )
        tested = await flow.http.post(
            f"{instance.url}/api/crm/salesforce/verification", headers=flow.auth()
        )
    finally:
        instance.stop()

    assert code == 0, output
    assert "re-encrypted" in output
    assert new not in output
    assert old not in output
    assert shown.json()["status"] == "connected"
    assert tested.json()["ok"] is True


async def test_rotating_with_keys_that_open_nothing_fails_and_loses_nothing(
    flow: Flow,
) -> None:
    await flow.connect()
    new, wrong = FernetTokenCipher.generate_key(), FernetTokenCipher.generate_key()

    code, output = await crmbridge(
        "rotate-keys",
        env=flow.service.env | {"CRMBRIDGE_ENCRYPTION_KEYS": f"{new},{wrong}"},
    )
    tested = await flow.verify()

    assert code == 1, output
    # This test's connection alone: the database is the test's own.
    assert "re-encrypted 0 stored secrets" in output
    assert "1 stored secret cannot be decrypted" in output
    assert "left as stored" in output
    assert "Traceback" not in output
    assert new not in output
    assert wrong not in output
    assert tested.json()["ok"] is True
