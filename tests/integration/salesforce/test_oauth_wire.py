"""Wire format of the OAuth adapter: what it sends and how it reads odd answers."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from adapters.salesforce import HttpxSalesforceOAuth
from application.errors import OAuthError, SalesforceUnavailable, SessionExpired
from domain.authorization import PendingAuthorization
from domain.environment import Environment
from tests.integration.salesforce.common import NO_WAIT, ORG_ID, USER_ID, tokens_for
from tests.integration.salesforce.scripted import Scripted, answer, html

LOGIN = "https://login.salesforce.com"
NOW = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
TOKEN_BODY = {
    "access_token": "00D5e!ACCESS",
    "refresh_token": "5Aep-REFRESH",
    "signature": "c2ln",
    "scope": "api refresh_token",
    "instance_url": "https://acme.my.salesforce.com",
    "id": f"{LOGIN}/id/{ORG_ID}/{USER_ID}",
    "token_type": "Bearer",
    "issued_at": "1705314600000",
    "something_new": {"nested": True},
}


class FixedClock:
    def now(self) -> datetime:
        return NOW


def pending(login_host: str = LOGIN) -> PendingAuthorization:
    return PendingAuthorization.begin(
        workspace_id="ws-1",
        environment=Environment.PRODUCTION,
        client_id="3MVG9_consumer_key_0123456789",
        login_host=login_host,
        redirect_uri="https://app.example/api/oauth/callback/salesforce",
        now=NOW,
    )


def test_authorization_url_carries_every_parameter_encoded() -> None:
    authorization = pending()
    oauth = HttpxSalesforceOAuth(client=None)  # type: ignore[arg-type]

    url = urlsplit(oauth.authorization_url(authorization))

    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        f"{LOGIN}/services/oauth2/authorize"
    )
    assert "scope=api%20refresh_token" in url.query
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == (
        authorization.authorize_params()
    )


async def test_code_exchange_posts_the_pkce_form_without_a_secret(
    scripted: Scripted,
) -> None:
    client, wire = scripted(answer(json=TOKEN_BODY))
    authorization = pending()
    code = "aPrxabc+/def=="

    await HttpxSalesforceOAuth(client, retry=NO_WAIT).exchange_code(authorization, code)

    assert wire.last.method == "POST"
    assert str(wire.last.url) == f"{LOGIN}/services/oauth2/token"
    assert wire.last.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert wire.form() == {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": authorization.client_id,
        "redirect_uri": authorization.redirect_uri,
        "code_verifier": authorization.code_verifier,
    }


async def test_token_answer_decodes_issued_at_millis_and_no_expiry(
    scripted: Scripted,
) -> None:
    client, _ = scripted(answer(json=TOKEN_BODY))

    tokens = await HttpxSalesforceOAuth(client, retry=NO_WAIT).exchange_code(
        pending(), "code"
    )

    assert tokens.access_token == "00D5e!ACCESS"
    assert tokens.refresh_token == "5Aep-REFRESH"
    assert tokens.instance_url == "https://acme.my.salesforce.com"
    assert tokens.identity_url == f"{LOGIN}/id/{ORG_ID}/{USER_ID}"
    assert tokens.scope == "api refresh_token"
    assert tokens.issued_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert not hasattr(tokens, "expires_at")


@pytest.mark.parametrize("issued_at", [None, "", "not-a-number"])
async def test_missing_or_odd_issued_at_falls_back_to_the_clock(
    scripted: Scripted, issued_at: str | None
) -> None:
    body = {**TOKEN_BODY, "issued_at": issued_at}
    client, _ = scripted(answer(json=body))
    oauth = HttpxSalesforceOAuth(client, retry=NO_WAIT, clock=FixedClock())

    tokens = await oauth.exchange_code(pending(), "code")

    assert tokens.issued_at == NOW


async def test_numeric_issued_at_is_accepted(scripted: Scripted) -> None:
    client, _ = scripted(answer(json={**TOKEN_BODY, "issued_at": 1705314600000}))

    tokens = await HttpxSalesforceOAuth(client, retry=NO_WAIT).exchange_code(
        pending(), "code"
    )

    assert tokens.issued_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


async def test_code_exchange_without_instance_url_is_unusable(
    scripted: Scripted,
) -> None:
    body = {k: v for k, v in TOKEN_BODY.items() if k != "instance_url"}
    client, _ = scripted(answer(json=body))

    with pytest.raises(SalesforceUnavailable):
        await HttpxSalesforceOAuth(client, retry=NO_WAIT).exchange_code(
            pending(), "code"
        )


async def test_refresh_without_rotation_has_no_refresh_token(
    scripted: Scripted,
) -> None:
    body = {k: v for k, v in TOKEN_BODY.items() if k != "refresh_token"}
    client, wire = scripted(answer(json=body))

    tokens = await HttpxSalesforceOAuth(client, retry=NO_WAIT).refresh(
        login_host="https://acme.my.salesforce.com/",
        client_id="3MVG9_key",
        refresh_token="5Aep-OLD",
    )

    assert tokens.refresh_token is None
    assert str(wire.last.url) == "https://acme.my.salesforce.com/services/oauth2/token"
    assert wire.form() == {
        "grant_type": "refresh_token",
        "refresh_token": "5Aep-OLD",
        "client_id": "3MVG9_key",
    }


async def test_token_calls_wait_longer_for_their_answer_than_other_calls(
    scripted: Scripted,
) -> None:
    # Given up on after Salesforce acted, a rotated refresh token is lost.
    client, wire = scripted(answer(json=TOKEN_BODY), answer(json=TOKEN_BODY))
    oauth = HttpxSalesforceOAuth(client, retry=NO_WAIT)

    await oauth.refresh(login_host=LOGIN, client_id="3MVG9_key", refresh_token="r")
    await oauth.exchange_code(pending(), "aPrx")

    assert len(wire.requests) == 2
    for request in wire.requests:
        assert request.extensions["timeout"]["read"] == 50.0
        assert request.extensions["timeout"]["connect"] == 5.0


async def test_refresh_with_rotation_returns_the_new_refresh_token(
    scripted: Scripted,
) -> None:
    client, _ = scripted(answer(json={**TOKEN_BODY, "refresh_token": "5Aep-NEW"}))

    tokens = await HttpxSalesforceOAuth(client, retry=NO_WAIT).refresh(
        login_host=LOGIN, client_id="3MVG9_key", refresh_token="5Aep-OLD"
    )

    assert tokens.refresh_token == "5Aep-NEW"


async def test_refresh_answer_without_instance_url_leaves_it_to_merge(
    scripted: Scripted,
) -> None:
    body = {"access_token": "00D5e!NEW", "issued_at": "1705314600000"}
    client, _ = scripted(answer(json=body))
    stored = tokens_for()

    answer_tokens = await HttpxSalesforceOAuth(client, retry=NO_WAIT).refresh(
        login_host=LOGIN, client_id="3MVG9_key", refresh_token="5Aep-OLD"
    )

    merged = stored.merged_with(answer_tokens)
    assert merged.instance_url == stored.instance_url
    assert merged.refresh_token == stored.refresh_token
    assert merged.access_token == "00D5e!NEW"


@pytest.mark.parametrize(
    ("error", "description"),
    [
        ("invalid_grant", "expired access/refresh token"),
        ("invalid_grant", "token request is already being processed"),
        ("invalid_client_id", "client identifier invalid"),
        ("invalid_client", "invalid client credentials"),
        ("unsupported_grant_type", None),
    ],
)
async def test_oauth_errors_keep_code_and_description(
    scripted: Scripted, error: str, description: str | None
) -> None:
    body = {"error": error} | (
        {"error_description": description} if description else {}
    )
    client, wire = scripted(answer(400, json=body))

    with pytest.raises(OAuthError) as raised:
        await HttpxSalesforceOAuth(client, retry=NO_WAIT).refresh(
            login_host=LOGIN, client_id="3MVG9_key", refresh_token="5Aep-OLD"
        )

    assert (raised.value.error, raised.value.description) == (error, description)
    assert len(wire.requests) == 1


@pytest.mark.parametrize("status", [200, 400, 404])
async def test_html_from_the_token_endpoint_is_an_outage(
    scripted: Scripted, status: int
) -> None:
    client, wire = scripted(html(status))

    with pytest.raises(SalesforceUnavailable):
        await HttpxSalesforceOAuth(client, retry=NO_WAIT).exchange_code(
            pending(), "code"
        )

    assert len(wire.requests) == 1


async def test_revoke_posts_the_token_as_a_form(scripted: Scripted) -> None:
    client, wire = scripted(answer(200, content=b""))

    await HttpxSalesforceOAuth(client, retry=NO_WAIT).revoke(
        login_host=LOGIN, token="5Aep-REFRESH"
    )

    assert str(wire.last.url) == f"{LOGIN}/services/oauth2/revoke"
    assert wire.form() == {"token": "5Aep-REFRESH"}


async def test_revoking_an_invalid_token_counts_as_revoked(scripted: Scripted) -> None:
    body = {"error": "invalid_token", "error_description": "invalid token"}
    client, _ = scripted(answer(400, json=body))

    await HttpxSalesforceOAuth(client, retry=NO_WAIT).revoke(
        login_host=LOGIN, token="5Aep-GONE"
    )


async def test_revoke_raises_other_oauth_errors(scripted: Scripted) -> None:
    client, _ = scripted(answer(400, json={"error": "unsupported_token_type"}))

    with pytest.raises(OAuthError):
        await HttpxSalesforceOAuth(client, retry=NO_WAIT).revoke(
            login_host=LOGIN, token="5Aep-X"
        )


async def test_identity_uses_the_identity_url_with_the_bearer_token(
    scripted: Scripted,
) -> None:
    body = {
        "user_id": USER_ID,
        "organization_id": ORG_ID,
        "username": "admin@acme.example",
        "urls": {"rest": "https://acme.my.salesforce.com/services/data/v{version}/"},
    }
    client, wire = scripted(answer(json=body))
    tokens = tokens_for()

    identity = await HttpxSalesforceOAuth(client, retry=NO_WAIT).identity(
        login_host="https://acme.my.salesforce.com", tokens=tokens
    )

    assert (identity.org_id, identity.user_id, identity.username) == (
        ORG_ID,
        USER_ID,
        "admin@acme.example",
    )
    assert str(wire.last.url) == tokens.identity_url
    assert wire.last.headers["Authorization"] == f"Bearer {tokens.access_token}"


async def test_identity_falls_back_to_userinfo_on_the_login_host(
    scripted: Scripted,
) -> None:
    body = {
        "user_id": USER_ID,
        "organization_id": ORG_ID,
        "preferred_username": "admin@acme.example",
    }
    client, wire = scripted(answer(json=body))
    tokens = msgspec.structs.replace(tokens_for(), identity_url=None)

    identity = await HttpxSalesforceOAuth(client, retry=NO_WAIT).identity(
        login_host=LOGIN, tokens=tokens
    )

    assert identity.username == "admin@acme.example"
    assert str(wire.last.url) == f"{LOGIN}/services/oauth2/userinfo"


@pytest.mark.parametrize(
    ("status", "body"), [(401, b"Unauthorized"), (403, b"Bad_OAuth_Token")]
)
async def test_identity_with_a_dead_token_is_session_expired(
    scripted: Scripted, status: int, body: bytes
) -> None:
    client, _ = scripted(answer(status, content=body))

    with pytest.raises(SessionExpired):
        await HttpxSalesforceOAuth(client, retry=NO_WAIT).identity(
            login_host=LOGIN, tokens=tokens_for()
        )
