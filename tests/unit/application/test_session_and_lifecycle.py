"""Verify, refresh (single-flight, rotation, revocation), disconnect and switch."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import (
    Conflict,
    NeedsReauthorization,
    NotConnected,
    NotPermitted,
    OAuthError,
    QuotaExhausted,
    SalesforceUnavailable,
)
from application.use_cases.switch_environment import SwitchEnvironment
from application.use_cases.verify_connection import VerifyConnection
from domain.connection import ConnectionStatus, OrgIdentity
from domain.environment import Environment
from domain.tokens import TokenSet
from tests.unit.application.conftest import ADMIN, MEMBER, App


async def test_verify_reports_org_user_and_api_usage(app: App) -> None:
    await app.connect()
    app.clock.advance(minutes=5)

    result = await app.verify.execute(MEMBER)

    assert result.ok
    assert result.org_id == "00D000000000001AAA"
    assert result.is_sandbox is False
    assert result.api_usage is not None
    assert (result.api_usage.used, result.api_usage.max) == (10, 15000)
    assert app.connection().last_verified_at == app.clock.now()  # type: ignore[union-attr]


async def test_an_expired_session_refreshes_once_and_retries(app: App) -> None:
    await app.connect()
    old = app.connection().tokens  # type: ignore[union-attr]
    app.salesforce.expire_access_tokens()

    result = await app.verify.execute(ADMIN)

    assert result.ok
    assert app.salesforce.refresh_calls == 1
    new = app.connection().tokens  # type: ignore[union-attr]
    assert new.access_token != old.access_token  # type: ignore[union-attr]
    assert new.refresh_token == old.refresh_token  # type: ignore[union-attr]


async def test_twenty_concurrent_callers_cause_one_refresh(app: App) -> None:
    await app.connect()
    app.salesforce.expire_access_tokens()

    results = await asyncio.gather(*(app.verify.execute(ADMIN) for _ in range(20)))

    assert all(result.ok for result in results)
    assert app.salesforce.refresh_calls == 1


async def test_a_rotated_refresh_token_replaces_the_old_one(app: App) -> None:
    app.salesforce.rotation = True
    await app.connect()
    old_refresh = app.connection().tokens.refresh_token  # type: ignore[union-attr]
    app.salesforce.expire_access_tokens()

    await app.verify.execute(ADMIN)
    app.salesforce.expire_access_tokens()
    second = await app.verify.execute(ADMIN)

    assert second.ok
    stored = app.connection().tokens.refresh_token  # type: ignore[union-attr]
    assert stored != old_refresh
    assert stored in app.salesforce.live_refresh
    assert app.salesforce.refresh_calls == 2


async def test_a_revoked_grant_needs_reauthorization_and_stops_token_calls(
    app: App,
) -> None:
    await app.connect()
    app.salesforce.revoke_everything()

    first = await app.verify.execute(ADMIN)
    second = await app.verify.execute(ADMIN)

    assert not first.ok
    assert first.problem is not None
    assert first.problem.code == "refresh_token_invalid"
    assert "reconnect" in (first.problem.hint or "").lower() or "connect again" in (
        first.problem.hint or ""
    )
    assert second.problem == first.problem
    assert app.salesforce.refresh_calls == 1
    summary = await app.get.execute(MEMBER)
    assert summary.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    assert summary.problem == first.problem


@pytest.mark.parametrize(
    "error",
    [
        SalesforceUnavailable("503 from the token endpoint"),
        OAuthError("invalid_grant", "token request is already being processed"),
        OAuthError("rate_limit_exceeded", "slow down"),
    ],
)
async def test_transient_refresh_failures_never_flip_the_status(
    app: App, error: Exception
) -> None:
    await app.connect()
    app.salesforce.expire_access_tokens()
    app.salesforce.refresh_error = error

    result = await app.verify.execute(ADMIN)

    assert not result.ok
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_quota_exhaustion_is_reported_not_retried(app: App) -> None:
    await app.connect()
    app.salesforce.api_error = QuotaExhausted(
        "TotalRequests Limit exceeded.", error_code="REQUEST_LIMIT_EXCEEDED", status=403
    )

    result = await app.verify.execute(ADMIN)

    assert result.problem is not None
    assert result.problem.code == "api_quota_exhausted"
    assert app.salesforce.refresh_calls == 0


def _hurried(app: App) -> VerifyConnection:
    """The app's Test Connection with a deadline of 0.05 s."""
    return VerifyConnection(
        app.store.unit_of_work,
        app.session,
        app.salesforce,
        app.salesforce,
        app.clock,
        app.settings,
        deadline=0.05,
    )


async def test_a_silent_salesforce_fails_the_test_at_its_deadline(app: App) -> None:
    await app.connect()
    verified = app.connection().last_verified_at  # type: ignore[union-attr]
    app.clock.advance(minutes=5)
    silent = asyncio.Event()

    async def never_answers(*, login_host: str, tokens: TokenSet) -> OrgIdentity:
        await silent.wait()
        raise AssertionError("the event is never set")

    app.salesforce.identity = never_answers  # type: ignore[method-assign]
    result = await asyncio.wait_for(_hurried(app).execute(ADMIN), timeout=5)

    assert not result.ok
    assert result.problem is not None
    assert result.problem.code == "salesforce_unavailable"
    assert result.problem.message == (
        "Salesforce is unavailable: no answer came within 0.05 s."
    )
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]
    assert app.connection().last_verified_at == verified  # type: ignore[union-attr]


async def test_a_hung_refresh_does_not_hold_the_test_past_its_deadline(
    app: App,
) -> None:
    await app.connect()
    app.salesforce.expire_access_tokens()
    answer = asyncio.Event()
    refresh = app.salesforce.refresh

    async def slow_refresh(
        *, login_host: str, client_id: str, refresh_token: str
    ) -> TokenSet:
        await answer.wait()
        return await refresh(
            login_host=login_host, client_id=client_id, refresh_token=refresh_token
        )

    app.salesforce.refresh = slow_refresh  # type: ignore[method-assign]
    old = app.connection().tokens  # type: ignore[union-attr]
    result = await asyncio.wait_for(_hurried(app).execute(ADMIN), timeout=5)

    assert result.problem is not None
    assert result.problem.code == "salesforce_unavailable"
    # The refresh it sent still ends, after the answer, and is stored.
    answer.set()
    for _ in range(100):
        await asyncio.sleep(0.01)
        if app.connection().tokens != old:  # type: ignore[union-attr]
            break
    assert app.connection().tokens != old  # type: ignore[union-attr]
    assert app.salesforce.refresh_calls == 1
    assert (await app.verify.execute(ADMIN)).ok


async def test_verify_without_a_connection_says_so(app: App) -> None:
    with pytest.raises(NotConnected):
        await app.verify.execute(ADMIN)


async def test_disconnect_revokes_forgets_tokens_and_keeps_settings(app: App) -> None:
    await app.connect()
    refresh = app.connection().tokens.refresh_token  # type: ignore[union-attr]

    summary = await app.disconnect.execute(ADMIN)

    assert summary.status is ConnectionStatus.DISCONNECTED
    assert app.salesforce.revoked == [refresh]
    connection = app.connection()
    assert connection is not None
    assert connection.tokens is None
    assert connection.identity is None
    assert connection.client_id is not None


async def test_disconnect_survives_a_salesforce_outage(app: App) -> None:
    await app.connect()

    async def broken(**_: object) -> None:
        raise SalesforceUnavailable("timeout")

    app.salesforce.revoke = broken  # type: ignore[method-assign]
    summary = await app.disconnect.execute(ADMIN)

    assert summary.status is ConnectionStatus.DISCONNECTED
    assert app.connection().tokens is None  # type: ignore[union-attr]


async def test_members_cannot_disconnect_or_switch(app: App) -> None:
    await app.connect()

    with pytest.raises(NotPermitted):
        await app.disconnect.execute(MEMBER)
    with pytest.raises(NotPermitted):
        await app.switch.execute(SwitchEnvironment.Command(actor=MEMBER, sandbox=True))

    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_switch_disconnects_toggles_and_reauthorizes(app: App) -> None:
    await app.connect()

    started = await app.switch.execute(
        SwitchEnvironment.Command(actor=ADMIN, sandbox=True)
    )

    assert started.authorization_url.startswith("https://test.example/")
    connection = app.connection()
    assert connection is not None
    assert connection.environment is Environment.SANDBOX
    assert connection.status is ConnectionStatus.AUTHORIZING
    assert connection.tokens is None
    assert len(app.salesforce.revoked) == 1


async def test_reconnect_after_revocation_works(app: App) -> None:
    await app.connect()
    app.salesforce.revoke_everything()
    await app.verify.execute(ADMIN)

    await app.connect()

    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]
    assert (await app.verify.execute(ADMIN)).ok


async def test_needs_reauthorization_is_raised_to_other_callers(app: App) -> None:
    await app.connect()
    app.salesforce.revoke_everything()
    await app.verify.execute(ADMIN)

    with pytest.raises(NeedsReauthorization):
        await app.session.run("ws-a", app.salesforce.organization)


async def test_a_switch_to_the_environment_in_use_changes_nothing(app: App) -> None:
    await app.connect()
    before = app.connection()

    with pytest.raises(Conflict) as refused:
        await app.switch.execute(SwitchEnvironment.Command(actor=ADMIN, sandbox=False))

    assert refused.value.message == "the connection already uses production"
    assert refused.value.hint is not None
    assert "disconnect" in refused.value.hint
    assert app.connection() == before
    assert app.salesforce.revoked == []
    assert (await app.verify.execute(ADMIN)).ok
