"""The shared client loads the certificate trust store only for https."""

from __future__ import annotations

import ssl
from typing import Any, ClassVar

import httpx
import pytest

from adapters.salesforce import http, new_http_client
from sfemulator.server import EmulatorServer


async def test_plain_http_never_builds_the_verifying_transport(
    emulator: EmulatorServer,
) -> None:
    async with new_http_client(trust_env=False) as client:
        transport = client._transport
        assert isinstance(transport, http.DeferredTls)

        answer = await client.get(f"{emulator.login_url}/no-such-page")

        assert answer.status_code == 404  # an answer over plain http
        assert transport._plain is not None
        assert transport._secure is None


class _Recorded(httpx.AsyncBaseTransport):
    """Stands in for httpx's transport: what it was built with, and an answer."""

    built: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **options: Any) -> None:
        self.built.append(options)
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, request=request)

    async def aclose(self) -> None:
        self.closed = True


async def test_https_verifies_with_the_usual_trust_store_built_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_Recorded, "built", [])
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", _Recorded)
    limits = httpx.Limits(max_connections=3)
    transport = http.DeferredTls(limits=limits, trust_env=True)

    for url in ("https://a.example/x", "https://b.example/y", "http://127.0.0.1/z"):
        await transport.handle_async_request(httpx.Request("GET", url))

    secure, plain = _Recorded.built
    # No `verify`: httpx's default, certificates checked against the store.
    assert secure == {"limits": limits, "trust_env": True}
    context = plain["verify"]
    assert isinstance(context, ssl.SSLContext)
    # Trusts no one, should it ever meet TLS.
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.cert_store_stats()["x509_ca"] == 0

    await transport.aclose()
    made = (transport._secure, transport._plain)
    assert all(isinstance(one, _Recorded) and one.closed for one in made)
