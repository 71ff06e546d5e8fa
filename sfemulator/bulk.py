"""Bulk API 2.0 query jobs: create, poll, abort, and read CSV results by locator."""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass
from typing import Any

from litestar import Response, get, patch, post

from sfemulator.rest_auth import RestCall, authenticate
from sfemulator.schema import Field
from sfemulator.soql import Plan, SoqlError, parse
from sfemulator.soql.paths import Getter, getter
from sfemulator.timefmt import bulk_format, rest_format
from sfemulator.virtual import table_lookup
from sfemulator.web import AnyRequest

JOBS = "/services/data/{version:str}/jobs/query"
IN_PROGRESS = "InProgress"
COMPLETE = "JobComplete"
ABORTED = "Aborted"


@dataclass
class BulkJob:
    """One query job; its rows are taken when it is created.

    Creating a job copies the matching rows and answers at once, as
    Salesforce answers before it processes a job; each results page turns
    its slice into CSV text. Relationship fields (`Account.Name`) are read
    from the parent when the page is read.
    """

    id: str
    org_id: str
    user_id: str
    operation: str
    object: str
    created_ms: int
    header: list[str]
    rows: list[list[Any]]
    readers: list[tuple[Getter, Field]]
    polls_left: int
    # When the job was aborted (its systemModstamp since), or None.
    aborted_ms: int | None = None

    @property
    def state(self) -> str:
        if self.aborted_ms is not None:
            return ABORTED
        return IN_PROGRESS if self.polls_left > 0 else COMPLETE

    def lines(self, start: int, size: int) -> list[list[str]]:
        return [
            [cell(read(row), item.type) for read, item in self.readers]
            for row in self.rows[start : start + size]
        ]

    def info(self, version: str) -> dict[str, Any]:
        state = self.state
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.user_id,
            "createdDate": rest_format(self.created_ms),
            "systemModstamp": rest_format(self.aborted_ms or self.created_ms),
            "state": state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "numberRecordsProcessed": len(self.rows) if state == COMPLETE else 0,
        }


@post(JOBS)
async def create_job(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    body = call.json_object(await request.body())
    operation = body.get("operation")
    if operation not in ("query", "queryAll") or not isinstance(body.get("query"), str):
        raise call.fail(400, "INVALIDJOB", "operation and query are required")
    world = call.world
    with world.lock:
        try:
            job = _run(call, operation, body["query"])
        except SoqlError as exc:
            raise call.fail(400, "INVALIDJOB", f"{exc.code}: {exc.message}") from None
        world.bulk_jobs[job.id] = job
    return call.ok(job.info(call.version))


def _run(call: RestCall, operation: str, text: str) -> BulkJob:
    world = call.world
    query = parse(text)
    lookup = table_lookup(world, call.org)
    plan = Plan.make(query, lookup)
    readers = [getter(path, plan.table, lookup) for path in query.fields]
    if any(item.compound for _, item in readers):
        raise SoqlError(
            "API_ERROR", "Selecting compound data not supported in Bulk Query"
        )
    # Copies: the world changes rows in place, a job keeps what it matched.
    rows = [row.copy() for row in plan.rows(include_deleted=operation == "queryAll")]
    return BulkJob(
        id=world.ids.next("750"),
        org_id=call.org.id,
        user_id=call.user.id,
        operation=operation,
        object=plan.table.sobject,
        created_ms=int(world.now() * 1000),
        header=[path.text for path in query.fields],
        rows=rows,
        readers=readers,
        polls_left=world.bulk_polls_before_complete,
    )


def cell(value: Any, kind: str) -> str:
    """A value as a Bulk results cell shows it."""
    if value is None:
        return ""
    if kind == "datetime":
        return bulk_format(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _job(call: RestCall, job_id: str) -> BulkJob:
    job = call.world.bulk_jobs.get(job_id)
    if job is None or job.org_id != call.org.id:
        raise call.fail(404, "NOT_FOUND", "The requested resource does not exist")
    return job


@get(f"{JOBS}/{{job_id:str}}")
async def job_info(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    with call.world.lock:
        job = _job(call, request.path_params["job_id"])
        info = job.info(call.version)
        job.polls_left = max(job.polls_left - 1, 0)
    return call.ok(info)


@patch(f"{JOBS}/{{job_id:str}}")
async def change_job(request: AnyRequest) -> Response[bytes]:
    """Abort a job, the one change a query job takes: `{"state": "Aborted"}`.
    A job that has ended (complete or aborted) can no longer be aborted."""
    call = authenticate(request, request.path_params["version"])
    body = call.json_object(await request.body())
    if body != {"state": ABORTED}:
        raise call.fail(400, "INVALIDJOBSTATE", "a query job can only be Aborted")
    with call.world.lock:
        job = _job(call, request.path_params["job_id"])
        if job.state != IN_PROGRESS:
            raise call.fail(
                400, "INVALIDJOBSTATE", f"Aborting a job in state {job.state}"
            )
        job.aborted_ms = int(call.world.now() * 1000)
        info = job.info(call.version)
    return call.ok(info)


@get(f"{JOBS}/{{job_id:str}}/results")
async def job_results(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    with call.world.lock:
        job = _job(call, request.path_params["job_id"])
        if job.state != COMPLETE:
            said = "was aborted" if job.state == ABORTED else "is not complete yet"
            raise call.fail(400, "INVALIDJOBSTATE", f"the job {said}")
        start = _offset(call, request.query_params.get("locator"))
        size = _max_records(call, request.query_params.get("maxRecords"))
        chunk = job.lines(start, size)
        more = start + size < len(job.rows)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(job.header)
    writer.writerows(chunk)
    locator = _locator(start + size) if more else "null"
    headers = call.headers() | {
        "Sforce-Locator": locator,
        "Sforce-NumberOfRecords": str(len(chunk)),
    }
    return Response(
        content=out.getvalue().encode(), media_type="text/csv", headers=headers
    )


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(call: RestCall, locator: str | None) -> int:
    if not locator:
        return 0
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except ValueError:
        raise call.fail(400, "INVALIDLOCATOR", "invalid locator") from None


def _max_records(call: RestCall, text: str | None) -> int:
    if text is None:
        return call.world.bulk_page_size
    if not text.isdigit() or int(text) < 1:
        raise call.fail(
            400, "INVALIDPARAMETER", "maxRecords must be a positive integer"
        )
    return int(text)


ROUTES = [create_job, job_info, change_job, job_results]
