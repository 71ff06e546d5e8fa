"""How the records adapter translates error arrays, outages and ambiguous POSTs."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from adapters.salesforce import HttpxSalesforceRecords
from adapters.salesforce.records import SYNC_RETRIES
from adapters.salesforce.retries import RetryPolicy
from application.errors import (
    ApiDisabled,
    ApiError,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
)
from domain.crm import CrmObject
from tests.integration.salesforce.common import NO_WAIT, tokens_for
from tests.integration.salesforce.scripted import Scripted, Step, answer, fail, html

ECHOED = (
    "\nSELECT Id, Nope__c FROM Lead WHERE Email = 'ada@example.com'\n"
    "           ^\nERROR at Row:1:Column:12\n"
    "No such column 'Nope__c' on entity 'Lead'. If you are attempting to use a "
    "custom field, be sure to append the '__c' after the custom field name."
)
JOB = {"id": "750R0000000zlh9IAA", "state": "UploadComplete"}
Call = Callable[[HttpxSalesforceRecords], Awaitable[Any]]


def records(client: httpx.AsyncClient) -> HttpxSalesforceRecords:
    return HttpxSalesforceRecords(client, api_version="62.0", retry=NO_WAIT)


def error(status: int, code: str, message: str = "no", **extra: Any) -> Step:
    return answer(status, json=[{"message": message, "errorCode": code, **extra}])


CALLS: dict[str, Call] = {
    "query": lambda r: r.query(tokens_for(), "q", include_deleted=False),
    "query_more": lambda r: r.query_more(tokens_for(), "/services/data/v62.0/q/1-2"),
    "describe": lambda r: r.describe(tokens_for(), CrmObject.LEAD),
    "start_bulk_query": lambda r: r.start_bulk_query(
        tokens_for(), "q", include_deleted=True
    ),
    "bulk_query_state": lambda r: r.bulk_query_state(tokens_for(), "750x"),
    "bulk_results": lambda r: r.bulk_results(
        tokens_for(), "750x", locator=None, max_records=10, field_types={}
    ),
}
READS = [name for name in CALLS if name != "start_bulk_query"]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (answer(401, content=b""), SessionExpired),
        (error(401, "INVALID_SESSION_ID"), SessionExpired),
        (error(403, "REQUEST_LIMIT_EXCEEDED"), QuotaExhausted),
        (error(403, "API_DISABLED_FOR_ORG"), ApiDisabled),
        (error(404, "NOT_FOUND"), ApiError),
    ],
)
async def test_error_arrays_are_translated_and_never_retried(
    scripted: Scripted, call: str, step: Step, expected: type[Exception]
) -> None:
    client, wire = scripted(step)

    with pytest.raises(expected):
        await CALLS[call](records(client))

    assert len(wire.requests) == 1


@pytest.mark.parametrize("call", CALLS)
async def test_503s_are_retried_then_unavailable(scripted: Scripted, call: str) -> None:
    client, wire = scripted(html(503))

    with pytest.raises(SalesforceUnavailable):
        await CALLS[call](records(client))

    assert len(wire.requests) == NO_WAIT.attempts


async def test_a_syncs_reads_outlast_more_503s_than_a_persons_request(
    scripted: Scripted,
) -> None:
    no_wait = dataclasses.replace(SYNC_RETRIES, first_wait=0, max_wait=0, jitter=0)
    outage = [html(503)] * (SYNC_RETRIES.attempts - 1)
    client, wire = scripted(
        *outage, answer(json={"totalSize": 0, "done": True, "records": []})
    )
    sync_reads = HttpxSalesforceRecords(client, api_version="62.0", retry=no_wait)

    page = await sync_reads.query(tokens_for(), "q", include_deleted=False)

    assert page.records == []
    assert len(wire.requests) == SYNC_RETRIES.attempts > RetryPolicy().attempts


@pytest.mark.parametrize("call", READS)
@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_reads_are_retried_after_an_ambiguous_failure(
    scripted: Scripted, call: str, failure: type[httpx.TransportError]
) -> None:
    client, wire = scripted(fail(failure))

    with pytest.raises(SalesforceUnavailable) as raised:
        await CALLS[call](records(client))

    assert len(wire.requests) == NO_WAIT.attempts
    assert isinstance(raised.value.__cause__, failure)


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError]
)
async def test_a_job_creation_that_may_have_landed_is_not_sent_again(
    scripted: Scripted, failure: type[httpx.TransportError]
) -> None:
    client, wire = scripted(fail(failure), answer(json=JOB))

    with pytest.raises(SalesforceUnavailable):
        await CALLS["start_bulk_query"](records(client))

    assert len(wire.requests) == 1


@pytest.mark.parametrize("step", [fail(httpx.ConnectError), html(503)])
async def test_a_job_creation_surely_not_processed_is_sent_again(
    scripted: Scripted, step: Step
) -> None:
    client, wire = scripted(step, answer(json=JOB))

    job_id = await CALLS["start_bulk_query"](records(client))

    assert job_id == JOB["id"]
    assert len(wire.requests) == 2


async def test_an_unreadable_job_creation_answer_is_not_sent_again(
    scripted: Scripted,
) -> None:
    client, wire = scripted(answer(200, content=b"<html>"), answer(json=JOB))

    with pytest.raises(SalesforceUnavailable):
        await CALLS["start_bulk_query"](records(client))

    assert len(wire.requests) == 1


async def test_an_invalid_field_names_the_field_and_drops_the_echoed_query(
    scripted: Scripted,
) -> None:
    client, _ = scripted(error(400, "INVALID_FIELD", ECHOED))

    with pytest.raises(ApiError) as raised:
        await CALLS["query"](records(client))

    assert raised.value.error_code == "INVALID_FIELD"
    assert raised.value.fields == ("Nope__c",)
    assert raised.value.message.startswith("No such column 'Nope__c'")
    assert "ada@example.com" not in str(raised.value)


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("unexpected token: 'FORM'", ("FORM",)),
        (
            "\nSELECT Id FORM Lead\n ^\nERROR at Row:1:Column:11\n"
            "unexpected token: FORM",
            ("FORM",),
        ),
        ("duplicate field selected: Email", ("Email",)),
        ("unexpected token: expecting ')'", ()),
    ],
)
async def test_a_malformed_query_names_the_token_it_stumbled_on(
    scripted: Scripted, message: str, named: tuple[str, ...]
) -> None:
    client, _ = scripted(error(400, "MALFORMED_QUERY", message))

    with pytest.raises(ApiError) as raised:
        await CALLS["query"](records(client))

    assert (raised.value.error_code, raised.value.fields) == ("MALFORMED_QUERY", named)


async def test_fields_sent_by_salesforce_win_over_the_message(
    scripted: Scripted,
) -> None:
    client, _ = scripted(
        error(400, "INVALID_FIELD", "No such column 'A'", fields=["Sent__c"])
    )

    with pytest.raises(ApiError) as raised:
        await CALLS["query"](records(client))

    assert raised.value.fields == ("Sent__c",)


async def test_a_bulk_job_error_surfaces_the_query_error_inside_it(
    scripted: Scripted,
) -> None:
    wrapped = "Failed to process query: INVALID_FIELD: " + ECHOED
    client, _ = scripted(error(400, "INVALIDJOB", wrapped))

    with pytest.raises(ApiError) as raised:
        await CALLS["start_bulk_query"](records(client))

    assert (raised.value.error_code, raised.value.fields) == (
        "INVALID_FIELD",
        ("Nope__c",),
    )
    assert raised.value.status == 400
    assert "SELECT" not in raised.value.message


async def test_other_bulk_job_errors_keep_their_code(scripted: Scripted) -> None:
    client, _ = scripted(error(400, "INVALIDJOBSTATE", "Job is not complete"))

    with pytest.raises(ApiError) as raised:
        await CALLS["bulk_results"](records(client))

    assert (raised.value.error_code, raised.value.fields) == ("INVALIDJOBSTATE", ())
