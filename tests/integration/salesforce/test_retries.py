"""Which failures the adapters retry, how often, how patiently, and what they raise."""

from __future__ import annotations

import logging

import httpx
import pytest

from adapters.salesforce import HttpxSalesforceApi, HttpxSalesforceOAuth, RetryPolicy
from adapters.salesforce.retries import Replay, ServerFailed, Unreadable, may_retry
from application.errors import QuotaExhausted, SalesforceUnavailable
from tests.integration.salesforce.common import NO_WAIT, tokens_for
from tests.integration.salesforce.scripted import Scripted, Step, answer, fail, html

LOGIN = "https://login.salesforce.com"
GRANTED = answer(
    json={
        "access_token": "00D!NEW",
        "instance_url": "https://acme.my.salesforce.com",
        "issued_at": "1705314600000",
    }
)
LIMITS = answer(json={"DailyApiRequests": {"Max": 15000, "Remaining": 14000}})


async def refresh(client: httpx.AsyncClient, policy: RetryPolicy = NO_WAIT) -> None:
    await HttpxSalesforceOAuth(client, retry=policy).refresh(
        login_host=LOGIN, client_id="3MVG9_key", refresh_token="5Aep-OLD"
    )


def api(client: httpx.AsyncClient, policy: RetryPolicy = NO_WAIT) -> HttpxSalesforceApi:
    return HttpxSalesforceApi(client, api_version="62.0", retry=policy)


@pytest.mark.parametrize(
    "failure",
    [
        fail(httpx.ConnectError),
        fail(httpx.ConnectTimeout),
        answer(503),
        html(502),
        answer(429),
    ],
)
async def test_token_post_is_retried_when_surely_unprocessed(
    scripted: Scripted, failure: Step
) -> None:
    client, wire = scripted(failure, GRANTED)

    await refresh(client)

    assert len(wire.requests) == 2


@pytest.mark.parametrize(
    "failure",
    [
        fail(httpx.ReadTimeout),
        fail(httpx.ReadError),
        fail(httpx.RemoteProtocolError),
        fail(httpx.WriteTimeout),
    ],
)
async def test_ambiguous_token_post_failures_are_never_replayed(
    scripted: Scripted, failure: Step
) -> None:
    client, wire = scripted(failure, GRANTED)

    with pytest.raises(SalesforceUnavailable) as raised:
        await refresh(client)

    assert len(wire.requests) == 1
    assert isinstance(raised.value.__cause__, httpx.TransportError)


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (fail(httpx.ConnectError), "no connection could be made"),
        (fail(httpx.ConnectTimeout), "no connection could be made in time"),
        (fail(httpx.ReadTimeout), "no answer came in time"),
        (fail(httpx.ReadError), "the connection broke"),
        (fail(httpx.RemoteProtocolError), "the answer broke off or was not HTTP"),
    ],
)
async def test_an_outage_is_said_in_words_not_class_names(
    scripted: Scripted, failure: Step, words: str
) -> None:
    client, _ = scripted(failure, failure, failure)

    with pytest.raises(SalesforceUnavailable) as raised:
        await refresh(client)

    assert str(raised.value).endswith(f"failed: {words}")
    assert "Error" not in str(raised.value)


async def test_retries_are_bounded_then_unavailable(scripted: Scripted) -> None:
    client, wire = scripted(answer(503))

    with pytest.raises(SalesforceUnavailable) as raised:
        await refresh(client)

    assert len(wire.requests) == NO_WAIT.attempts
    assert "HTTP 503" in str(raised.value)
    assert isinstance(raised.value.__cause__, ServerFailed)


@pytest.mark.parametrize(
    "failure",
    [
        fail(httpx.ReadTimeout),
        fail(httpx.ReadError),
        fail(httpx.RemoteProtocolError),
        fail(httpx.ConnectError),
        answer(500),
        html(503),
        answer(429, json=[{"errorCode": "x", "message": "slow down"}]),
        html(200),
        answer(200, content=b'{"DailyApiRequests": {"Max": 1'),
    ],
)
async def test_gets_are_retried_on_any_transient_failure(
    scripted: Scripted, failure: Step
) -> None:
    client, wire = scripted(failure, failure, LIMITS)

    usage = await api(client).api_usage(tokens_for())

    assert (usage.used, usage.max) == (1000, 15000)
    assert len(wire.requests) == 3


async def test_revoke_is_retried_after_an_ambiguous_failure(
    scripted: Scripted,
) -> None:
    client, wire = scripted(fail(httpx.ReadTimeout), answer(200, content=b""))

    await HttpxSalesforceOAuth(client, retry=NO_WAIT).revoke(
        login_host=LOGIN, token="5Aep-X"
    )

    assert len(wire.requests) == 2


async def test_quota_exhaustion_is_never_retried(scripted: Scripted) -> None:
    body = [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    client, wire = scripted(answer(403, json=body), LIMITS)

    with pytest.raises(QuotaExhausted):
        await api(client).api_usage(tokens_for())

    assert len(wire.requests) == 1


async def test_backoff_grows_exponentially_with_bounded_jitter(
    scripted: Scripted,
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(
        attempts=5, first_wait=1, max_wait=5, jitter=0.25, sleep=record
    )
    client, _ = scripted(answer(503))

    with pytest.raises(SalesforceUnavailable):
        await api(client, policy).api_usage(tokens_for())

    assert len(waits) == 4
    for wait, base in zip(waits, [1, 2, 4, 5], strict=True):
        assert base <= wait <= min(base + 0.25, 5)


async def test_each_retry_is_logged_as_a_warning(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = scripted(answer(503), LIMITS)

    with caplog.at_level(logging.WARNING, logger="adapters.salesforce"):
        await api(client).api_usage(tokens_for())

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "HTTP 503" in warnings[0].getMessage()
    assert "attempt 2 of 3" in warnings[0].getMessage()


def test_only_unsent_or_5xx_failures_allow_replaying_a_token_post() -> None:
    request = httpx.Request("POST", LOGIN)

    assert may_retry(ServerFailed(500), Replay.UNPROCESSED)
    assert may_retry(httpx.PoolTimeout("", request=request), Replay.UNPROCESSED)
    assert not may_retry(Unreadable("html"), Replay.UNPROCESSED)
    assert not may_retry(httpx.ReadTimeout("", request=request), Replay.UNPROCESSED)
    assert may_retry(Unreadable("html"), Replay.IDEMPOTENT)
    assert not may_retry(
        QuotaExhausted("x", error_code="x", status=403), Replay.IDEMPOTENT
    )
