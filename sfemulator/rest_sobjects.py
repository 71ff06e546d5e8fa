"""sObject endpoints: describe, deleted/updated history, read and write records."""

from __future__ import annotations

from litestar import Response, get, patch

from sfemulator.ids import PREFIXES
from sfemulator.record_ops import find_row, update_record
from sfemulator.records import RecordError, Table
from sfemulator.rest_auth import RestCall, authenticate
from sfemulator.timefmt import parse_datetime, rest_format
from sfemulator.web import AnyRequest

OBJECT = "/services/data/{version:str}/sobjects/{sobject:str}"
HISTORY_DAYS = 15
_DAY_MS = 86_400_000


def _table(call: RestCall, request: AnyRequest) -> Table:
    try:
        return call.world.records.table(call.org.id, request.path_params["sobject"])
    except RecordError:
        raise call.fail(
            404, "NOT_FOUND", "The requested resource does not exist"
        ) from None


@get(f"{OBJECT}/describe")
async def describe(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    with call.world.lock:
        table = _table(call, request)
        fields = [item.describe() for item in table.fields]
    return call.ok(
        {
            "name": table.sobject,
            "label": table.sobject,
            "keyPrefix": PREFIXES[table.sobject],
            "custom": False,
            "queryable": True,
            "updateable": True,
            "fields": fields,
        }
    )


@get([f"{OBJECT}/deleted", f"{OBJECT}/updated"])
async def history(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    deleted = request.url.path.rstrip("/").endswith("deleted")
    world = call.world
    with world.lock:
        table = _table(call, request)
        earliest, start, end = _window(call, request)
        flag, stamp = table.columns["IsDeleted"], table.columns["SystemModstamp"]
        hits = [
            row
            for row in table.rows.values()
            if bool(row[flag]) == deleted and start <= row[stamp] <= end
        ]
    if deleted:
        return call.ok(
            {
                "deletedRecords": [
                    {"id": row[0], "deletedDate": rest_format(row[stamp])}
                    for row in hits
                ],
                "earliestDateAvailable": rest_format(earliest),
                "latestDateCovered": rest_format(end),
            }
        )
    return call.ok(
        {"ids": [row[0] for row in hits], "latestDateCovered": rest_format(end)}
    )


def _window(call: RestCall, request: AnyRequest) -> tuple[int, int, int]:
    """Salesforce drops the seconds and keeps only 15 days of history."""
    start = parse_datetime(request.query_params.get("start") or "")
    end = parse_datetime(request.query_params.get("end") or "")
    if start is None or end is None:
        raise call.fail(400, "INVALID_REPLICATION_DATE", "start and end are required")
    now = int(call.world.now() * 1000)
    earliest = now - now % 60_000 - HISTORY_DAYS * _DAY_MS
    start, end = start - start % 60_000, end - end % 60_000
    if start < earliest:
        message = "startDate is before the earliest date available (15 days ago)"
        raise call.fail(400, "INVALID_REPLICATION_DATE", message)
    if end <= start:
        message = "startDate must chronologically precede endDate by at least a minute"
        raise call.fail(400, "INVALID_REPLICATION_DATE", message)
    return earliest, start, end


@get(f"{OBJECT}/{{record_id:str}}")
async def read_record(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    with call.world.lock:
        table = _table(call, request)
        try:
            row = find_row(table, request.path_params["record_id"])
        except RecordError as exc:
            raise call.fail(404, exc.status_code, exc.message) from None
        body = {item.name: table.value(row, item.name) for item in table.fields}
    url = f"/services/data/v{call.version}/sobjects/{table.sobject}/{body['Id']}"
    for item in table.fields:
        if item.type == "datetime":
            body[item.name] = rest_format(body[item.name])
    return call.ok({"attributes": {"type": table.sobject, "url": url}, **body})


@patch(f"{OBJECT}/{{record_id:str}}")
async def update(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    values = call.json_object(await request.body())
    values.pop("attributes", None)
    world = call.world
    with world.lock:
        table = _table(call, request)
        try:
            update_record(
                world.records,
                call.org.id,
                table.sobject,
                request.path_params["record_id"],
                values,
                api=True,
            )
        except RecordError as exc:
            status = 404 if exc.status_code == "NOT_FOUND" else 400
            raise call.fail(
                status, exc.status_code, exc.message, fields=exc.fields
            ) from None
    return Response(content=b"", status_code=204, headers=call.headers())


ROUTES = [describe, history, read_record, update]
