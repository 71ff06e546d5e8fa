"""A scripted httpx transport: canned answers and failures, requests recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx

Step = Callable[[httpx.Request], httpx.Response]


def answer(
    status: int = 200,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Step:
    """A fresh response per use, so a step can repeat."""

    def respond(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=json, headers=headers)

    return respond


def fail(kind: type[httpx.TransportError]) -> Step:
    def raise_it(request: httpx.Request) -> httpx.Response:
        raise kind("scripted failure", request=request)

    return raise_it


def html(status: int) -> Step:
    page = b"<html><body>Down for maintenance</body></html>"
    return answer(status, content=page, headers={"Content-Type": "text/html"})


class ScriptedTransport(httpx.AsyncBaseTransport):
    """Plays `steps` in order; the last one repeats for any further request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        return step(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def form(self, index: int = -1) -> dict[str, str]:
        """The form-encoded body of a recorded request, one value per key."""
        body = self.requests[index].content.decode()
        return {key: values[0] for key, values in parse_qs(body).items()}

    def query(self, index: int = -1) -> dict[str, str]:
        url = self.requests[index].url
        return {key: value for key, value in url.params.items()}


Scripted = Callable[..., tuple[httpx.AsyncClient, ScriptedTransport]]
