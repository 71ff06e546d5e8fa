"""Refresh is single-flight: per process, and across processes sharing SQLite."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.client import API, Flow
from tests.e2e.conftest import Service, start_instance
from tests.e2e.harness import listening_socket

CALLS = 20


async def verify_many(flow: Flow, urls: list[str]) -> list[httpx.Response]:
    headers = flow.auth()
    async with httpx.AsyncClient(trust_env=False, timeout=60) as http:
        http.event_hooks["response"].append(flow._keep)
        calls = [
            http.post(f"{urls[i % len(urls)]}{API}/verification", headers=headers)
            for i in range(CALLS)
        ]
        return await asyncio.gather(*calls)


async def test_twenty_verifications_on_an_expired_token_refresh_once(
    flow: Flow,
) -> None:
    await flow.connect()
    flow.world.expire_access_tokens()
    flow.world.set_refresh_delay(0.3)

    answers = await verify_many(flow, [flow.service.url])

    assert [answer.json()["ok"] for answer in answers] == [True] * CALLS
    assert flow.token_requests("refresh_token") == 1


async def test_two_instances_in_one_process_refresh_once(flow: Flow) -> None:
    other = start_instance(flow.service.config, flow.service.clock, listening_socket())
    try:
        await flow.connect()
        flow.world.expire_access_tokens()
        flow.world.set_refresh_delay(0.3)

        answers = await verify_many(flow, [flow.service.url, other.url])
    finally:
        other.stop()

    assert [answer.json()["ok"] for answer in answers] == [True] * CALLS
    assert flow.token_requests("refresh_token") == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def second_process(service: Service, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`crmbridge serve` as another process on the same SQLite file."""
    port = free_port()
    log = tmp_path / "second.log"
    with log.open("wb") as output:
        child = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            env={**os.environ, **service.env},
            stdout=output,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, child)
        yield url, log
    finally:
        child.terminate()
        child.wait(timeout=15)


def wait_healthy(url: str, child: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        assert child.poll() is None, "the second process exited"
        try:
            if httpx.get(f"{url}/health", trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the second process did not start")


async def test_two_processes_sharing_one_sqlite_file_refresh_once(
    flow: Flow, second_process: tuple[str, Path]
) -> None:
    url, log = second_process
    await flow.connect()
    flow.world.expire_access_tokens()
    flow.world.set_refresh_delay(0.3)

    answers = await verify_many(flow, [flow.service.url, url])

    assert [answer.json()["ok"] for answer in answers] == [True] * CALLS
    assert flow.token_requests("refresh_token") == 1
    flow.secrets.note_world(flow.world)
    assert flow.secrets.found_in(log.read_text()) == []
    assert "POST /api/crm/salesforce/verification 200" in log.read_text()
