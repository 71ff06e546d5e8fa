"""A reconnect replaces the grant that needed reauthorization: the old one
is revoked, as a disconnect would have, so it cannot come back to life."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import OAuthError
from domain.connection import ConnectionStatus
from tests.unit.application.conftest import ADMIN, App


def refresh_token(app: App) -> str:
    connection = app.connection()
    assert connection is not None
    assert connection.tokens is not None
    assert connection.tokens.refresh_token is not None
    return connection.tokens.refresh_token


async def needing_reauthorization(app: App) -> str:
    """Connected, then a refresh refused: the grant stays live at Salesforce
    (its user deactivated, then back, say)."""
    await app.connect()
    old = refresh_token(app)
    app.salesforce.expire_access_tokens()
    app.salesforce.fail_next("refresh", OAuthError("invalid_grant", "inactive user"))
    verified = await app.verify.execute(ADMIN)
    assert not verified.ok
    connection = app.connection()
    assert connection is not None
    assert connection.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    return old


async def test_a_reconnect_revokes_the_grant_it_replaces(app: App) -> None:
    old = await needing_reauthorization(app)

    await app.connect()

    new = refresh_token(app)
    assert new != old
    assert app.salesforce.revoked == [old]
    assert old not in app.salesforce.live_refresh
    assert new in app.salesforce.live_refresh
    assert (await app.verify.execute(ADMIN)).ok


async def test_a_revoke_that_fails_leaves_the_new_connection_in_place(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    old = await needing_reauthorization(app)
    app.salesforce.fail_next("revoke", OAuthError("server_error", "try later"))

    await app.connect()

    connection = app.connection()
    assert connection is not None
    assert connection.status is ConnectionStatus.CONNECTED
    assert "could not revoke replaced grant workspace=" in caplog.text
    assert old not in caplog.text


async def test_a_revoke_that_does_not_answer_holds_the_callback_only_so_long(
    app: App, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await needing_reauthorization(app)
    monkeypatch.setattr(app.complete, "REVOKE_REPLACED_SECONDS", 0.05)
    revoke = app.salesforce.revoke

    async def silent(*, login_host: str, token: str) -> None:
        await asyncio.sleep(60)
        await revoke(login_host=login_host, token=token)

    app.salesforce.revoke = silent  # type: ignore[method-assign]

    await asyncio.wait_for(app.connect(), timeout=10)

    connection = app.connection()
    assert connection is not None
    assert connection.status is ConnectionStatus.CONNECTED
    assert "could not revoke replaced grant workspace=ws-a: no answer in 0.05 s" in (
        caplog.text
    )
