"""Test support: the fake org's REST queries, paged by query locators."""

from __future__ import annotations

import re

from application.ports import ApiUsage
from application.sync.ports import QueryPage
from tests.fakes.salesforce.rendering import RestRendering
from tests.fakes.salesforce.soql import SyncQuery, query_error
from tests.fakes.salesforce.tables import Cursor

_NEXT_URL = re.compile(r"/services/data/v\d+\.0/(?:query|queryAll)/(\w+)-(\d+)")


class QueryCursors(RestRendering):
    """`query` and `queryMore`: a cursor per query, gone once read to the end."""

    def expire_query_cursors(self) -> None:
        self._cursors.clear()

    def query(self, soql: str, *, include_deleted: bool, usage: ApiUsage) -> QueryPage:
        query = SyncQuery.parse(soql)
        rows = self._select(query, include_deleted)
        records = [self._render(query.obj, row, query.fields) for row in rows]
        cursor_id = f"01gFAKE{next(self._ids):011d}"
        endpoint = "queryAll" if include_deleted else "query"
        self._cursors[cursor_id] = Cursor(records, endpoint)
        return self._page(cursor_id, 0, usage)

    def query_more(self, next_records_url: str, *, usage: ApiUsage) -> QueryPage:
        found = _NEXT_URL.fullmatch(next_records_url)
        if found is None or found[1] not in self._cursors:
            raise query_error("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(found[1], int(found[2]), usage)

    def _page(self, cursor_id: str, start: int, usage: ApiUsage) -> QueryPage:
        cursor = self._cursors[cursor_id]
        end = start + self.page_size
        following = None
        if end < len(cursor.records):
            following = f"/services/data/v62.0/{cursor.endpoint}/{cursor_id}-{end}"
        else:
            del self._cursors[cursor_id]
        return QueryPage(
            records=cursor.records[start:end],
            total_size=len(cursor.records),
            next_records_url=following,
            api_usage=usage,
        )
