"""Test support: the fake org's Bulk API 2.0 query jobs and their result pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from application.errors import ApiError
from application.ports import ApiUsage
from application.sync.ports import BulkPage
from tests.fakes.salesforce.rendering import RestRendering
from tests.fakes.salesforce.soql import Record, SyncQuery, query_error
from tests.fakes.salesforce.tables import BulkJob

_NUMBERS = {
    "int": int,
    "long": int,
    "double": float,
    "currency": float,
    "percent": float,
}


class BulkJobs(RestRendering):
    """Jobs that stay `InProgress` for `bulk_polls` polls, then end as told."""

    def start_bulk_query(self, soql: str, *, include_deleted: bool) -> str:
        query = SyncQuery.parse(soql)
        rows = self._select(query, include_deleted)
        if any(self._resolve(query.obj, name).is_compound for name in query.fields):
            message = "Selecting compound data not supported in Bulk Query"
            raise query_error("API_ERROR", message)
        job_id = f"750FAKE{next(self._ids):011d}"
        self._jobs[job_id] = BulkJob(
            query.obj, query.fields, rows, self.bulk_polls, self.bulk_final_state
        )
        return job_id

    def forget_bulk_jobs(self) -> None:
        """As Salesforce does some days after a job: its id answers 404."""
        self._jobs.clear()

    def bulk_query_state(self, job_id: str) -> str:
        job = self._job(job_id)
        state = "InProgress" if job.polls_left else job.final_state
        job.polls_left = max(job.polls_left - 1, 0)
        return state

    def abort_bulk_query(self, job_id: str) -> None:
        """As Salesforce: a job not yet finished ends `Aborted`; an ended one
        answers 400 `INVALIDJOBSTATE`."""
        job = self._job(job_id)
        if not job.polls_left:
            message = f"Aborting a job in state {job.final_state}"
            raise query_error("INVALIDJOBSTATE", message)
        job.polls_left = 0
        job.final_state = "Aborted"

    def bulk_results(
        self,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
        usage: ApiUsage,
    ) -> BulkPage:
        job = self._job(job_id)
        if job.polls_left or job.final_state != "JobComplete":
            raise query_error("INVALIDJOBSTATE", "the job is not complete")
        start = int(locator.removeprefix("fake-")) if locator else 0
        end = start + max_records
        records = [
            self._bulk_record(job, row, field_types) for row in job.rows[start:end]
        ]
        following = f"fake-{end}" if end < len(job.rows) else None
        return BulkPage(records=records, locator=following, api_usage=usage)

    def _job(self, job_id: str) -> BulkJob:
        job = self._jobs.get(job_id)
        if job is None:
            message = "The requested resource does not exist"
            raise ApiError(message, error_code="NOT_FOUND", status=404)
        return job

    def _bulk_record(
        self, job: BulkJob, row: Record, field_types: Mapping[str, str]
    ) -> Record:
        """What the real adapter makes of a CSV row: values through the text
        Bulk sends, typed by `field_types`, an all-empty relationship null."""
        rendered = self._render(job.obj, row, job.fields)
        record: Record = {}
        for name in job.fields:
            *heads, leaf = name.split(".")
            node = record
            for head in heads:
                node = node.setdefault(head, {})
            node[leaf] = _as_bulk(_read(rendered, name), field_types.get(name))
        return _collapse(record)


def _read(record: Record | None, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _as_bulk(value: Any, kind: str | None) -> Any:
    if value is None or value == "":
        return None
    if kind == "boolean" or kind == "datetime":
        return value
    if kind in _NUMBERS:
        return _NUMBERS[kind](value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _collapse(record: Record) -> Record:
    for key, value in record.items():
        if isinstance(value, dict):
            inner = _collapse(value)
            empty = all(v is None for v in inner.values())
            record[key] = None if empty else inner
    return record
