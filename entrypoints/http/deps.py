"""What route handlers are given: the caller, and use cases from the container.

Handlers take the container from the app's `state` (a parameter Litestar
fills in itself), not as a dependency: next to `actor`, a second dependency
made Litestar resolve both in a task group, two tasks on every request.
"""

from __future__ import annotations

import inspect
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from application.access import require_manager
from domain.workspace import Actor
from entrypoints.bearer import actor_from_header


async def authenticate(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A guard: runs before anything reads the body, so 401 comes first."""
    secret: str = connection.app.state.jwt_secret
    header = connection.headers.get("authorization")
    connection.state.actor = actor_from_header(header, secret)


def managers_only(action: str) -> Guard:
    """A guard refusing anyone but an Owner or Admin, first among a route's
    guards: before the query, path or body is checked, a member learns
    nothing of their rules. The use case checks the role again."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        require_manager(connection.state.actor, action)

    return guard


async def current_actor(request: Request[Any, Any, Any]) -> Actor:
    """The verified caller; every route acts on `actor.workspace_id` only."""
    actor: Actor = request.state.actor
    return actor


def description(use_case: type) -> str:
    """A use case's docstring, reused as the route's OpenAPI description."""
    return inspect.cleandoc(use_case.__doc__ or "")
