"""One INFO line per request: method, path (never the query), status, duration."""

from __future__ import annotations

import logging
import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.logs import printable

logger = logging.getLogger("crmbridge.access")


class AccessLog:
    """ASGI wrapper around the whole app, so unrouted requests are logged too.

    The query string is left out everywhere: the OAuth callback's carries the
    authorization code and state. Method and path are escaped and capped: a
    `%0a` in a path must not start a forged log line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            logger.info(
                "%s %s %d %.1fms",
                printable(scope["method"], 16),
                printable(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )
