"""The /_emulator control API on the production login host, mirroring `World`."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec
from litestar import Response, delete, get, patch, post, put

from sfemulator.authorize import (
    AuthorizePageError,
    LoginFailed,
    decide,
    start_authorization,
)
from sfemulator.session import NoLoginForm, require_form_for
from sfemulator.web import AnyRequest, host_of, json_response
from sfemulator.world import EmulatorError, World

PREFIX = "/_emulator"


def to_json(item: Any) -> Any:
    """A dataclass or container as JSON-ready values (sets become sorted lists)."""
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {key: to_json(value) for key, value in vars(item).items()}
    if isinstance(item, set | frozenset):
        return sorted(item)
    if isinstance(item, list | tuple):
        return [to_json(value) for value in item]
    if isinstance(item, dict):
        return {str(key): to_json(value) for key, value in item.items()}
    return item


async def _body(request: AnyRequest) -> dict[str, Any]:
    raw = await request.body()
    decoded = msgspec.json.decode(raw) if raw.strip() else {}
    if not isinstance(decoded, dict):
        raise EmulatorError("the body must be a JSON object")
    return decoded


async def call_world(request: AnyRequest, action: Any, *args: Any) -> Response[bytes]:
    """Run a world method with the JSON body as keyword arguments."""
    try:
        result = action(*args, **await _body(request))
    except (EmulatorError, TypeError, ValueError, msgspec.DecodeError) as exc:
        return json_response({"error": str(exc)}, 400)
    return json_response(to_json(result) if result is not None else {"ok": True})


def world_of(request: AnyRequest) -> World:
    return host_of(request).world


@get(f"{PREFIX}/state")
async def state(request: AnyRequest) -> Response[bytes]:
    world = world_of(request)
    with world.lock:
        return json_response(
            to_json(
                {
                    "urls": world.urls,
                    "orgs": list(world.orgs.values()),
                    "users": list(world.users.values()),
                    "apps": list(world.apps.values()),
                }
            )
        )


@post(f"{PREFIX}/reset")
async def reset(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).reset)


@post(f"{PREFIX}/orgs")
async def create_org(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).create_org)


@patch(f"{PREFIX}/orgs/{{org_id:str}}")
async def update_org(request: AnyRequest) -> Response[bytes]:
    org_id = request.path_params["org_id"]
    return await call_world(request, world_of(request).update_org, org_id)


@post(f"{PREFIX}/orgs/{{org_id:str}}/move")
async def move_org(request: AnyRequest) -> Response[bytes]:
    org_id = request.path_params["org_id"]
    return await call_world(request, world_of(request).move_org, org_id)


@put(f"{PREFIX}/orgs/{{org_id:str}}/quota")
async def set_quota(request: AnyRequest) -> Response[bytes]:
    org_id = request.path_params["org_id"]
    return await call_world(request, world_of(request).set_quota, org_id)


@post(f"{PREFIX}/users")
async def create_user(request: AnyRequest) -> Response[bytes]:
    body = await _body(request)
    org_id = body.pop("org_id", "")
    try:
        user = world_of(request).create_user(org_id, **body)
    except (EmulatorError, TypeError) as exc:
        return json_response({"error": str(exc)}, 400)
    return json_response(to_json(user))


@patch(f"{PREFIX}/users/{{user_id:str}}")
async def update_user(request: AnyRequest) -> Response[bytes]:
    user_id = request.path_params["user_id"]
    return await call_world(request, world_of(request).update_user, user_id)


@post(f"{PREFIX}/apps")
async def create_app(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).create_app)


@patch(f"{PREFIX}/apps/{{consumer_key:str}}")
async def update_app(request: AnyRequest) -> Response[bytes]:
    consumer_key = request.path_params["consumer_key"]
    return await call_world(request, world_of(request).update_app, consumer_key)


@post(f"{PREFIX}/sign-in")
async def sign_in(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).sign_in)


@post(f"{PREFIX}/consent")
async def consent(request: AnyRequest) -> Response[bytes]:
    """The consent form's path without HTML: {"authorization_url", "username"}."""
    world = world_of(request)
    body = await _body(request)
    url = urlsplit(str(body.get("authorization_url", "")))
    roles = {value: key for key, value in world.urls.items()}
    role = roles.get(f"{url.scheme}://{url.netloc}")
    if role is None or url.path != "/services/oauth2/authorize":
        return json_response({"error": "not an authorize URL of this emulator"}, 400)
    username = str(body.get("username", ""))
    decision = str(body.get("decision", "approve"))
    try:
        require_form_for(world, url.geturl(), username, decision)
        outcome = start_authorization(world, role, dict(parse_qsl(url.query)))
        if not isinstance(outcome, str):
            outcome = decide(world, role, outcome.request_id, username, decision)
    except NoLoginForm as exc:
        return json_response({"error": "no_login_form", "message": str(exc)}, 409)
    except AuthorizePageError as exc:
        return json_response(
            {"error": exc.error, "error_description": exc.description}, 400
        )
    except LoginFailed as exc:
        return json_response({"error": "login_failed", "message": str(exc)}, 409)
    return json_response({"location": outcome})


@post(f"{PREFIX}/faults/expire-access-tokens")
async def expire_access_tokens(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).expire_access_tokens)


@post(f"{PREFIX}/faults/expire-codes")
async def expire_codes(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).expire_codes)


@post(f"{PREFIX}/faults/revoke-grants")
async def revoke_grants(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).revoke_grants)


@post(f"{PREFIX}/faults/http")
async def add_http_fault(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).add_http_fault)


@delete(f"{PREFIX}/faults/http", status_code=200)
async def clear_http_faults(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).clear_http_faults)


@put(f"{PREFIX}/faults/refresh-delay")
async def refresh_delay(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).set_refresh_delay)


@post(f"{PREFIX}/clock/advance")
async def advance_clock(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).advance_clock)


@get(f"{PREFIX}/stats")
async def stats(request: AnyRequest) -> Response[bytes]:
    world = world_of(request)
    with world.lock:
        return json_response(world.stats.snapshot())


@delete(f"{PREFIX}/stats", status_code=200)
async def reset_stats(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).reset_stats)


ROUTES = [
    state,
    reset,
    create_org,
    update_org,
    move_org,
    set_quota,
    create_user,
    update_user,
    create_app,
    update_app,
    sign_in,
    consent,
    expire_access_tokens,
    expire_codes,
    revoke_grants,
    add_http_fault,
    clear_http_faults,
    refresh_delay,
    advance_clock,
    stats,
    reset_stats,
]
