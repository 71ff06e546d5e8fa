"""Stored secrets no configured key opens: every use case says so clearly,
showing and disconnecting still work, and nothing is stored that would lose
the grant should the key come back."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from application.errors import (
    AuthorizationFailed,
    AuthorizationStateInvalid,
    CredentialsUnreadable,
)
from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from application.sync.run_sync import RunSync
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.start_authorization import StartAuthorization
from application.use_cases.switch_environment import SwitchEnvironment
from domain.connection import ConnectionStatus
from domain.sync import SyncState
from tests.unit.application.conftest import (
    ADMIN,
    CLIENT_ID,
    MEMBER,
    App,
    state_of,
)
from tests.unit.application.sync_support import RecordingScheduler


async def test_the_connection_shows_it_needs_a_reconnect_and_why(app: App) -> None:
    await app.connect()
    stored = app.connection()
    app.store.lose_keys()

    shown = await app.get.execute(MEMBER)

    assert shown.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    assert shown.problem is not None
    assert shown.problem.code == "credentials_unreadable"
    assert "disconnect" in (shown.problem.hint or "")
    assert shown.instance_url is None
    assert shown.org_id == "00D000000000001AAA"
    assert app.connection() == stored


async def test_a_test_fails_with_the_problem_and_changes_nothing(app: App) -> None:
    await app.connect()
    stored = app.connection()
    app.store.lose_keys()

    result = await app.verify.execute(MEMBER)

    assert not result.ok
    assert result.problem is not None
    assert result.problem.code == "credentials_unreadable"
    assert app.connection() == stored
    assert app.salesforce.identity_calls == 1  # The connect's own, no more.


async def test_a_refresh_fails_with_the_problem(app: App) -> None:
    await app.connect()
    tokens = app.connection().tokens  # type: ignore[union-attr]
    app.store.lose_keys()

    with pytest.raises(CredentialsUnreadable):
        await app.session.refresh("ws-a", stale=tokens)  # type: ignore[arg-type]

    assert app.salesforce.refresh_calls == 0


async def test_disconnect_forgets_what_it_cannot_revoke_and_says_so(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    await app.connect()
    tokens = app.connection().tokens  # type: ignore[union-attr]
    app.store.lose_keys()
    caplog.set_level(logging.DEBUG)

    summary = await app.disconnect.execute(ADMIN)

    assert summary.status is ConnectionStatus.DISCONNECTED
    assert summary.problem is not None
    assert summary.problem.code == "grant_not_revoked"
    assert app.connection().tokens is None  # type: ignore[union-attr]
    assert app.connection().client_id == CLIENT_ID  # type: ignore[union-attr]
    assert app.salesforce.revoke_calls == 0
    assert "without revoking" in caplog.text
    assert tokens is not None
    assert tokens.refresh_token is not None
    assert tokens.access_token not in caplog.text
    assert tokens.refresh_token not in caplog.text


async def test_after_a_disconnect_a_reconnect_works(app: App) -> None:
    await app.connect()
    app.store.lose_keys()
    await app.disconnect.execute(ADMIN)

    await app.connect()

    assert (await app.verify.execute(ADMIN)).ok
    assert (await app.get.execute(ADMIN)).status is ConnectionStatus.CONNECTED


async def test_switching_the_environment_works_too_and_says_what_it_left(
    app: App,
) -> None:
    await app.connect()
    app.store.lose_keys()

    started = await app.switch.execute(
        SwitchEnvironment.Command(actor=ADMIN, sandbox=True)
    )
    shown = await app.get.execute(MEMBER)

    assert started.authorization_url.startswith("https://test.example/")
    assert app.connection().tokens is None  # type: ignore[union-attr]
    assert app.salesforce.revoke_calls == 0
    assert shown.status is ConnectionStatus.AUTHORIZING
    assert shown.problem is not None
    assert shown.problem.code == "grant_not_revoked"


async def unrevoked(app: App) -> None:
    await app.connect()
    app.store.lose_keys()
    await app.disconnect.execute(ADMIN)


async def test_a_second_disconnect_keeps_the_unrevoked_grant_in_sight(
    app: App,
) -> None:
    await unrevoked(app)

    again = await app.disconnect.execute(ADMIN)

    assert again.problem is not None
    assert again.problem.code == "grant_not_revoked"


async def test_switches_keep_the_unrevoked_grant_in_sight(app: App) -> None:
    await unrevoked(app)

    await app.switch.execute(SwitchEnvironment.Command(actor=ADMIN, sandbox=True))
    await app.switch.execute(SwitchEnvironment.Command(actor=ADMIN, sandbox=False))
    shown = await app.get.execute(MEMBER)

    assert shown.problem is not None
    assert shown.problem.code == "grant_not_revoked"


async def test_a_failed_connect_keeps_the_unrevoked_grant_in_sight(app: App) -> None:
    await unrevoked(app)
    started = await app.start.execute(StartAuthorization.Command(actor=ADMIN))
    command = CompleteAuthorization.Command(
        state=state_of(started.authorization_url), error="access_denied"
    )

    with pytest.raises(AuthorizationFailed) as failed:
        await app.complete.execute(command)
    shown = await app.get.execute(MEMBER)

    assert failed.value.problem.code == "access_denied"
    assert shown.status is ConnectionStatus.DISCONNECTED
    assert shown.problem is not None
    assert shown.problem.code == "grant_not_revoked"


async def test_a_new_connection_replaces_the_unrevoked_grant_problem(
    app: App,
) -> None:
    await unrevoked(app)

    await app.connect()

    assert (await app.get.execute(MEMBER)).problem is None


async def test_saving_settings_refuses_with_the_problem(app: App) -> None:
    await app.connect()
    stored = app.connection()
    app.store.lose_keys()
    command = ConfigureSettings.Command(actor=ADMIN, client_id=CLIENT_ID, sandbox=False)

    with pytest.raises(CredentialsUnreadable) as raised:
        await app.configure.execute(command)

    assert raised.value.hint
    assert app.connection() == stored


async def test_connecting_again_refuses_with_the_problem(app: App) -> None:
    await app.connect()
    stored = app.connection()
    app.store.lose_keys()

    with pytest.raises(CredentialsUnreadable):
        await app.start.execute(StartAuthorization.Command(actor=ADMIN))

    assert app.connection() == stored


async def test_a_verifier_no_key_opens_ends_the_attempt_with_a_problem(
    app: App,
) -> None:
    started = await app.start.execute(
        StartAuthorization.Command(actor=ADMIN, client_id=CLIENT_ID, sandbox=False)
    )
    state = state_of(started.authorization_url)
    code = app.salesforce.approve(app.store.authorizations[state])
    app.store.lose_keys()
    callback = CompleteAuthorization.Command(state=state, code=code)

    with pytest.raises(AuthorizationFailed) as failed:
        await app.complete.execute(callback)
    with pytest.raises(AuthorizationStateInvalid):
        await app.complete.execute(callback)

    assert failed.value.code == "authorization_unreadable"
    assert failed.value.workspace_id == "ws-a"
    assert app.salesforce.exchange_calls == 0
    shown = await app.get.execute(ADMIN)
    assert shown.status is ConnectionStatus.DISCONNECTED
    assert shown.problem is not None
    assert shown.problem.code == "authorization_unreadable"


async def test_a_key_lost_during_a_reconnect_fails_it_and_revokes_the_new_grant(
    app: App,
) -> None:
    await app.connect()
    app.salesforce.revoke_everything()
    await app.verify.execute(ADMIN)
    started = await app.start.execute(StartAuthorization.Command(actor=ADMIN))
    state = state_of(started.authorization_url)
    code = app.salesforce.approve(app.store.authorizations[state])
    app.store.unreadable_tokens.add("ws-a")  # The verifier is newer: readable.

    with pytest.raises(AuthorizationFailed) as failed:
        await app.complete.execute(
            CompleteAuthorization.Command(state=state, code=code)
        )

    assert failed.value.code == "credentials_unreadable"
    assert app.salesforce.exchange_calls == 2
    assert len(app.salesforce.revoked) == 1


async def test_a_sync_is_refused_with_the_problem(app: App) -> None:
    await app.connect()
    app.store.lose_keys()
    start = StartSync(
        app.store.unit_of_work, RecordingScheduler(), app.clock, SyncOptions()
    )

    with pytest.raises(CredentialsUnreadable):
        await start.execute(StartSync.Command(actor=ADMIN))

    assert app.store.sync_jobs == {}


async def test_a_queued_sync_fails_with_the_problem(app: App) -> None:
    await app.connect()
    app.salesforce.org.now = app.clock.now() - timedelta(hours=1)
    options = SyncOptions(settle_seconds=0)
    start = StartSync(app.store.unit_of_work, RecordingScheduler(), app.clock, options)
    job = await start.execute(StartSync.Command(actor=ADMIN))
    app.store.lose_keys()
    run = RunSync(
        app.store.unit_of_work, app.session, app.salesforce, app.clock, options
    )

    ended = await run.execute(job.workspace_id, job.job_id)

    assert ended is not None
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "credentials_unreadable"
