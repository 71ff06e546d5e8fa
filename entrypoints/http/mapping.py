"""Routes for the field mapping: the org's mappable fields, read and replace."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter

from application.sync.mapping import GetFieldMapping, ListFields, ReplaceFieldMapping
from domain.workspace import Actor
from entrypoints.container import resolve
from entrypoints.http.deps import (
    authenticate,
    current_actor,
    description,
    managers_only,
)
from entrypoints.http.openapi import errors, mapping_refused
from entrypoints.http.query import flag, no_query, only_query, query_of
from entrypoints.http.schemas import strict_body
from entrypoints.http.sync_schemas import (
    FieldMappingBody,
    FieldsView,
    MappingView,
    ReplacedMappingView,
    SyncView,
)

# Room for 200 rules with value maps; other routes keep the app's 16 KiB.
MAX_MAPPING_BYTES = 256 * 1024

Refresh = Annotated[
    str | None,
    Parameter(description="true: read the org's describe again, not the cache"),
]
Resync = Annotated[
    str | None,
    Parameter(description="true: queue a full sync of the objects whose rules changed"),
]


@get(
    "/fields",
    description=description(ListFields),
    responses=errors(401, 403, 409, 422, 502, 503),
)
async def list_fields(
    actor: NamedDependency[Actor],
    state: State,
    request: Request[Any, Any, Any],
    refresh: Refresh = None,
) -> FieldsView:
    query = query_of(request, {"refresh"})
    use_case = await resolve(state.container.list_fields, ListFields)
    return FieldsView(
        items=await use_case.execute(actor, refresh=flag(query, "refresh"))
    )


@get(
    "/field-mapping",
    description=description(GetFieldMapping),
    guards=[no_query],
    responses=errors(401, 422),
)
async def show_field_mapping(
    actor: NamedDependency[Actor], state: State
) -> MappingView:
    use_case = await resolve(state.container.get_field_mapping, GetFieldMapping)
    return MappingView.of(await use_case.execute(actor))


@put(
    "/field-mapping",
    description=description(ReplaceFieldMapping),
    before_request=strict_body(FieldMappingBody),
    guards=[managers_only("change the field mapping"), only_query("resync")],
    request_max_body_size=MAX_MAPPING_BYTES,
    responses=errors(401, 403, 409, 413, 502, 503) | mapping_refused(),
)
async def replace_field_mapping(
    actor: NamedDependency[Actor],
    state: State,
    request: Request[Any, Any, Any],
    data: JSONBody[FieldMappingBody],
    resync: Resync = None,
) -> ReplacedMappingView:
    query = query_of(request, {"resync"})
    use_case = await resolve(state.container.replace_field_mapping, ReplaceFieldMapping)
    command = ReplaceFieldMapping.Command(
        actor=actor, mapping=data.to_mapping(), resync=flag(query, "resync")
    )
    replaced = await use_case.execute(command)
    return ReplacedMappingView(
        people=replaced.mapping.people,
        companies=replaced.mapping.companies,
        resync=SyncView.of(replaced.resync) if replaced.resync else None,
    )


mapping_routes = Router(
    path="/api/crm/salesforce",
    route_handlers=[list_fields, show_field_mapping, replace_field_mapping],
    guards=[authenticate],
    dependencies={"actor": Provide(current_actor)},
    security=[{"BearerToken": []}],
    tags=["field mapping"],
)
