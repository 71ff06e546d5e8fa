"""Routes for sync jobs: start one, follow it, list the history, cancel it."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from litestar import Request, Response, Router, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter

from application.sync.jobs import MAX_LISTED, CancelSync, GetSync, ListSyncs, StartSync
from application.sync.run_sync import RunSync
from domain.workspace import Actor
from entrypoints.container import resolve
from entrypoints.http.deps import (
    authenticate,
    current_actor,
    description,
    managers_only,
)
from entrypoints.http.openapi import errors
from entrypoints.http.query import (
    bounded_path,
    integer,
    moment,
    no_query,
    query_of,
)
from entrypoints.http.schemas import strict_body
from entrypoints.http.sync_schemas import SyncBody, SyncHistoryView, SyncView

DEFAULT_LISTED = 20
ACTIVE_NOW = {
    409: "A sync is already queued or running, or Salesforce is not connected",
    503: "No runner took the job (code sync_not_scheduled): it ended failed",
}
ENDED_ALREADY = {409: "The sync has already ended"}

Limit = Annotated[
    str | None, Parameter(description=f"1..{MAX_LISTED} jobs, newest first")
]
Before = Annotated[
    str | None,
    Parameter(description="only jobs created before this ISO 8601 date-time"),
]


@post(
    "/syncs",
    status_code=202,
    description=f"{description(StartSync)}\n\nThe job then runs:\n\n"
    f"{inspect.cleandoc(RunSync.__doc__ or '')}",
    before_request=strict_body(SyncBody, optional=True),
    guards=[managers_only("start a sync"), no_query],
    responses=errors(401, 403, 409, 413, 422, 503, when=ACTIVE_NOW),
)
async def start_sync(
    actor: NamedDependency[Actor],
    state: State,
    data: JSONBody[SyncBody | None] = None,
) -> SyncView:
    body = data or SyncBody()
    use_case = await resolve(state.container.start_sync, StartSync)
    command = StartSync.Command(actor=actor, mode=body.mode, objects=body.objects)
    return SyncView.of(await use_case.execute(command))


@get("/syncs", description=description(ListSyncs), responses=errors(401, 422))
async def list_syncs(
    actor: NamedDependency[Actor],
    state: State,
    request: Request[Any, Any, Any],
    limit: Limit = None,
    before: Before = None,
) -> SyncHistoryView:
    query = query_of(request, {"limit", "before"})
    count = integer(query, "limit", low=1, high=MAX_LISTED, default=DEFAULT_LISTED)
    use_case = await resolve(state.container.list_syncs, ListSyncs)
    page = await use_case.execute(actor, limit=count, before=moment(query, "before"))
    return SyncHistoryView(
        items=[SyncView.of(job) for job in page.items],
        next_before=page.next_before,
    )


@get(
    "/syncs/{job_id:str}",
    description=description(GetSync),
    guards=[bounded_path, no_query],
    responses=errors(401, 404, 422),
)
async def show_sync(
    actor: NamedDependency[Actor],
    state: State,
    job_id: FromPath[str],
) -> SyncView:
    use_case = await resolve(state.container.get_sync, GetSync)
    return SyncView.of(await use_case.execute(actor, job_id))


@delete(
    "/syncs/{job_id:str}",
    status_code=202,
    guards=[managers_only("cancel a sync"), bounded_path, no_query],
    description=f"{description(CancelSync)}\n\n202 while the job still runs "
    "(it stops at its next page); 200 when the cancel ended it at once (a "
    "queued job, or a dead worker's); 409 if it had already ended.",
    responses={
        200: ResponseSpec(
            data_container=SyncView,
            description="The cancel ended the job at once (a queued job, or a "
            "dead worker's): it is cancelled",
            generate_examples=False,
        ),
        **errors(401, 403, 404, 409, 422, when=ENDED_ALREADY),
    },
)
async def cancel_sync(
    actor: NamedDependency[Actor],
    state: State,
    job_id: FromPath[str],
) -> Response[SyncView]:
    use_case = await resolve(state.container.cancel_sync, CancelSync)
    job = await use_case.execute(actor, job_id)
    return Response(SyncView.of(job), status_code=202 if job.is_active else 200)


sync_routes = Router(
    path="/api/crm/salesforce",
    route_handlers=[start_sync, list_syncs, show_sync, cancel_sync],
    guards=[authenticate],
    dependencies={"actor": Provide(current_actor)},
    security=[{"BearerToken": []}],
    tags=["sync"],
)
