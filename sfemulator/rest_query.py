"""The query endpoints: /query, /queryAll and their nextRecordsUrl pages."""

from __future__ import annotations

import re
from typing import Any

from litestar import Response, get

from sfemulator.cursors import Cursor
from sfemulator.rest_auth import RestCall, authenticate
from sfemulator.soql import Plan, SoqlError, parse
from sfemulator.virtual import table_lookup
from sfemulator.web import AnyRequest

BASE = "/services/data/{version:str}"
_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.I)


@get([f"{BASE}/query", f"{BASE}/queryAll"])
async def query(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    endpoint = "queryAll" if "/queryAll" in request.url.path else "query"
    text = request.query_params.get("q")
    if not text:
        raise call.fail(400, "MALFORMED_QUERY", "A query string has to be specified")
    world = call.world
    with world.lock:
        try:
            plan = Plan.make(parse(text), table_lookup(world, call.org))
            rows = plan.rows(include_deleted=endpoint == "queryAll")
        except SoqlError as exc:
            raise call.fail(400, exc.code, exc.message) from None
        cursor = Cursor(
            id=world.cursors.new_id(),
            user_id=call.user.id,
            rows=rows,
            render=plan.renderer(call.version),
            page_size=_page_size(call, request.headers.get("sforce-query-options")),
            endpoint=endpoint,
            version=call.version,
            touched_at=world.now(),
        )
        records, next_url = world.cursors.page(cursor, 0)
        if next_url is not None:
            world.cursors.open(cursor)
    return call.ok(_page(len(rows), records, next_url))


@get([f"{BASE}/query/{{locator:str}}", f"{BASE}/queryAll/{{locator:str}}"])
async def query_more(request: AnyRequest) -> Response[bytes]:
    call = authenticate(request, request.path_params["version"])
    cursor_id, _, start = str(request.path_params["locator"]).rpartition("-")
    world = call.world
    with world.lock:
        cursor = world.cursors.find(cursor_id, call.user.id, world.now())
        if cursor is None or not start.isdigit() or int(start) > len(cursor.rows):
            raise call.fail(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        records, next_url = world.cursors.page(cursor, int(start))
    return call.ok(_page(len(cursor.rows), records, next_url))


def _page_size(call: RestCall, options: str | None) -> int:
    """The server's choice: forced by the world, else the hint within 200..2000."""
    forced = call.world.query_page_size
    if forced is not None:
        return forced
    hint = _BATCH.search(options or "")
    return min(max(int(hint.group(1)), 200), 2000) if hint else 2000


def _page(
    total: int, records: list[dict[str, Any]], next_url: str | None
) -> dict[str, Any]:
    page: dict[str, Any] = {"totalSize": total, "done": next_url is None}
    if next_url is not None:
        page["nextRecordsUrl"] = next_url
    page["records"] = records
    return page


ROUTES = [query, query_more]
