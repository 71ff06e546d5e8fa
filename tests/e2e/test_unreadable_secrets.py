"""A second instance of the service on the same SQLite database with another
encryption key: what an operator gets by dropping a key too early."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.encryption import FernetTokenCipher
from entrypoints.config import load_config
from tests.e2e.client import API, Flow
from tests.e2e.conftest import SETTINGS_PAGE, start_instance
from tests.e2e.harness import ServiceThread, listening_socket


@pytest.fixture
def stranger(flow: Flow, tmp_path: Path) -> Iterator[ServiceThread]:
    """The service under a key that opens nothing it stored."""
    env = flow.service.env | {
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key()
    }
    config = load_config(env, state_dir=tmp_path)
    instance = start_instance(config, flow.service.clock, listening_socket())
    yield instance
    instance.stop()


async def test_unreadable_tokens_are_a_clear_problem_and_disconnect_works(
    flow: Flow, stranger: ServiceThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await flow.connect()
    there, auth = stranger.url + API, flow.auth()

    shown = await flow.http.get(there, headers=auth)
    tested = await flow.http.post(f"{there}/verification", headers=auth)
    synced = await flow.http.post(f"{there}/syncs", headers=auth)
    gone = await flow.http.delete(f"{there}/connection", headers=auth)
    reconnected = await flow.connect()

    assert shown.status_code == 200
    assert shown.json()["status"] == "needs_reauthorization"
    assert shown.json()["problem"]["code"] == "credentials_unreadable"
    assert tested.json()["ok"] is False
    assert tested.json()["problem"]["code"] == "credentials_unreadable"
    assert synced.status_code == 409
    assert synced.json()["code"] == "credentials_unreadable"
    assert gone.status_code == 200
    assert gone.json()["status"] == "disconnected"
    assert gone.json()["problem"]["code"] == "grant_not_revoked"
    with flow.world.lock:
        assert sum(flow.world.stats.revokes.values()) == 0
    assert reconnected.headers["location"].endswith("salesforce=connected")
    assert (await flow.verify()).json()["ok"] is True
    assert "without revoking" in caplog.text
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    flow.secrets.note_world(flow.world)
    assert flow.secrets.found_in(caplog.text) == []


async def test_a_verifier_no_key_opens_ends_the_attempt_clearly(
    flow: Flow, stranger: ServiceThread
) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)
    location = await flow.consent(url, flow.demo.production_user.username)
    path = location.removeprefix(flow.service.url)

    arrived = await flow.http.get(stranger.url + path)
    shown = await flow.connection()

    assert arrived.status_code == 303
    assert arrived.headers["location"] == (
        f"{SETTINGS_PAGE}?salesforce=error&code=authorization_unreadable"
    )
    assert shown["status"] == "disconnected"
    assert shown["problem"]["code"] == "authorization_unreadable"
    assert flow.token_requests("authorization_code") == 0
