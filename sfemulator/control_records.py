"""Control API for records: /_emulator/orgs/{org}/records/... and paging knobs."""

from __future__ import annotations

from typing import Any

from litestar import Response, delete, get, patch, post, put

from sfemulator.control_routes import PREFIX, call_world, world_of
from sfemulator.web import AnyRequest

RECORDS = f"{PREFIX}/orgs/{{org_id:str}}/records/{{sobject:str}}"
ONE = f"{RECORDS}/{{record_id:str}}"


def _keys(request: AnyRequest, *names: str) -> list[str]:
    return [str(request.path_params[name]) for name in names]


@post(RECORDS)
async def create_record(request: AnyRequest) -> Response[bytes]:
    world = world_of(request)
    org_id, sobject = _keys(request, "org_id", "sobject")

    def create(**body: Any) -> dict[str, str]:
        return {"id": world.create_record(org_id, sobject, **body)}

    return await call_world(request, create)


@get(RECORDS)
async def list_records(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject")
    return await call_world(request, world_of(request).list_records, *args)


@get(f"{PREFIX}/orgs/{{org_id:str}}/bulk-jobs")
async def list_bulk_jobs(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id")
    return await call_world(request, world_of(request).list_bulk_jobs, *args)


@get(ONE)
async def get_record(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject", "record_id")
    return await call_world(request, world_of(request).get_record, *args)


@patch(ONE)
async def update_record(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject", "record_id")
    return await call_world(request, world_of(request).update_record, *args)


@delete(ONE, status_code=200)
async def delete_record(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject", "record_id")
    return await call_world(request, world_of(request).delete_record, *args)


@post(f"{ONE}/undelete")
async def undelete_record(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject", "record_id")
    return await call_world(request, world_of(request).undelete_record, *args)


@post(f"{ONE}/purge")
async def purge_record(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject", "record_id")
    return await call_world(request, world_of(request).purge_record, *args)


@post(f"{PREFIX}/orgs/{{org_id:str}}/leads/{{record_id:str}}/convert")
async def convert_lead(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "record_id")
    return await call_world(request, world_of(request).convert_lead, *args)


@post(f"{PREFIX}/orgs/{{org_id:str}}/fields/{{sobject:str}}")
async def add_custom_field(request: AnyRequest) -> Response[bytes]:
    args = _keys(request, "org_id", "sobject")
    return await call_world(request, world_of(request).add_custom_field, *args)


@post(f"{PREFIX}/orgs/{{org_id:str}}/generate")
async def generate_records(request: AnyRequest) -> Response[bytes]:
    org_id = str(request.path_params["org_id"])
    return await call_world(request, world_of(request).generate_records, org_id)


@put(f"{PREFIX}/query-paging")
async def query_paging(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).set_query_paging)


@post(f"{PREFIX}/faults/expire-query-cursors")
async def expire_query_cursors(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).expire_query_cursors)


@put(f"{PREFIX}/timestamp-precision")
async def timestamp_precision(request: AnyRequest) -> Response[bytes]:
    return await call_world(request, world_of(request).set_timestamp_precision)


ROUTES = [
    create_record,
    list_records,
    list_bulk_jobs,
    get_record,
    update_record,
    delete_record,
    undelete_record,
    purge_record,
    convert_lead,
    add_custom_field,
    generate_records,
    query_paging,
    expire_query_cursors,
    timestamp_precision,
]
