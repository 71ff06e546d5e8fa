"""Builds the ASGI app each listener serves, by role."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException

from sfemulator import (
    bulk,
    control_records,
    control_routes,
    identity,
    login_routes,
    rest_composite,
    rest_query,
    rest_routes,
    rest_sobjects,
)
from sfemulator.asgi import FaultMiddleware
from sfemulator.rest_auth import RestError, check_version
from sfemulator.web import AnyRequest, Host, host_of, text_response
from sfemulator.world import LOGIN, LOGIN_ROLES, World

_VERSIONED = re.compile(r"/services/data/(v[^/]+)")


def build_app(world: World, role: str) -> FaultMiddleware:
    """The app for one listener; the production login host also has /_emulator."""
    if role in LOGIN_ROLES:
        handlers = [*login_routes.ROUTES, *identity.ROUTES]
        if role == LOGIN:
            handlers += [*control_routes.ROUTES, *control_records.ROUTES]
        handlers.append(_index(role, handlers))
        errors: dict[Any, Any] = {}
    else:
        handlers = [
            *rest_routes.ROUTES,
            *rest_query.ROUTES,
            *rest_sobjects.ROUTES,
            *rest_composite.ROUTES,
            *bulk.ROUTES,
        ]
        errors = {RestError: _rest_error, HTTPException: _rest_http_error}
    app = Litestar(
        route_handlers=handlers,
        state=State({"host": Host(world, role)}),
        exception_handlers=errors,
        openapi_config=None,
        logging_config=None,
    )
    return FaultMiddleware(app, world, role)


def _index(role: str, handlers: list[Any]) -> Any:
    """A plain page at a login host's root (and at /_emulator on the
    production one) naming what the listener serves: the demo prints these
    addresses, and a browser opening them should not find a bare 404."""
    routes = sorted(
        f"{method:6} {path}"
        for handler in handlers
        for path in handler.paths
        for method in handler.http_methods
    )
    page = "\n".join(
        [
            f"Salesforce emulator, login listener {role!r} (for tests and the demo).",
            "",
            *routes,
            "",
        ]
    )
    paths = ["/", control_routes.PREFIX] if role == LOGIN else ["/"]

    @get(paths, include_in_schema=False)
    async def index() -> Response[bytes]:
        return text_response(page, 200, "text/plain")

    return index


def _rest_error(request: AnyRequest, exc: RestError) -> Response[bytes]:
    return exc.response()


def _rest_http_error(request: AnyRequest, exc: HTTPException) -> Response[bytes]:
    # Anything Litestar refuses (unknown path, wrong method) still answers
    # like Salesforce: a JSON array, and 410 first for a retired version.
    match = _VERSIONED.match(request.url.path)
    try:
        if match:
            check_version(host_of(request).world, match.group(1))
    except RestError as version_error:
        return version_error.response()
    if exc.status_code == 405:
        message = f"HTTP Method '{request.method}' not allowed."
        return RestError(405, "METHOD_NOT_ALLOWED", message).response()
    if exc.status_code == 404:
        message = "The requested resource does not exist"
        return RestError(404, "NOT_FOUND", message).response()
    return RestError(exc.status_code, "UNKNOWN_EXCEPTION", str(exc.detail)).response()
