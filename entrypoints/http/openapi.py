"""OpenAPI settings: the schema at /schema, bearer auth, documented error answers."""

from __future__ import annotations

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme

from entrypoints.http.errors import ErrorBody

WHEN = {
    400: "The callback's state is unknown, used or expired, or it failed",
    401: "No bearer token, or an expired or invalid one",
    403: "The caller's role may not do this",
    409: "The connection's state forbids it (e.g. connected: disconnect first)",
    422: "A field is missing, malformed or too long; the message names it",
    502: "Salesforce answered with an error",
    503: "Salesforce is unreachable or the org's API quota is exhausted",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The documented error answers of a route, all `{code, message, hint}`."""
    return {
        status: ResponseSpec(data_container=ErrorBody, description=WHEN[status])
        for status in statuses
    }


def openapi_config(version: str) -> OpenAPIConfig:
    bearer = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
    return OpenAPIConfig(
        title="crmbridge",
        version=version,
        description="Connect a workspace to its Salesforce org (OAuth 2.0 + PKCE).",
        path="/schema",
        components=Components(security_schemes={"BearerToken": bearer}),
    )
