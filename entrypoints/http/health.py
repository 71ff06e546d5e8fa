"""GET /health: the process is up and serving."""

from __future__ import annotations

from litestar import get

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
