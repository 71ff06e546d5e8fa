"""The Litestar application: routes, auth, error table and access log wired up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State

from entrypoints.config import Config, load_config
from entrypoints.container import container_for, settle
from entrypoints.http.access_log import AccessLog
from entrypoints.http.callback import oauth_callback
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.header_limit import HeaderLimit
from entrypoints.http.health import health, health_head
from entrypoints.http.mapping import mapping_routes
from entrypoints.http.openapi import document_our_errors, openapi_config
from entrypoints.http.people import people_routes
from entrypoints.http.salesforce import salesforce_routes
from entrypoints.http.sync import sync_routes
from entrypoints.logs import configure_logging
from entrypoints.loop import freeze_start_up
from entrypoints.worker import ParentWatch, ServiceTask

MAX_BODY_BYTES = 16 * 1024


async def refuse_oversized_body(request: Request[Any, Any, Any]) -> None:
    """413 for a body larger than the route's limit, on a route that never
    reads one (those that do are held to it as they read). Reading it here
    has Litestar hold it to the limit: by its Content-Length before reading,
    or as a chunked one streams in."""
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if request.content_length or chunked:
        await request.body()


def create_app(container: Any, *, watches: Sequence[ServiceTask] = ()) -> Litestar:
    """The HTTP API over `container`; its resources open and close with the app.

    `watches` run for the app's whole life: started before the resources
    open, stopped after they close.
    """
    config: Config = container.config()
    app = Litestar(
        route_handlers=[
            salesforce_routes,
            mapping_routes,
            sync_routes,
            people_routes,
            oauth_callback,
            health,
            health_head,
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(_version()),
        lifespan=[*map(_watching, watches), _resources(container)],
        request_max_body_size=MAX_BODY_BYTES,
        before_request=refuse_oversized_body,
        logging_config=None,
        state=State(
            {
                "container": container,
                "jwt_secret": config.jwt_secret,
                "settings_page_url": config.settings_page_url,
            }
        ),
    )
    document_our_errors(app)
    app.asgi_handler = AccessLog(HeaderLimit(app.asgi_handler))
    return app


def app_for(config: Config) -> Litestar:
    """The app over a container built from `config`, as `crmbridge serve` runs it."""
    return create_app(container_for(config))


def app_from_environment() -> Litestar:
    """The app over the configuration in this process's environment: what each
    worker of `crmbridge serve --workers N` runs (uvicorn imports it by name).
    The parent has migrated the database and put its options in the
    environment; the configuration is read and checked here as it was there.
    The worker stops by itself if the parent dies without stopping it."""
    config = load_config(uses=())  # `serve` warned of generated secrets.
    configure_logging(config.log_level.value)
    container = container_for(config)
    # Resolved now, early: the parent it reads is the one it watches.
    supervisor = container.supervisor()
    watches = [supervisor] if isinstance(supervisor, ParentWatch) else []
    app = create_app(container, watches=watches)
    freeze_start_up()  # This process only serves the app.
    return app


def _resources(container: Any) -> Any:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await settle(container.init_resources())
        try:
            async with _running(await settle(container.scheduler())):
                yield
        finally:
            await settle(container.shutdown_resources())

    return lifespan


def _watching(task: ServiceTask) -> Any:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        async with _running(task):
            yield

    return lifespan


@asynccontextmanager
async def _running(task: object) -> AsyncIterator[None]:
    """`task` works between the lifespan's start and its end."""
    if not isinstance(task, ServiceTask):
        yield
        return
    await task.start()
    try:
        yield
    finally:
        await task.stop()


def _version() -> str:
    try:
        return version("crmbridge")
    except PackageNotFoundError:
        return "0.0.0"
