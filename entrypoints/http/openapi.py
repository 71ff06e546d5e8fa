"""OpenAPI settings: the schema at /schema, bearer auth, documented error answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)

from entrypoints.http.errors import ErrorBody, MappingErrorBody
from entrypoints.http.header_limit import HEAD_SECONDS, MAX_HEADER_BYTES, REST_SECONDS

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

# What the server itself may answer on any route, before the route acts.
SERVER_WHEN = {
    408: f"The request line and headers were unfinished {HEAD_SECONDS:.0f} s "
    f"after they began, or the rest (body, trailer) {REST_SECONDS:.0f} s after "
    "them (code request_timeout); the connection is closed",
    413: f"{WHEN[413]} (code payload_too_large; a route that takes no body "
    "refuses one too)",
    431: f"The request target and headers pass {MAX_HEADER_BYTES // 1024} KiB "
    "(code headers_too_large); the connection is closed",
}


def errors(
    *statuses: int, when: Mapping[int, str] | None = None
) -> dict[int, ResponseSpec]:
    """The documented error answers of a route, all `{code, message, hint}`;
    `when` words a status for this route."""
    said = {**WHEN, **(when or {})}
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=said[status],
            generate_examples=False,
        )
        for status in statuses
    }


def mapping_refused() -> dict[int, ResponseSpec]:
    """The 422 of a mapping replacement, which lists every broken rule."""
    return {
        422: ResponseSpec(
            data_container=MappingErrorBody,
            description="The body or query is malformed (code invalid_input, "
            "no `errors`), or rules break against the org's describe (code "
            "mapping_invalid: `errors` lists each broken rule with its `rule`, "
            "`field`, `code` and `message`)",
            generate_examples=False,
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


@dataclass
class OurErrors(Operation):
    """An operation whose documented errors are only the ones it answers.

    Litestar documents a 400 of its own shape (`status_code`, `detail`) on
    every route with parameters or a body; this service answers a malformed
    request 422 `invalid_input` in the `{code, message, hint}` shape
    (`errors.on_litestar_error`), so that 400 is dropped. A 400 a route
    documents itself (the callback's) stays. What the server may answer on
    any route (`SERVER_WHEN`) is added where the route does not say it.
    """

    def __post_init__(self) -> None:
        responses = self.responses or {}
        if "400" in responses and _litestar_shape(responses["400"]):
            del responses["400"]
        for status, said in SERVER_WHEN.items():
            responses.setdefault(str(status), _error_answer(said))
        self.responses = responses


@dataclass
class OptionalBody(OurErrors):
    """An operation whose body may be left out (Litestar marks every body
    required, even one whose parameter has a default)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def _error_answer(description: str) -> OpenAPIResponse:
    schema = Reference(ref=f"#/components/schemas/{ErrorBody.__name__}")
    media = OpenAPIMediaType(schema=schema)
    return OpenAPIResponse(description=description, content={"application/json": media})


def _litestar_shape(answer: OpenAPIResponse | Reference) -> bool:
    content = answer.content if isinstance(answer, OpenAPIResponse) else None
    schemas = [media.schema for media in (content or {}).values()]
    return bool(schemas) and all(
        isinstance(schema, Schema)
        and {"status_code", "detail"} <= set(schema.properties or {})
        for schema in schemas
    )


def document_our_errors(app: Litestar) -> None:
    """Have every route's OpenAPI operation built as `OurErrors` (or
    `OptionalBody`), unless it names a kind of its own; call before the
    schema is first built (at the first request for it)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and not issubclass(
                handler.operation_class, OurErrors
            ):
                body = handler.parsed_fn_signature.parameters.get("data")
                optional = body is not None and body.has_default
                handler.operation_class = OptionalBody if optional else OurErrors
