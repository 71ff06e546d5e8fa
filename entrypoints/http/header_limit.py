"""A bound on a request's line and headers, which uvicorn's httptools parser
does not set: a request past it is refused before any route reads it (see
also `bounded_head`, which stops one still arriving)."""

from __future__ import annotations

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

MAX_HEADER_BYTES = 32 * 1024
# How long `serve` waits for a request's head, then for the rest of it
# (body, trailer fields), before it answers 408 (`bounded_head`).
HEAD_SECONDS = 30.0
REST_SECONDS = 60.0


class HeaderLimit:
    """Answers 431 `headers_too_large` when the request target (path and
    query) and headers together pass `MAX_HEADER_BYTES`, then closes the
    connection; the token and routes never see such a request."""

    def __init__(self, app: ASGIApp, limit: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _size(scope) > self._limit:
            body = too_large_body(self._limit)
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": 431,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await self.app(scope, receive, send)


def too_large_body(limit: int) -> bytes:
    """The 431's JSON body, in the shape of every error answer."""
    return msgspec.json.encode(
        {
            "code": "headers_too_large",
            "message": "the request line and headers are larger than this "
            f"service accepts ({limit // 1024} KiB at most)",
            "hint": "Send a shorter URL, or fewer and smaller headers.",
        }
    )


def _size(scope: Scope) -> int:
    target = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
    # Each header line also holds ": " and its CRLF.
    return target + sum(len(name) + len(value) + 4 for name, value in scope["headers"])
