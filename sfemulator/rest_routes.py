"""REST routes of every instance host: versions, limits and the query endpoints."""

from __future__ import annotations

import re
from typing import Any

from litestar import Response, get

from sfemulator.rest_auth import RestCall, RestError, authenticate
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


_ORG_QUERY = re.compile(r"\s*SELECT\s+(.+?)\s+FROM\s+Organization\s*", re.I | re.S)


@get("/services/data/{version:str}/query")
async def query(request: AnyRequest) -> Response[bytes]:
    version = request.path_params["version"]
    call = authenticate(request, version)
    match = _ORG_QUERY.fullmatch(request.query_params.get("q") or "")
    if match is None:
        raise call.fail(400, "MALFORMED_QUERY", "only the Organization query is served")
    row = _organization(call)
    try:
        record = {name: row[name.lower()] for name in _field_names(match.group(1))}
    except KeyError as exc:
        raise call.fail(
            400, "INVALID_FIELD", f"No such column '{exc.args[0]}'"
        ) from None
    attributes = {
        "type": "Organization",
        "url": f"/services/data/v{call.version}/sobjects/Organization/{call.org.id}",
    }
    return call.ok(
        {
            "totalSize": 1,
            "done": True,
            "records": [{"attributes": attributes, **record}],
        }
    )


def _field_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


def _organization(call: RestCall) -> dict[str, Any]:
    org = call.org
    return {
        "id": org.id,
        "name": org.name,
        "issandbox": org.is_sandbox,
        "organizationtype": org.organization_type,
        "instancename": f"EM{org.instance}",
    }


ROUTES = [versions, limits, query]
__all__ = ["ROUTES", "RestError"]
