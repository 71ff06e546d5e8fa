"""`PATCH /composite/sobjects`: up to 200 updates, one result per record."""

from __future__ import annotations

from typing import Any

from litestar import Response, patch

from sfemulator.record_ops import update_record
from sfemulator.records import RecordError
from sfemulator.rest_auth import RestCall, authenticate
from sfemulator.web import AnyRequest
from sfemulator.world import World

MAX_RECORDS = 200
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the "
    "request was using AllOrNone header",
    "fields": [],
}


@patch("/services/data/{version:str}/composite/sobjects")
async def update_many(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    body = call.json_object(await request.body())
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise call.fail(400, "INVALID_FIELD", "records are required")
    if len(records) > MAX_RECORDS:
        message = (
            "record limit reached. cannot submit more than 200 records into this call"
        )
        raise call.fail(400, "EXCEEDED_ID_LIMIT", message)
    world = call.world
    with world.lock:
        if body.get("allOrNone") is True:
            return call.ok(_all_or_none(world, call, records))
        return call.ok([_apply(world, call, record) for record in records])


def _apply(world: World, call: RestCall, record: Any) -> dict[str, Any]:
    record_id = record.get("id") if isinstance(record, dict) else None
    try:
        if not isinstance(record, dict):
            raise RecordError("INVALID_FIELD", "each record must be an object", [])
        values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
        sobject = (record.get("attributes") or {}).get("type")
        if not sobject or not record_id:
            raise RecordError(
                "INVALID_FIELD", "attributes.type and id are required", []
            )
        update_record(
            world.records, call.org.id, sobject, str(record_id), values, api=True
        )
    except RecordError as exc:
        error = {
            "statusCode": exc.status_code,
            "message": exc.message,
            "fields": exc.fields,
        }
        return {"id": record_id, "success": False, "errors": [error]}
    return {"id": record_id, "success": True, "errors": []}


def _all_or_none(
    world: World, call: RestCall, records: list[Any]
) -> list[dict[str, Any]]:
    # Keep copies of the rows about to change: one failure undoes them all.
    backups = [(row, list(row)) for row in _targets(world, call, records)]
    results = [_apply(world, call, record) for record in records]
    if all(result["success"] for result in results):
        return results
    for row, copy in backups:
        row[:] = copy
    return [
        result if not result["success"] else _rolled_back(result) for result in results
    ]


def _rolled_back(result: dict[str, Any]) -> dict[str, Any]:
    return result | {"success": False, "errors": [ROLLED_BACK]}


def _targets(world: World, call: RestCall, records: list[Any]) -> list[list[Any]]:
    rows = []
    for record in records:
        try:
            sobject = record["attributes"]["type"]
            row = world.records.table(call.org.id, sobject).rows.get(record["id"])
        except (KeyError, TypeError, RecordError):
            continue
        if row is not None:
            rows.append(row)
    return rows


ROUTES = [update_many]
