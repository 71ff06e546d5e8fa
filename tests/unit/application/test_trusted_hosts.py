"""Codes, verifiers and tokens go only to Salesforce hosts (no SSRF via settings)."""

from __future__ import annotations

import msgspec
import pytest

from application.errors import AuthorizationFailed, InvalidInput
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.start_authorization import StartAuthorization
from domain.connection import ConnectionStatus
from domain.environment import HostPolicy
from domain.errors import InvalidSetting
from domain.tokens import TokenSet
from tests.unit.application.conftest import ADMIN, CLIENT_ID, App, state_of


@pytest.mark.parametrize(
    "host",
    [
        "https://evil.example",
        "https://salesforce.com.evil.example",
        "http://127.0.0.1:18440",
        "https://localhost",
        "https://acme.my.salesforce.com.attacker.io",
    ],
)
async def test_a_my_domain_outside_salesforce_is_refused(app: App, host: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await app.configure.execute(
            ConfigureSettings.Command(
                actor=ADMIN, client_id=CLIENT_ID, sandbox=False, login_host=host
            )
        )

    assert caught.value.field == "login_host"
    assert app.connection() is None


async def test_a_refused_my_domain_says_why_while_connected_too(app: App) -> None:
    await app.connect()
    before = app.connection()

    with pytest.raises(InvalidInput) as caught:
        await app.configure.execute(
            ConfigureSettings.Command(
                actor=ADMIN,
                client_id=CLIENT_ID,
                sandbox=False,
                login_host="https://evil.example",
            )
        )

    assert caught.value.field == "login_host"
    assert "must be an https Salesforce host" in caught.value.message
    assert app.connection() == before


async def test_a_real_my_domain_is_accepted(app: App) -> None:
    started = await app.start.execute(
        StartAuthorization.Command(
            actor=ADMIN,
            client_id=CLIENT_ID,
            sandbox=True,
            login_host="https://acme--dev.sandbox.my.salesforce.com",
        )
    )

    assert started.authorization_url.startswith(
        "https://acme--dev.sandbox.my.salesforce.com/services/oauth2/authorize?"
    )


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("instance_url", "http://127.0.0.1:18441"),
        ("identity_url", "https://internal.example/id/00D/005"),
    ],
)
async def test_a_token_answer_pointing_elsewhere_is_refused_unused(
    app: App, field: str, url: str
) -> None:
    started = await app.start.execute(
        StartAuthorization.Command(actor=ADMIN, client_id=CLIENT_ID)
    )
    state = state_of(started.authorization_url)
    code = app.salesforce.approve(app.store.authorizations[state])
    exchange = app.salesforce.exchange_code

    async def pointing_elsewhere(pending: object, code: str) -> TokenSet:
        tokens = await exchange(pending, code)  # type: ignore[arg-type]
        return msgspec.structs.replace(tokens, **{field: url})

    app.salesforce.exchange_code = pointing_elsewhere  # type: ignore[method-assign]

    with pytest.raises(AuthorizationFailed) as caught:
        await app.complete.execute(
            CompleteAuthorization.Command(state=state, code=code)
        )

    assert caught.value.problem.code == "untrusted_salesforce_host"
    assert app.salesforce.identity_calls == 0
    assert app.salesforce.revoke_calls == 0
    assert app.connection().tokens is None  # type: ignore[union-attr]


async def test_a_refresh_moving_the_instance_outside_salesforce_stops(
    app: App,
) -> None:
    await app.connect()
    app.salesforce.expire_access_tokens()
    refresh = app.salesforce.refresh

    async def moved(**kwargs: str) -> TokenSet:
        tokens = await refresh(**kwargs)
        return msgspec.structs.replace(tokens, instance_url="https://10.0.0.1")

    app.salesforce.refresh = moved  # type: ignore[method-assign]

    result = await app.verify.execute(ADMIN)

    assert result.problem is not None
    assert result.problem.code == "untrusted_salesforce_host"
    connection = app.connection()
    assert connection is not None
    assert connection.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    assert connection.tokens is not None
    assert connection.tokens.instance_url == "https://fake.my.salesforce.com"


def test_loopback_is_trusted_only_when_configured_login_hosts_are_loopback() -> None:
    emulator = HostPolicy(allow_loopback=True)
    production = HostPolicy(extra_hosts=frozenset({"login.salesforce.com"}))

    assert emulator.check("http://127.0.0.1:5000", field="x")
    with pytest.raises(InvalidSetting):
        production.check("http://127.0.0.1:5000", field="x")
    with pytest.raises(InvalidSetting):
        production.check("http://na1.salesforce.com", field="x")
    assert production.check("https://na1.salesforce.com", field="x")


@pytest.mark.parametrize("url", ["https://[na1.salesforce.com]", "https://[::1"])
def test_a_host_that_is_no_url_is_refused_as_untrusted(url: str) -> None:
    """As a token answer's `instance_url` might name it: refused, not raised
    as the URL parser's ValueError."""
    with pytest.raises(InvalidSetting, match="instance_url is not a valid URL"):
        HostPolicy(allow_loopback=True).check(url, field="instance_url")
