"""GET /health: the process is up and serving."""

from __future__ import annotations

from litestar import get

from entrypoints.http.query import no_query
from entrypoints.http.schemas import HealthView


@get(
    "/health",
    tags=["health"],
    description="Answers 200 while the service runs.",
    guards=[no_query],
)
async def health() -> HealthView:
    return HealthView(status="ok")
