"""Injected HTTP faults: error statuses, connection resets and delays."""

from __future__ import annotations

import time

import httpx
import pytest

from sfemulator import EmulatorServer


@pytest.mark.parametrize("status", [500, 503])
def test_the_next_requests_fail_with_a_status(
    emulator: EmulatorServer, client: httpx.Client, status: int
) -> None:
    emulator.world.add_http_fault(
        path_prefix="/services/data", count=2, status=status, listener="instance0"
    )
    url = f"{emulator.instance_urls[0]}/services/data/"

    answers = [client.get(url).status_code for _ in range(3)]
    other_host = client.get(f"{emulator.instance_urls[1]}/services/data/")

    assert answers == [status, status, 200]
    assert other_host.status_code == 200


def test_faults_match_only_their_path_prefix(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.add_http_fault(path_prefix="/services/oauth2/token")

    unrelated = client.get(f"{emulator.instance_urls[0]}/services/data/")
    token = client.post(f"{emulator.login_url}/services/oauth2/token", data={})

    assert unrelated.status_code == 200
    assert token.status_code == 503


def test_a_reset_drops_the_connection_without_an_answer(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.add_http_fault(path_prefix="/services/data", action="reset")
    url = f"{emulator.instance_urls[0]}/services/data/"

    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        client.get(url)

    assert client.get(url).status_code == 200


def test_a_delay_holds_the_answer(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.add_http_fault(action="delay", delay=0.3, listener="instance0")
    url = f"{emulator.instance_urls[0]}/services/data/"

    started = time.monotonic()
    answer = client.get(url)
    elapsed = time.monotonic() - started

    assert answer.status_code == 200
    assert elapsed >= 0.3
    emulator.world.add_http_fault(action="delay", delay=1, listener="instance0")
    with pytest.raises(httpx.ReadTimeout):
        client.get(url, timeout=0.2)


def test_bad_fault_actions_are_refused(emulator: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="unknown fault action"):
        emulator.world.add_http_fault(action="explode")


def test_a_status_fault_may_say_when_to_come_back(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.add_http_fault(status=429, retry_after="30", listener="instance0")
    url = f"{emulator.instance_urls[0]}/services/data/"

    asked = client.get(url)
    again = client.get(url)

    assert (asked.status_code, asked.headers.get("retry-after")) == (429, "30")
    assert "retry-after" not in again.headers


@pytest.mark.parametrize("value", [30, "3\r\nX-Evil: 1", "", "\u00e9", " 2", "2 "])
def test_a_retry_after_that_is_no_header_value_is_refused(
    emulator: EmulatorServer, value: object
) -> None:
    with pytest.raises(ValueError, match="retry_after"):
        emulator.world.add_http_fault(retry_after=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["503", 99, 600, True, 503.0])
def test_a_status_that_is_no_http_status_is_refused(
    emulator: EmulatorServer, status: object
) -> None:
    with pytest.raises(ValueError, match="status must be an HTTP status code"):
        emulator.world.add_http_fault(status=status)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["reset", "delay"])
def test_a_retry_after_without_a_status_answer_is_refused(
    emulator: EmulatorServer, action: str
) -> None:
    with pytest.raises(ValueError, match='with action "status" only'):
        emulator.world.add_http_fault(action=action, retry_after="3")
