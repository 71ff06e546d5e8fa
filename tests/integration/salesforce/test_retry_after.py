"""An answer's `Retry-After`: waited for when the policy allows that long,
and the end of the retries when it asks for longer."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters.salesforce import (
    HttpxSalesforceApi,
    HttpxSalesforceOAuth,
    RetryPolicy,
    new_http_client,
)
from adapters.salesforce.http import DEFAULT_TIMEOUT
from adapters.salesforce.records import SYNC_RETRIES
from adapters.salesforce.retries import retry_after
from application.errors import SalesforceUnavailable
from entrypoints.config import Config
from sfemulator.server import EmulatorServer
from tests.integration.salesforce.common import tokens_for
from tests.integration.salesforce.scripted import Scripted, answer

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
LIMITS = answer(json={"DailyApiRequests": {"Max": 15000, "Remaining": 14000}})
GRANTED = answer(
    json={
        "access_token": "00D!NEW",
        "instance_url": "https://acme.my.salesforce.com",
        "issued_at": "1705314600000",
    }
)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        ("Sun, 06 Dec 2026 10:00:45 -0000", 45.0),
        (format_datetime(NOW - timedelta(minutes=5), usegmt=True), 0.0),
        ("9" * 400, math.inf),
    ],
)
def test_a_header_gives_seconds_to_wait(header: str, seconds: float) -> None:
    assert retry_after(header, NOW) == seconds


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5", "1e3", "١٢"])
def test_a_missing_or_unreadable_header_asks_nothing(header: str | None) -> None:
    assert retry_after(header, NOW) is None


def test_a_syncs_longest_retries_stay_under_the_default_stale_limit() -> None:
    """A sync's job has no heartbeat while one call retries; silent for
    `sync_stale_seconds`, another host may take it for dead."""
    policy = SYNC_RETRIES
    longest_pause = max(policy.max_asked_wait, policy.max_wait + policy.jitter)
    assert DEFAULT_TIMEOUT.read is not None
    worst = (
        policy.attempts - 1
    ) * longest_pause + policy.attempts * DEFAULT_TIMEOUT.read

    assert worst < Config().sync_stale_seconds


class Waits:
    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)

    def policy(self, **overrides: float) -> RetryPolicy:
        values = {"first_wait": 0.0, "max_wait": 0.0, "jitter": 0.0} | overrides
        return RetryPolicy(attempts=3, sleep=self, **values)


def api(client: httpx.AsyncClient, policy: RetryPolicy) -> HttpxSalesforceApi:
    return HttpxSalesforceApi(client, api_version="62.0", retry=policy)


@pytest.mark.parametrize("status", [429, 503])
async def test_the_asked_wait_is_waited_before_the_next_attempt(
    scripted: Scripted, status: int
) -> None:
    waits = Waits()
    client, wire = scripted(answer(status, headers={"Retry-After": "3"}), LIMITS)

    await api(client, waits.policy()).api_usage(tokens_for())

    assert waits.seen == [3.0]
    assert len(wire.requests) == 2


async def test_a_longer_backoff_is_kept(scripted: Scripted) -> None:
    waits = Waits()
    client, _ = scripted(answer(503, headers={"Retry-After": "1"}), LIMITS)

    await api(client, waits.policy(first_wait=2.0, max_wait=4.0)).api_usage(
        tokens_for()
    )

    assert waits.seen == [2.0]


async def test_an_answer_asking_longer_than_the_policy_waits_ends_the_retries(
    scripted: Scripted,
) -> None:
    waits = Waits()
    client, wire = scripted(answer(503, headers={"Retry-After": "120"}), LIMITS)

    with pytest.raises(SalesforceUnavailable, match="asked to wait 120 s"):
        await api(client, waits.policy(max_asked_wait=60.0)).api_usage(tokens_for())

    assert waits.seen == []
    assert len(wire.requests) == 1


async def test_an_ask_too_long_to_wait_is_logged_with_what_it_asked(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = scripted(answer(503, headers={"Retry-After": "120"}))

    with (
        caplog.at_level(logging.WARNING, logger="adapters.salesforce"),
        pytest.raises(SalesforceUnavailable),
    ):
        await api(client, Waits().policy()).api_usage(tokens_for())

    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "HTTP 503, asked to wait 120 s" in warning
    assert "not tried again: longer than 8 s" in warning


@pytest.mark.parametrize(
    ("header", "said"), [("86400", "86400 s"), ("9" * 30, "more than a day")]
)
async def test_a_long_ask_is_said_as_read(
    scripted: Scripted, header: str, said: str
) -> None:
    client, _ = scripted(answer(429, headers={"Retry-After": header}))

    with pytest.raises(SalesforceUnavailable, match=f"HTTP 429, asked to wait {said}"):
        await api(client, Waits().policy()).api_usage(tokens_for())


async def test_a_token_post_answered_503_waits_as_asked_too(
    scripted: Scripted,
) -> None:
    waits = Waits()
    client, wire = scripted(answer(503, headers={"Retry-After": "2"}), GRANTED)

    await HttpxSalesforceOAuth(client, retry=waits.policy()).refresh(
        login_host="https://login.salesforce.com",
        client_id="3MVG9_key",
        refresh_token="5Aep-OLD",
    )

    assert waits.seen == [2.0]
    assert len(wire.requests) == 2


async def test_the_emulators_asked_wait_reaches_the_retries(
    emulator: EmulatorServer,
) -> None:
    waits = Waits()
    emulator.world.add_http_fault(
        path_prefix="/services/data", status=429, retry_after="2"
    )

    async with new_http_client(trust_env=False) as client:
        clock = await api(client, waits.policy()).server_time(
            tokens_for(emulator.instance_urls[0])
        )

    assert clock is not None
    assert waits.seen == [2.0]
    assert emulator.world.http_faults[0].remaining == 0
