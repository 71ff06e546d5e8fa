"""Routes of every login host: authorize, decide, token and revoke."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get, post

from sfemulator.authorize import (
    AuthorizePageError,
    LoginFailed,
    decide,
    start_authorization,
)
from sfemulator.pages import consent_page, error_page
from sfemulator.tokens import (
    OAuthError,
    exchange_code,
    finish_refresh,
    revoke,
    start_refresh,
)
from sfemulator.web import (
    AnyRequest,
    Host,
    first_values,
    host_of,
    json_response,
    redirect,
    text_response,
)

DECIDE_PATH = "/services/oauth2/authorize/decide"
HTML = "text/html;charset=UTF-8"


@get("/services/oauth2/authorize")
async def authorize(request: AnyRequest) -> Response[bytes]:
    host = host_of(request)
    params = first_values(request.query_params)
    try:
        outcome = start_authorization(host.world, host.role, params)
    except AuthorizePageError as exc:
        return text_response(error_page(exc.error, exc.description), 400, HTML)
    if isinstance(outcome, str):
        return redirect(outcome)
    app = host.world.apps.get(outcome.client_id)
    page = consent_page(outcome, app, host.url + DECIDE_PATH, outcome.login_hint or "")
    return text_response(page, 200, HTML)


@post(DECIDE_PATH)
async def authorize_decide(request: AnyRequest) -> Response[bytes]:
    host = host_of(request)
    form = first_values(await request.form())
    request_id = form.get("request_id", "")
    username = form.get("username", "")
    try:
        location = decide(
            host.world, host.role, request_id, username, form.get("decision", "")
        )
    except AuthorizePageError as exc:
        return text_response(error_page(exc.error, exc.description), 400, HTML)
    except LoginFailed as exc:
        return _login_failed(host, request_id, username, str(exc))
    return redirect(location)


def _login_failed(
    host: Host, request_id: str, username: str, message: str
) -> Response[bytes]:
    # Salesforce shows the login form again with a message, with status 200.
    pending = host.world.pending[request_id]
    app = host.world.apps.get(pending.client_id)
    page = consent_page(pending, app, host.url + DECIDE_PATH, username, message)
    return text_response(page, 200, HTML)


@post("/services/oauth2/token")
async def token(request: AnyRequest) -> Response[bytes]:
    host = host_of(request)
    form = first_values(await request.form())
    grant_type = form.get("grant_type", "")
    with host.world.lock:
        host.world.stats.token_requests[(host.role, grant_type)] += 1
    try:
        body = await _grant(host, grant_type, form)
    except OAuthError as exc:
        return _oauth_error(exc)
    return json_response(body, headers={"Cache-Control": "no-cache,must-revalidate"})


async def _grant(host: Host, grant_type: str, form: dict[str, str]) -> dict[str, Any]:
    if grant_type == "authorization_code":
        return exchange_code(host.world, host.role, form)
    if grant_type == "refresh_token":
        return await _refresh(host, form)
    raise OAuthError("unsupported_grant_type", "grant type not supported")


async def _refresh(host: Host, form: dict[str, str]) -> dict[str, Any]:
    world = host.world
    value = start_refresh(world, host.role, form)
    try:
        if world.refresh_delay > 0:
            await asyncio.sleep(world.refresh_delay)
        return finish_refresh(world, host.role, value)
    finally:
        with world.lock:
            world.refreshing.discard(value)


@post("/services/oauth2/revoke")
async def revoke_token(request: AnyRequest) -> Response[bytes]:
    host = host_of(request)
    form = first_values(await request.form())
    try:
        revoke(host.world, host.role, form.get("token", ""))
    except OAuthError as exc:
        return _oauth_error(exc)
    return Response(content=b"", status_code=200)


def _oauth_error(exc: OAuthError) -> Response[bytes]:
    return json_response(
        {"error": exc.error, "error_description": exc.description}, status=400
    )


ROUTES = [authorize, authorize_decide, token, revoke_token]
