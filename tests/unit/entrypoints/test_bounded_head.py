"""Request heads past the limit: the app refuses one before any route, and
`serve`'s HTTP protocol stops one still arriving rather than hold it
whole; bodies and pipelined requests pass as before."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn

from entrypoints.http.bounded_head import BoundedHttpToolsProtocol
from entrypoints.http.header_limit import MAX_HEADER_BYTES
from tests.unit.entrypoints.conftest import Api


async def echo_length(scope: Any, receive: Any, send: Any) -> None:
    """Answers 200 with how many body bytes it read."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = str(size).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class QuickHeads(BoundedHttpToolsProtocol):
    head_seconds = 0.3
    rest_seconds = 0.3


@asynccontextmanager
async def serving(protocol: type[BoundedHttpToolsProtocol]) -> AsyncIterator[Any]:
    """uvicorn serving `echo_length` with `protocol`; its address."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    config = uvicorn.Config(echo_length, http=protocol, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    served = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:  # noqa: ASYNC110 (uvicorn sets a flag, no event)
        await asyncio.sleep(0.01)
    yield listening.getsockname()
    server.should_exit = True
    await served


@pytest.fixture
async def address() -> AsyncIterator[tuple[str, int]]:
    async with serving(BoundedHttpToolsProtocol) as where:
        yield where


HALF_A_HEAD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
HALF_A_TRAILER = (
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\n{}\r\n0\r\nX-Slow: "
)


def unfinished(address: tuple[str, int], request: bytes) -> bytes:
    """Send `request`, which never ends, and nothing more; what the server
    answers before it closes the connection."""
    with socket.create_connection(address, timeout=10) as client:
        client.sendall(request)
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
        return answer


async def test_a_body_or_trailer_that_does_not_finish_in_time_is_answered_408() -> None:
    """helper-121 held a connection open with a trailer line a second."""
    async with serving(QuickHeads) as where:
        answer = await asyncio.to_thread(unfinished, where, HALF_A_TRAILER)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"the rest of the request did not arrive within 0.3 s" in answer


async def test_a_head_that_does_not_finish_in_time_is_answered_408() -> None:
    async with serving(QuickHeads) as where:
        answer = await asyncio.to_thread(unfinished, where, HALF_A_HEAD)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"code":"request_timeout"' in answer
    assert b"within 0.3 s" in answer


def sent_until_answered(
    address: tuple[str, int], pieces: int, first: bytes = b""
) -> tuple[int, bytes]:
    """Send a head that never ends, 8 KiB at a time, after `first` (a whole
    request, whose answer is read first); the bytes sent before the server
    answered or closed, and its answer."""
    with socket.create_connection(address, timeout=10) as client:
        if first:
            client.sendall(first)
            answered = b""
            while not answered.endswith(b"\r\n\r\n0"):  # echo_length's, to a GET
                answered += client.recv(4096)
            assert answered.startswith(b"HTTP/1.1 200 ")
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ")
        sent = 0
        client.settimeout(0.05)
        for _ in range(pieces):
            try:
                answer = client.recv(4096)
            except TimeoutError:
                answer = b""
            if answer:
                return sent, answer
            try:
                client.sendall(b"a" * 8192)
            except OSError:
                break
            sent += 8192
        client.settimeout(10)
        return sent, client.recv(4096)


def exchange(address: tuple[str, int], request: bytes, answers: int = 1) -> bytes:
    """What the server sends back to `request`, once `answers` answers are
    in (each body a number, with no line after it), and for 0.2 s after."""
    with socket.create_connection(address, timeout=10) as client:
        client.sendall(request)
        answer = b""
        while answer.count(b"HTTP/1.1 ") < answers or answer.endswith(b"\r\n"):
            answer += client.recv(65536)
        client.settimeout(0.2)
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
        return answer


async def test_a_head_still_arriving_is_refused_once_past_the_limit(
    address: tuple[str, int],
) -> None:
    sent, answer = await asyncio.to_thread(sent_until_answered, address, 1024)

    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"code":"headers_too_large"' in answer
    # Refused near the limit, not after the 8 MiB the client would send.
    assert sent < 4 * MAX_HEADER_BYTES


async def test_a_later_request_on_a_kept_connection_gets_its_431_too(
    address: tuple[str, int],
) -> None:
    """The answer before it has begun, and ended: not this request's
    (helper-120 saw the connection closed without one)."""
    one = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    sent, answer = await asyncio.to_thread(sent_until_answered, address, 1024, one)

    assert answer.startswith(b"HTTP/1.1 431 ")
    assert sent < 4 * MAX_HEADER_BYTES


async def test_a_body_larger_than_the_limit_is_no_head(
    address: tuple[str, int],
) -> None:
    body = b"x" * (8 * MAX_HEADER_BYTES)
    head = f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"

    answer = await asyncio.to_thread(exchange, address, head.encode() + body)

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(str(len(body)).encode())


async def test_pipelined_requests_each_get_their_answer(
    address: tuple[str, int],
) -> None:
    one = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    answer = await asyncio.to_thread(exchange, address, one * 3, 3)

    assert answer.count(b"HTTP/1.1 200 ") == 3


async def test_a_request_with_headers_past_the_limit_is_refused_before_routing(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crmbridge.access")
    fits = {**api.auth(), "X-Padding": "a" * (MAX_HEADER_BYTES - 2048)}
    past = {**api.auth(), "X-Padding": "a" * MAX_HEADER_BYTES}

    served = await api.client.get("/api/crm/salesforce", headers=fits)
    refused = await api.client.get("/api/crm/salesforce", headers=past)
    long_query = await api.client.get("/health", params={"x": "a" * MAX_HEADER_BYTES})

    assert served.status_code == 200
    assert refused.status_code == long_query.status_code == 431
    assert refused.json()["code"] == "headers_too_large"
    assert "32 KiB" in refused.json()["message"]
    assert refused.headers["connection"] == "close"
    lines = [r.getMessage() for r in caplog.records if r.name == "crmbridge.access"]
    assert lines[1].startswith("GET /api/crm/salesforce 431 ")


def sent_trailer_until_closed(address: tuple[str, int], pieces: int) -> int:
    """Send a chunked request whose trailer never ends, 8 KiB at a time;
    the trailer's bytes sent before the server closed the connection."""
    with socket.create_connection(address, timeout=10) as client:
        client.sendall(HALF_A_TRAILER)
        sent = 0
        try:
            for _ in range(pieces):
                client.sendall(b"a" * 8192)
                sent += 8192
        except OSError:
            pass
        return sent


async def test_a_trailer_that_keeps_coming_is_cut_off_too(
    address: tuple[str, int],
) -> None:
    """The fields after a chunked body are header fields as well: none may
    grow without bound while the answer has been sent (helper-119)."""
    sent = await asyncio.to_thread(sent_trailer_until_closed, address, 32768)

    # Cut near the limit (what the sockets' buffers held aside), not after
    # the 256 MiB the client would send.
    assert sent < 64 * 1024 * 1024
