"""The shared httpx client of the Salesforce adapters, and one logged, retried call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import msgspec

from adapters.salesforce.log_redaction import redact_httpx_logs
from adapters.salesforce.retries import (
    Replay,
    RetryPolicy,
    ServerFailed,
    Unreadable,
    describe,
    with_retries,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def new_http_client(
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    max_connections: int = 20,
    transport: httpx.AsyncBaseTransport | None = None,
    trust_env: bool = True,
) -> httpx.AsyncClient:
    """One client for all Salesforce calls; the caller closes it at shutdown.

    Redirects are not followed: a bearer token must never travel to a host
    Salesforce's answer did not name as the instance. httpx's own INFO line
    per request is kept, minus the query string. `trust_env` honours the
    usual proxy variables; tests against a local emulator turn it off.
    """
    redact_httpx_logs()
    return httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=max_connections),
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": "crmbridge"},
        transport=transport,
        trust_env=trust_env,
    )


def where(url: httpx.URL) -> str:
    """Host and path of a URL: no query string, no credentials."""
    return url.netloc.decode("ascii") + url.path


def decode(content: bytes, into: type[T]) -> T:
    """Decode a JSON body, or raise `Unreadable` (an HTML page, a cut-off body)."""
    try:
        return msgspec.json.decode(content, type=into)
    except msgspec.DecodeError as exc:
        raise Unreadable("unreadable answer") from exc


class SalesforceHttp:
    """Sends requests through the shared client, logged and retried by `Replay`."""

    def __init__(self, client: httpx.AsyncClient, retry: RetryPolicy) -> None:
        self._client = client
        self._retry = retry

    async def call(
        self,
        request: httpx.Request,
        read: Callable[[httpx.Response], T],
        *,
        replay: Replay,
    ) -> T:
        """Send `request` and `read` the answer; 5xx answers never reach `read`."""

        async def attempt() -> T:
            response = await self._send(request)
            if response.status_code >= 500:
                raise ServerFailed(response.status_code)
            return read(response)

        what = f"{request.method} {where(request.url)}"
        return await with_retries(self._retry, replay, what, attempt)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._client.send(request)
        except httpx.RequestError as exc:
            logger.debug(
                "salesforce %s %s failed after %.0f ms: %s",
                request.method,
                where(request.url),
                _millis_since(started),
                describe(exc),
            )
            raise
        logger.debug(
            "salesforce %s %s -> %d in %.0f ms",
            request.method,
            where(request.url),
            response.status_code,
            _millis_since(started),
        )
        return response


def _millis_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
