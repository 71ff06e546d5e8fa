"""Application port for reading Salesforce records: REST pages and Bulk API 2.0."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import msgspec

from application.ports import ApiUsage
from domain.crm import CrmObject, ObjectDescribe
from domain.tokens import TokenSet

Record = dict[str, Any]


class QueryPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a REST query: records as Salesforce sent them."""

    records: list[Record]
    total_size: int
    next_records_url: str | None
    api_usage: ApiUsage | None = None


class BulkPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of Bulk API 2.0 results, already typed like REST records."""

    records: list[Record]
    locator: str | None
    api_usage: ApiUsage | None = None


class SalesforceRecords(Protocol):
    """Reading records from Salesforce. Errors as in `SalesforceApi`.

    Every call but `server_time` and `last_usage` is one API request against
    the daily quota; callers count them.
    """

    def last_usage(self, tokens: TokenSet) -> ApiUsage | None:
        """The daily usage of the tokens' org as the latest answer from it
        reported, whichever call it answered; None before any. Not a request.
        """
        ...

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        """Salesforce's clock now, as its answers date them; None when an
        answer carries no date. Not an API request: no quota is spent."""
        ...

    async def query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> QueryPage:
        """First page of `/query` (or `/queryAll` with deleted rows)."""
        ...

    async def query_more(self, tokens: TokenSet, next_records_url: str) -> QueryPage:
        """The page at `nextRecordsUrl`, followed exactly as given."""
        ...

    async def describe(self, tokens: TokenSet, obj: CrmObject) -> ObjectDescribe:
        """The object's fields from `/sobjects/{obj}/describe`."""
        ...

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        """Create a Bulk API 2.0 query job (`queryAll` with deleted rows); its id."""
        ...

    async def bulk_query_state(self, tokens: TokenSet, job_id: str) -> str:
        """The job's state: UploadComplete, InProgress, JobComplete, Failed, Aborted."""
        ...

    async def abort_bulk_query(self, tokens: TokenSet, job_id: str) -> None:
        """Abort a job not yet finished, so Salesforce stops preparing its
        results; an `ApiError` when it has ended (or is gone)."""
        ...

    async def bulk_results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        """A page of CSV results, converted to typed records using `field_types`
        (describe types by selected field name, relationship fields dotted)."""
        ...
