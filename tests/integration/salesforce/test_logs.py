"""What the adapters log: each request at DEBUG, and never a secret."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.salesforce import HttpxSalesforceApi, HttpxSalesforceOAuth
from application.errors import SalesforceUnavailable
from domain.authorization import PendingAuthorization
from domain.environment import Environment
from tests.integration.salesforce.common import NO_WAIT, tokens_for
from tests.integration.salesforce.scripted import Scripted, answer, fail

SECRETS = (
    "00D5e!ACCESS-SECRET",
    "5Aep-REFRESH-SECRET",
    "CODE-SECRET",
    "VERIFIER",
    "Bearer",
    "SELECT",
    "Lead",
)


def pending() -> PendingAuthorization:
    return PendingAuthorization.begin(
        workspace_id="ws-1",
        environment=Environment.PRODUCTION,
        client_id="3MVG9_consumer_key_0123456789",
        login_host="https://login.salesforce.com",
        redirect_uri="https://app.example/api/oauth/callback/salesforce",
        now=datetime(2024, 1, 15, tzinfo=UTC),
    )


async def test_requests_are_logged_without_secrets_or_queries(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    granted = {
        "access_token": "00D5e!ACCESS-SECRET",
        "refresh_token": "5Aep-REFRESH-SECRET",
        "instance_url": "https://acme.my.salesforce.com",
    }
    client, _ = scripted(
        answer(json=granted),
        answer(json=granted),
        fail(httpx.ConnectError),
        answer(200, content=b""),
        answer(json={"totalSize": 0, "done": True, "records": []}),
        fail(httpx.ReadTimeout),
    )
    oauth = HttpxSalesforceOAuth(client, retry=NO_WAIT)
    api = HttpxSalesforceApi(client, api_version="62.0", retry=NO_WAIT)
    tokens = tokens_for()
    authorization = pending()

    with (
        caplog.at_level(logging.DEBUG, logger="adapters.salesforce"),
        caplog.at_level(logging.DEBUG, logger="httpx"),
    ):
        await oauth.exchange_code(authorization, "CODE-SECRET")
        await oauth.refresh(
            login_host="https://login.salesforce.com",
            client_id="3MVG9_key",
            refresh_token=tokens.refresh_token or "",
        )
        await oauth.revoke(login_host="https://login.salesforce.com", token="x")
        soql = "SELECT Id FROM Lead WHERE Email = 'a@b.example'"
        await api.get_json(tokens, "query", dict[str, Any], params={"q": soql})
        with pytest.raises(SalesforceUnavailable) as raised:
            await api.organization(tokens)

    logged = caplog.text + str(raised.value)
    assert "POST login.salesforce.com/services/oauth2/token -> 200" in logged
    assert "GET acme.my.salesforce.com/services/data/v62.0/query -> 200" in logged
    assert "ReadTimeout" in logged
    assert "HTTP Request: GET https://acme.my.salesforce.com/services/data" in logged
    for secret in [*SECRETS, authorization.code_verifier]:
        assert secret not in logged
    assert "?" not in logged
