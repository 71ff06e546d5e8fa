"""ASGI plumbing under the apps: fault injection and abrupt connection resets."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import formatdate
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from sfemulator.world import World

TRANSPORT_KEY = "sfemulator.transport"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TransportAwareProtocol(H11Protocol):
    """uvicorn's h11 protocol that tells the app which transport a request is on.

    ASGI has no way to drop a connection without an answer; the fault
    middleware needs the transport to reset it like a failing proxy would.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        inner = self.app

        async def with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope[TRANSPORT_KEY] = transport
            await inner(scope, receive, send)

        self.app = with_transport


class FaultMiddleware:
    """Applies the world's HTTP faults to one listener before the app sees a request."""

    def __init__(self, app: Any, world: World, role: str) -> None:
        self.app: ASGIApp = app
        self.world = world
        self.role = role

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._dated(send)
        fault = self.world.take_http_fault(self.role, scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.action == "delay":
            await asyncio.sleep(fault.delay)
            await self.app(scope, receive, send)
        elif fault.action == "reset":
            await _reset(scope, receive)
        else:
            await _answer_status(send, fault.status, fault.retry_after)

    def _dated(self, send: Send) -> Send:
        """`send` with a `Date` header from the world's clock, as Salesforce
        sends its own server time (uvicorn's, from the real clock, is off)."""

        async def dated(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                date = formatdate(self.world.now(), usegmt=True).encode()
                headers = [*message.get("headers", []), (b"date", date)]
                message = {**message, "headers": headers}
            await send(message)

        return dated


async def _reset(scope: Scope, receive: Receive) -> None:
    transport: asyncio.Transport = scope[TRANSPORT_KEY]
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0 turns the close into a TCP RST, as a crashed proxy sends.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    while (await receive())["type"] != "http.disconnect":
        pass


async def _answer_status(send: Send, status: int, retry_after: str | None) -> None:
    code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
    body = (
        b'[{"message":"The server could not handle the request.","errorCode":"'
        + code.encode()
        + b'"}]'
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json;charset=UTF-8"),
                (b"content-length", str(len(body)).encode()),
                *([(b"retry-after", retry_after.encode())] if retry_after else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
