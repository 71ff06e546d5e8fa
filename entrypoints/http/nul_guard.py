"""Entrypoints: a NUL in a request's path or query is refused before routing.

No id, filter or cursor holds one, and PostgreSQL refuses one in a text
parameter: such a request would end in a 500 there, after a query.
"""

from __future__ import annotations

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from entrypoints.http.errors import ErrorBody

REFUSED = msgspec.json.encode(
    ErrorBody(
        code="invalid_input",
        message="the path or query holds a NUL character (%00)",
        hint="Remove it: no id, filter or cursor has one.",
    )
)


# A browser lands on the callback: it answers any odd query with a redirect
# to the settings page, and binds none of its values raw (the state is
# hashed, the code goes to Salesforce, an error text is cleaned).
OWN_ANSWERS = frozenset({"/api/oauth/callback/salesforce"})


class RefuseNul:
    """ASGI wrapper: 422 `invalid_input` for a NUL in the path or query (the
    callback's query answers for itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _holds_nul(scope):
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(REFUSED)).encode()),
                ],
            }
            body: HTTPResponseBodyEvent = {
                "type": "http.response.body",
                "body": REFUSED,
                "more_body": False,
            }
            await send(start)
            await send(body)
            return
        await self.app(scope, receive, send)


def _holds_nul(scope: Scope) -> bool:
    path = scope["path"]
    if "\x00" in path:
        return True
    return b"%00" in scope["query_string"] and path not in OWN_ANSWERS
