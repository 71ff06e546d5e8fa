"""Wire format of Bulk API 2.0 query jobs: the job POST, polls and CSV pages."""

from __future__ import annotations

import json

import httpx
import pytest

from adapters.salesforce import HttpxSalesforceRecords
from application.errors import ApiError, SalesforceUnavailable
from application.ports import ApiUsage
from tests.integration.salesforce.common import NO_WAIT, tokens_for
from tests.integration.salesforce.scripted import Scripted, Step, answer

INSTANCE = "https://acme.my.salesforce.com"
JOBS = "/services/data/v62.0/jobs/query"
JOB_ID = "750R0000000zlh9IAA"
SOQL = "SELECT Id, Name FROM Lead WHERE SystemModstamp <= 2024-01-15T10:30:00Z"


def records(client: httpx.AsyncClient) -> HttpxSalesforceRecords:
    return HttpxSalesforceRecords(client, api_version="62.0", retry=NO_WAIT)


def csv_page(body: str, locator: str | None = "null", **headers: str) -> Step:
    if locator is not None:
        headers["Sforce-Locator"] = locator
    headers["Content-Type"] = "text/csv"
    return answer(content=body.encode(), headers=headers)


@pytest.mark.parametrize(
    ("include_deleted", "operation"), [(False, "query"), (True, "queryAll")]
)
async def test_a_job_is_created_with_the_operation_and_the_query(
    scripted: Scripted, include_deleted: bool, operation: str
) -> None:
    job = {"id": JOB_ID, "operation": operation, "state": "UploadComplete"}
    client, wire = scripted(answer(json=job))
    tokens = tokens_for(INSTANCE)

    job_id = await records(client).start_bulk_query(
        tokens, SOQL, include_deleted=include_deleted
    )

    request = wire.last
    assert job_id == JOB_ID
    assert (request.method, request.url.path) == ("POST", JOBS)
    assert json.loads(request.content) == {"operation": operation, "query": SOQL}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {tokens.access_token}"


async def test_the_job_state_is_polled_on_the_job(scripted: Scripted) -> None:
    client, wire = scripted(answer(json={"id": JOB_ID, "state": "InProgress"}))

    state = await records(client).bulk_query_state(tokens_for(), JOB_ID)

    assert state == "InProgress"
    assert (wire.last.method, wire.last.url.path) == ("GET", f"{JOBS}/{JOB_ID}")


async def test_a_job_is_aborted_by_patching_its_state(scripted: Scripted) -> None:
    client, wire = scripted(answer(json={"id": JOB_ID, "state": "Aborted"}))

    await records(client).abort_bulk_query(tokens_for(), JOB_ID)

    request = wire.last
    assert (request.method, request.url.path) == ("PATCH", f"{JOBS}/{JOB_ID}")
    assert json.loads(request.content) == {"state": "Aborted"}


async def test_an_abort_refused_is_an_api_error(scripted: Scripted) -> None:
    refusal = [{"errorCode": "INVALIDJOBSTATE", "message": "Aborting a job"}]
    client, _ = scripted(answer(status=400, json=refusal))

    with pytest.raises(ApiError) as refused:
        await records(client).abort_bulk_query(tokens_for(), JOB_ID)

    assert refused.value.error_code == "INVALIDJOBSTATE"


async def test_a_job_id_cannot_climb_out_of_the_jobs_path(scripted: Scripted) -> None:
    client, wire = scripted(answer(json={"id": "x", "state": "Failed"}))

    await records(client).bulk_query_state(tokens_for(), "../../sobjects/x?y")

    assert wire.last.url.raw_path == f"{JOBS}/..%2F..%2Fsobjects%2Fx%3Fy".encode()


async def test_results_are_paged_by_the_locator_header(scripted: Scripted) -> None:
    client, wire = scripted(
        csv_page(
            '"Id"\n"00Q1"\n',
            locator="MTAwMA",
            **{"Sforce-Limit-Info": "api-usage=8/90"},
        ),
        csv_page('"Id"\n"00Q2"\n', locator="null"),
    )
    adapter = records(client)

    first = await adapter.bulk_results(
        tokens_for(), JOB_ID, locator=None, max_records=1000, field_types={}
    )
    second = await adapter.bulk_results(
        tokens_for(), JOB_ID, locator=first.locator, max_records=1000, field_types={}
    )

    assert (first.records, first.locator) == ([{"Id": "00Q1"}], "MTAwMA")
    assert (second.records, second.locator) == ([{"Id": "00Q2"}], None)
    assert first.api_usage == ApiUsage(used=8, max=90)
    assert second.api_usage is None
    assert wire.requests[0].url.path == f"{JOBS}/{JOB_ID}/results"
    assert wire.query(0) == {"maxRecords": "1000"}
    assert wire.query(1) == {"maxRecords": "1000", "locator": "MTAwMA"}
    assert wire.last.headers["Accept"] == "text/csv"


async def test_results_without_a_locator_are_not_taken_as_the_end(
    scripted: Scripted,
) -> None:
    client, wire = scripted(csv_page('"Id"\n"00Q1"\n', locator=None))

    with pytest.raises(SalesforceUnavailable, match="Sforce-Locator"):
        await records(client).bulk_results(
            tokens_for(), JOB_ID, locator=None, max_records=5, field_types={}
        )

    assert len(wire.requests) == NO_WAIT.attempts


@pytest.mark.parametrize(
    "body", ["", "\n", '"Id","Name"\n', '"Id","Name"\r\n', '\ufeff"Id"\n']
)
async def test_an_empty_result_has_no_records(scripted: Scripted, body: str) -> None:
    client, _ = scripted(csv_page(body))

    page = await records(client).bulk_results(
        tokens_for(), JOB_ID, locator=None, max_records=5, field_types={}
    )

    assert (page.records, page.locator) == ([], None)


@pytest.mark.parametrize(
    "body",
    [
        '"Id","IsDeleted"\n"00Q1","yes"\n',
        '"Id","NumberOfEmployees"\n"00Q1","many"\n',
        '"Id","Name"\n"00Q1"\n',
        '"Id","Name"\n"00Q1","unterminated\n',
        b'"Id"\n"\xff\xfe"\n'.decode("latin-1"),
    ],
)
async def test_unreadable_csv_is_an_outage_not_wrong_data(
    scripted: Scripted, body: str
) -> None:
    types = {"IsDeleted": "boolean", "NumberOfEmployees": "int"}
    client, _ = scripted(
        answer(content=body.encode("latin-1"), headers={"Sforce-Locator": "null"})
    )

    with pytest.raises(SalesforceUnavailable):
        await records(client).bulk_results(
            tokens_for(), JOB_ID, locator=None, max_records=5, field_types=types
        )
