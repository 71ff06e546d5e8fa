"""OpenAPI settings: the schema at /schema, bearer auth, documented error answers."""

from __future__ import annotations

from collections.abc import Mapping

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme

from entrypoints.http.errors import ErrorBody, MappingErrorBody

WHEN = {
    400: "The callback's state is unknown, used or expired, or it failed",
    401: "No bearer token, or an expired or invalid one",
    403: "The caller's role may not do this",
    404: "Nothing with this id in the caller's workspace",
    409: "The connection's state forbids it (e.g. connected: disconnect first)",
    413: "The body is larger than this route accepts",
    422: "A field or query parameter is missing, unknown, malformed or too "
    "long; the message names it",
    502: "Salesforce answered with an error",
    503: "Salesforce is unreachable or the org's API quota is exhausted",
}


def errors(
    *statuses: int, when: Mapping[int, str] | None = None
) -> dict[int, ResponseSpec]:
    """The documented error answers of a route, all `{code, message, hint}`;
    `when` words a status for this route."""
    said = {**WHEN, **(when or {})}
    return {
        status: ResponseSpec(data_container=ErrorBody, description=said[status])
        for status in statuses
    }


def mapping_refused() -> dict[int, ResponseSpec]:
    """The 422 of a mapping replacement, which lists every broken rule."""
    return {
        422: ResponseSpec(
            data_container=MappingErrorBody,
            description="The body is malformed (code invalid_input), or rules "
            "break against the org's describe (code mapping_invalid: `errors` "
            "lists each broken rule with its `rule`, `field`, `code` and "
            "`message`)",
        )
    }


def openapi_config(version: str) -> OpenAPIConfig:
    bearer = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
    return OpenAPIConfig(
        title="crmbridge",
        version=version,
        description="Connect a workspace to its Salesforce org (OAuth 2.0 + PKCE) "
        "and read the org's people and companies from a local, synced copy.",
        path="/schema",
        components=Components(security_schemes={"BearerToken": bearer}),
    )
