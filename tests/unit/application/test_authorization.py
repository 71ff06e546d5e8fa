"""Starting and completing the OAuth flow, with every way it can go wrong."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from application.errors import (
    AuthorizationFailed,
    AuthorizationStateInvalid,
    Conflict,
    InvalidInput,
    NotPermitted,
    OAuthError,
    SalesforceUnavailable,
)
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.start_authorization import StartAuthorization
from domain.connection import ConnectionStatus
from domain.environment import Environment
from domain.pkce import s256_challenge
from tests.unit.application.conftest import ADMIN, CLIENT_ID, MEMBER, App, state_of

Complete = CompleteAuthorization.Command


async def start(app: App, **changes: object) -> str:
    command = StartAuthorization.Command(
        actor=ADMIN, client_id=CLIENT_ID, sandbox=False
    )
    command = msgspec.structs.replace(command, **changes)
    started = await app.start.execute(command)
    return started.authorization_url


async def test_start_builds_a_pkce_url_and_keeps_the_verifier_here(app: App) -> None:
    url = await start(app)

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    pending = app.store.authorizations[query["state"][0]]
    assert f"{parts.scheme}://{parts.netloc}" == "https://login.example"
    assert query["code_challenge"] == [s256_challenge(pending.code_verifier)]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [
        "https://ws-a.crm.example/api/oauth/callback/salesforce"
    ]
    assert query["scope"] == ["api refresh_token"]
    assert query["prompt"] == ["login"]
    assert pending.code_verifier not in url
    assert "client_secret" not in query
    assert app.connection() is not None
    assert app.connection().status is ConnectionStatus.AUTHORIZING  # type: ignore[union-attr]


async def test_sandbox_uses_the_sandbox_login_host(app: App) -> None:
    url = await start(app, sandbox=True)

    assert url.startswith("https://test.example/services/oauth2/authorize?")


async def test_members_cannot_connect(app: App) -> None:
    with pytest.raises(NotPermitted):
        await app.start.execute(
            StartAuthorization.Command(actor=MEMBER, client_id=CLIENT_ID)
        )

    assert app.connection() is None


async def test_a_malformed_client_id_changes_nothing(app: App) -> None:
    with pytest.raises(InvalidInput) as caught:
        await app.start.execute(
            StartAuthorization.Command(actor=ADMIN, client_id="not a key")
        )

    assert caught.value.field == "client_id"
    assert app.connection() is None
    assert app.store.authorizations == {}


async def test_connecting_without_a_client_id_names_the_field(app: App) -> None:
    with pytest.raises(InvalidInput) as caught:
        await app.start.execute(StartAuthorization.Command(actor=ADMIN))

    assert caught.value.field == "client_id"


async def test_the_happy_path_connects(app: App) -> None:
    await app.connect()

    connection = app.connection()
    assert connection is not None
    assert connection.status is ConnectionStatus.CONNECTED
    assert connection.identity is not None
    assert connection.identity.is_sandbox is False
    assert connection.tokens is not None
    assert connection.tokens.refresh_token is not None
    assert app.store.authorizations == {}


async def test_a_replayed_state_changes_nothing(app: App) -> None:
    url = await start(app)
    state = state_of(url)
    code = app.salesforce.approve(app.store.authorizations[state])
    await app.complete.execute(Complete(state=state, code=code))
    before = app.connection()

    with pytest.raises(AuthorizationStateInvalid):
        await app.complete.execute(Complete(state=state, code=code))

    assert app.connection() == before


async def test_an_unknown_state_is_refused(app: App) -> None:
    with pytest.raises(AuthorizationStateInvalid):
        await app.complete.execute(Complete(state="made-up", code="c=="))

    assert app.connection() is None


async def test_an_expired_state_is_refused_and_the_attempt_lapses(app: App) -> None:
    url = await start(app)
    state = state_of(url)
    code = app.salesforce.approve(app.store.authorizations[state])
    app.clock.advance(minutes=10)

    with pytest.raises(AuthorizationStateInvalid, match="expired"):
        await app.complete.execute(Complete(state=state, code=code))

    summary = await app.get.execute(ADMIN)
    assert summary.status is ConnectionStatus.DISCONNECTED


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (Complete(code="c=="), "state"),
        (Complete(state="s"), "code"),
        (Complete(state="s" * 5000, code="c"), "state"),
    ],
)
async def test_missing_or_oversized_parameters_name_the_field(
    app: App, command: CompleteAuthorization.Command, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await app.complete.execute(command)

    assert caught.value.field == field


async def test_access_denied_records_the_problem(app: App) -> None:
    state = state_of(await start(app))

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(
            Complete(
                state=state,
                error="access_denied",
                error_description="end-user denied authorization",
            )
        )

    assert caught.value.problem.code == "access_denied"
    connection = app.connection()
    assert connection is not None
    assert connection.status is ConnectionStatus.DISCONNECTED
    assert connection.problem is not None
    assert connection.problem.code == "access_denied"


async def test_a_production_org_refused_while_sandbox_is_on(app: App) -> None:
    state = state_of(await start(app, sandbox=True))
    code = app.salesforce.approve(app.store.authorizations[state])

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(Complete(state=state, code=code))

    assert caught.value.problem.code == "environment_mismatch"
    assert "production" in caught.value.problem.message
    assert len(app.salesforce.revoked) == 1
    assert app.connection().tokens is None  # type: ignore[union-attr]


async def test_invalid_client_id_hints_at_the_exact_callback_url(app: App) -> None:
    state = state_of(await start(app))
    app.salesforce.exchange_error = OAuthError(
        "invalid_client_id", "client identifier invalid"
    )

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(Complete(state=state, code="c=="))

    assert caught.value.problem.code == "invalid_client_id"
    assert "https://ws-a.crm.example/api/oauth/callback/salesforce" in (
        caught.value.problem.hint or ""
    )


async def test_an_outage_during_the_exchange_says_to_click_connect_again(
    app: App,
) -> None:
    state = state_of(await start(app))
    app.salesforce.exchange_error = SalesforceUnavailable("the token call failed")

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(Complete(state=state, code="c=="))

    # The state is spent: retrying this callback can only say invalid_state.
    problem = caught.value.problem
    assert problem.code == "salesforce_unavailable"
    assert "click Connect again" in (problem.hint or "")
    assert app.connection().problem == problem  # type: ignore[union-attr]


async def test_an_app_that_requires_a_secret_says_which_setting(app: App) -> None:
    state = state_of(await start(app))
    app.salesforce.exchange_error = OAuthError(
        "invalid_client", "invalid client credentials"
    )

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(Complete(state=state, code="c=="))

    assert caught.value.problem.code == "client_secret_required"
    assert "Require Secret" in (caught.value.problem.hint or "")


async def test_a_grant_without_refresh_token_is_refused_and_revoked(app: App) -> None:
    app.salesforce.grant_refresh_token = False
    state = state_of(await start(app))
    code = app.salesforce.approve(app.store.authorizations[state])

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(Complete(state=state, code=code))

    assert caught.value.problem.code == "refresh_token_missing"
    assert app.salesforce.revoked


async def test_changing_settings_mid_flight_invalidates_the_state(app: App) -> None:
    state = state_of(await start(app))
    code = app.salesforce.approve(app.store.authorizations[state])
    await app.configure.execute(
        ConfigureSettings.Command(actor=ADMIN, client_id=CLIENT_ID, sandbox=True)
    )

    with pytest.raises(AuthorizationStateInvalid):
        await app.complete.execute(Complete(state=state, code=code))

    assert app.connection().environment is Environment.SANDBOX  # type: ignore[union-attr]


async def test_settings_cannot_flip_the_environment_while_connected(app: App) -> None:
    await app.connect()

    with pytest.raises(Conflict) as caught:
        await app.configure.execute(
            ConfigureSettings.Command(actor=ADMIN, client_id=CLIENT_ID, sandbox=True)
        )

    assert caught.value.field == "sandbox"
    assert "switch" in (caught.value.hint or "")
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_connecting_twice_is_a_conflict(app: App) -> None:
    await app.connect()

    with pytest.raises(Conflict):
        await start(app)
