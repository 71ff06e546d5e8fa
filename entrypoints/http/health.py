"""GET and HEAD /health: the process is up and serving."""

from __future__ import annotations

import msgspec
from litestar import MediaType, Response, get, head

from entrypoints.http.schemas import HealthView


@get(
    "/health",
    tags=["health"],
    description="Answers 200 while the service runs. Query parameters are "
    "ignored: unless CRMBRIDGE_SETTINGS_PAGE_URL says otherwise, the OAuth "
    "callback sends the browser back here with the outcome in the query.",
)
async def health() -> HealthView:
    return HealthView(status="ok")


# What GET /health sends, measured once: HEAD gives the same headers.
_HEALTHY_LENGTH = str(len(msgspec.json.encode(HealthView(status="ok"))))


@head(
    "/health",
    tags=["health"],
    description="As `GET /health`, without a body (for probes that send HEAD).",
)
async def health_head() -> Response[None]:
    return Response(
        content=None,
        media_type=MediaType.JSON,
        headers={"content-length": _HEALTHY_LENGTH},
    )
