"""The shared httpx client of the Salesforce adapters, and one logged, retried call."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
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
    retry_after,
    with_retries,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# What a response's stream becomes once its body is read (see `_send`).
_READ = httpx.ByteStream(b"")


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
    limits = httpx.Limits(max_connections=max_connections)
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": "crmbridge"},
        transport=transport or DeferredTls(limits=limits, trust_env=trust_env),
        trust_env=trust_env,
    )


class DeferredTls(httpx.AsyncBaseTransport):
    """The client's own transport: https requests go through one that
    verifies certificates against the usual trust store, built at the first
    https request; plain http (an emulator on this machine) through one that
    never loads that store. Every command paid for loading it at start-up,
    TLS or not (benchmarks/README.md, item 20, has the count).
    """

    def __init__(self, *, limits: httpx.Limits, trust_env: bool) -> None:
        self._limits = limits
        self._trust_env = trust_env
        self._secure: httpx.AsyncHTTPTransport | None = None
        self._plain: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._for(request.url.scheme).handle_async_request(request)

    def _for(self, scheme: str) -> httpx.AsyncHTTPTransport:
        if scheme == "http":
            if self._plain is None:
                # No certificates loaded: an http origin has no handshake, and
                # a context that trusts no one fails closed if one ever came.
                bare = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                self._plain = httpx.AsyncHTTPTransport(verify=bare, limits=self._limits)
            return self._plain
        if self._secure is None:
            self._secure = httpx.AsyncHTTPTransport(
                limits=self._limits, trust_env=self._trust_env
            )
        return self._secure

    async def aclose(self) -> None:
        for transport in (self._plain, self._secure):
            if transport is not None:
                await transport.aclose()


def where(url: httpx.URL) -> str:
    """Host and path of a URL: no query string, no credentials."""
    return url.netloc.decode("ascii") + url.path


def decode(content: bytes, into: type[T]) -> T:
    """Decode a JSON body, or raise `Unreadable` (an HTML page, a cut-off body)."""
    try:
        return msgspec.json.decode(content, type=into)
    except msgspec.DecodeError as exc:
        raise Unreadable("unreadable answer") from exc


# Salesforce's limits answer 403 REQUEST_LIMIT_EXCEEDED (never retried); a
# 429 from a proxy or gateway in front of it asks to slow down, as a 503 does,
# and either may say for how long (`Retry-After`, see `RetryPolicy`).
TOO_MANY_REQUESTS = 429


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
        """Send `request` and `read` the answer; 5xx and 429 answers never
        reach `read`: both say the request was not served, try again later."""

        async def attempt() -> T:
            response = await self._send(request)
            status = response.status_code
            if status >= 500 or status == TOO_MANY_REQUESTS:
                asked = retry_after(
                    response.headers.get("Retry-After"), datetime.now(UTC)
                )
                raise ServerFailed(status, asked_wait=asked)
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
        # httpx ties a response and its stream into a reference cycle, so a
        # page's body waited for a pass of the garbage collector, which may
        # come many pages later; read and closed by now, the stream can go.
        response.stream = _READ
        return response


def _millis_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
