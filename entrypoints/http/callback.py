"""The OAuth callback Salesforce sends the browser to; no bearer token here.

It answers 303 to the settings page with the outcome in the query
(`salesforce=connected`, or `salesforce=error&code=...`), never a code, token
or state; or JSON when the request asks for `application/json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from litestar import MediaType, Request, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Parameter, Schema
from litestar.response import Redirect

from application.errors import ApplicationError, AuthorizationFailed, InvalidInput
from application.use_cases.complete_authorization import CompleteAuthorization
from entrypoints.container import resolve
from entrypoints.http.deps import description
from entrypoints.http.errors import body_for, error_response, status_for
from entrypoints.http.openapi import OurErrors, errors
from entrypoints.http.schemas import ConnectionView

# Only these are read; others are ignored, unlike every other route: Salesforce
# may add its own (sfdc_community_url and sfdc_community_id for an Experience
# Cloud login) and RFC 9207 an `iss`, and refusing them would fail a consent.
PARAMETERS = ("state", "code", "error", "error_description")
_SAID = {
    "state": "The state of the authorization this answers",
    "code": "The authorization code (on success)",
    "error": "Why Salesforce did not authorize (on failure), e.g. access_denied",
    "error_description": "Salesforce's words for the error",
}


@dataclass
class CallbackOperation(OurErrors):
    """The callback reads its query itself (unknown parameters are ignored,
    a repeated one refused), so Litestar cannot see what it takes: the
    parameters are documented here."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.parameters = [
            *(self.parameters or []),
            *(
                Parameter(
                    name=name,
                    param_in="query",
                    required=False,
                    schema=Schema(type=OpenAPIType.STRING),
                    description=_SAID[name],
                )
                for name in PARAMETERS
            ),
        ]


# The URL held a code and state: keep it out of caches and Referer headers.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# What a browser gets, and what a caller asking for JSON gets instead.
OUTCOMES = {
    303: ResponseSpec(
        data_container=None,
        description="To the settings page, with salesforce=connected, or "
        "salesforce=error and the problem's code (JSON errors below instead "
        "with Accept: application/json, or without a settings page)",
        media_type=MediaType.TEXT,
    ),
    200: ResponseSpec(
        data_container=ConnectionView,
        description="With Accept: application/json: the connection",
        generate_examples=False,
    ),
}


@get(
    "/api/oauth/callback/salesforce",
    description=description(CompleteAuthorization),
    tags=["oauth"],
    responses=errors(400, 422, 502) | OUTCOMES,
    operation_class=CallbackOperation,
)
async def oauth_callback(
    request: Request[Any, Any, Any], state: State
) -> Response[Any]:
    settings_page: str = state.settings_page_url
    wants_json = "application/json" in request.headers.get("accept", "")
    use_case = await resolve(
        state.container.complete_authorization, CompleteAuthorization
    )
    try:
        summary = await use_case.execute(_command(request))
    except ApplicationError as exc:
        workspace = exc.workspace_id if isinstance(exc, AuthorizationFailed) else None
        target = outcome_url(
            settings_page, workspace, salesforce="error", code=exc.code
        )
        if wants_json or target is None:
            return _private(error_response(status_for(exc), body_for(exc)))
        return _see_other(target)

    if wants_json:
        return _private(Response(ConnectionView.of(summary)))
    target = outcome_url(settings_page, summary.workspace_id, salesforce="connected")
    assert target is not None
    return _see_other(target)


def outcome_url(template: str, workspace: str | None, **outcome: str) -> str | None:
    """The settings page with `outcome` in its query; None if workspace unknown."""
    if "{workspace}" in template:
        if workspace is None:
            return None
        template = template.replace("{workspace}", workspace)
    parts = urlsplit(template)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *outcome.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _command(request: Request[Any, Any, Any]) -> CompleteAuthorization.Command:
    values: dict[str, str] = {}
    for name in PARAMETERS:
        given = request.query_params.getall(name, [])
        if len(given) > 1:
            raise InvalidInput(f"{name} is given more than once", field=name)
        if given:
            values[name] = given[0]
    return CompleteAuthorization.Command(**values)


def _see_other(location: str) -> Response[Any]:
    return _private(Redirect(location, status_code=303))


def _private(response: Response[Any]) -> Response[Any]:
    response.headers.update(PRIVATE)
    return response
