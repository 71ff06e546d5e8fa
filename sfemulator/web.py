"""Small HTTP helpers shared by the emulator's Litestar apps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, Response

from sfemulator.world import World

AnyRequest = Request[Any, Any, Any]


@dataclass(frozen=True)
class Host:
    """Which listener an app serves: the shared world and this listener's role."""

    world: World
    role: str

    @property
    def url(self) -> str:
        return self.world.urls[self.role]


def host_of(request: AnyRequest) -> Host:
    host: Host = request.app.state.host
    return host


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json;charset=UTF-8",
        headers=headers,
    )


def text_response(text: str, status: int, media_type: str) -> Response[bytes]:
    return Response(content=text.encode(), status_code=status, media_type=media_type)


def redirect(location: str) -> Response[bytes]:
    return Response(content=b"", status_code=302, headers={"Location": location})


def first_values(pairs: Any) -> dict[str, str]:
    """A plain dict of the first string value of each key of a multi-dict."""
    result: dict[str, str] = {}
    for key, value in pairs.multi_items():
        if isinstance(value, str):
            result.setdefault(key, value)
    return result


def bearer_token(request: AnyRequest) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return None
    return token.strip()
