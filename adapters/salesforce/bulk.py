"""Bulk API 2.0 query jobs over httpx: create one, poll it, read its CSV
pages, abort it."""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping
from urllib.parse import quote

import httpx

from adapters.salesforce.bulk_csv import read_records
from adapters.salesforce.http import SalesforceHttp, decode
from adapters.salesforce.records_wire import JobInfo
from adapters.salesforce.rest import HttpxSalesforceApi, instance_url
from adapters.salesforce.rest_wire import api_error
from adapters.salesforce.retries import Replay, Unreadable
from application.sync.ports import BulkPage
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)

JOBS = "jobs/query"
LOCATOR_HEADER = "Sforce-Locator"
LAST_LOCATOR = "null"
ABORTED = "Aborted"


class BulkQueryJobs:
    """The Bulk API 2.0 half of `HttpxSalesforceRecords`; one call, one request.

    Creating a job is not idempotent, so it is sent again only when Salesforce
    surely did not process it (the token POSTs' rule); polls and pages are
    retried on any transient failure.
    """

    def __init__(
        self, rest: HttpxSalesforceApi, client: httpx.AsyncClient, http: SalesforceHttp
    ) -> None:
        self._rest = rest
        self._client = client
        self._http = http

    async def start(self, tokens: TokenSet, soql: str, *, include_deleted: bool) -> str:
        body = {"operation": "queryAll" if include_deleted else "query", "query": soql}
        request = self._request(tokens, "POST", JOBS, json=body)

        def read(response: httpx.Response) -> str:
            self._rest.usage.observe(tokens, response)
            if response.status_code not in (200, 201):
                raise api_error(response)
            return decode(response.content, JobInfo).id

        job_id = await self._http.call(request, read, replay=Replay.UNPROCESSED)
        logger.debug("salesforce bulk query job %s created", job_id)
        return job_id

    async def state(self, tokens: TokenSet, job_id: str) -> str:
        job = await self._rest.get_json(tokens, _job_path(job_id), JobInfo)
        return job.state

    async def abort(self, tokens: TokenSet, job_id: str) -> None:
        body = {"state": ABORTED}
        request = self._request(tokens, "PATCH", _job_path(job_id), json=body)

        def read(response: httpx.Response) -> None:
            self._rest.usage.observe(tokens, response)
            if response.status_code != 200:
                raise api_error(response)

        # Sent again after a transient failure: a job already aborted by the
        # first try answers an error the caller takes as "ended" anyway.
        await self._http.call(request, read, replay=Replay.IDEMPOTENT)
        logger.debug("salesforce bulk query job %s aborted", job_id)

    async def results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        params = {"maxRecords": str(max_records)}
        if locator is not None:
            params["locator"] = locator
        path = f"{_job_path(job_id)}/results"
        request = self._request(tokens, "GET", path, params=params, accept="text/csv")

        def read(response: httpx.Response) -> BulkPage:
            usage = self._rest.usage.observe(tokens, response)
            if response.status_code != 200:
                raise api_error(response)
            following = response.headers.get(LOCATOR_HEADER)
            if following is None:
                # Taking a missing locator for the end would drop the rest.
                raise Unreadable(f"results without {LOCATOR_HEADER}")
            # Limitation: a page is built whole (its bytes, then all its
            # records) before its first batch commits: `BulkPage` carries a list.
            try:
                records = read_records(response.content, field_types)
            except (ValueError, csv.Error) as exc:
                raise Unreadable("unreadable CSV results") from exc
            more = following not in (LAST_LOCATOR, "")
            return BulkPage(
                records=records,
                locator=following if more else None,
                api_usage=usage,
            )

        page = await self._http.call(request, read, replay=Replay.IDEMPOTENT)
        logger.debug(
            "salesforce bulk job %s page of %d records, more=%s",
            job_id,
            len(page.records),
            page.locator is not None,
        )
        return page

    def _request(
        self,
        tokens: TokenSet,
        method: str,
        path: str,
        *,
        accept: str = "application/json",
        params: Mapping[str, str] | None = None,
        json: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        return self._client.build_request(
            method,
            instance_url(tokens, path, api_version=self._rest.api_version),
            params=params,
            json=json,
            headers={
                "Authorization": f"Bearer {tokens.access_token}",
                "Accept": accept,
            },
        )


def _job_path(job_id: str) -> str:
    return f"{JOBS}/{quote(job_id, safe='')}"
