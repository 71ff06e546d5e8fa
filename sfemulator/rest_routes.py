"""REST routes of every instance host: the version list and limits."""

from __future__ import annotations

from litestar import Response, get

from sfemulator.rest_auth import authenticate
from sfemulator.web import AnyRequest, host_of, json_response

_SEASONS = ("Winter", "Spring", "Summer")


def release_label(version: str) -> str:
    """The release name of an API version: 59.0 was Winter '24, 60.0 Spring '24."""
    index = int(float(version)) - 59
    return f"{_SEASONS[index % 3]} '{24 + index // 3}"


@get(["/services/data", "/services/data/"])
async def versions(request: AnyRequest) -> Response[bytes]:
    world = host_of(request).world
    return json_response(
        [
            {
                "label": release_label(number),
                "url": f"/services/data/v{number}",
                "version": number,
            }
            for number in world.api_versions
        ]
    )


@get("/services/data/{version:str}/limits")
async def limits(request: AnyRequest) -> Response[bytes]:
    version = request.path_params["version"]
    call = authenticate(request, version)
    org = call.org
    return call.ok(
        {
            "DailyApiRequests": {
                "Max": org.daily_api_max,
                "Remaining": max(org.daily_api_max - org.daily_api_used, 0),
            },
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
        }
    )


ROUTES = [versions, limits]
