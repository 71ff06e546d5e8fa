"""Wire format of the REST adapter: URLs, query encoding, error arrays, usage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from adapters.salesforce import HttpxSalesforceApi
from adapters.salesforce.rest_wire import QueryPage
from application.errors import (
    ApiDisabled,
    ApiError,
    ApiVersionRetired,
    QuotaExhausted,
    SessionExpired,
)
from application.ports import ApiUsage
from tests.integration.salesforce.common import NO_WAIT, ORG_ID, tokens_for
from tests.integration.salesforce.scripted import Scripted, answer

INSTANCE = "https://acme.my.salesforce.com"
ORG_PAGE = {
    "totalSize": 1,
    "done": True,
    "records": [
        {
            "attributes": {"type": "Organization", "url": "/x"},
            "Id": ORG_ID,
            "IsSandbox": True,
            "OrganizationType": "Developer Edition",
        }
    ],
}


def api(client: Any) -> HttpxSalesforceApi:
    return HttpxSalesforceApi(client, api_version="62.0", retry=NO_WAIT)


async def test_organization_queries_the_versioned_endpoint(scripted: Scripted) -> None:
    client, wire = scripted(answer(json=ORG_PAGE))
    tokens = tokens_for(INSTANCE + "/")

    org = await api(client).organization(tokens)

    assert (org.org_id, org.is_sandbox, org.organization_type) == (
        ORG_ID,
        True,
        "Developer Edition",
    )
    assert wire.last.url.path == "/services/data/v62.0/query"
    assert wire.last.url.host == "acme.my.salesforce.com"
    assert wire.query() == {
        "q": "SELECT Id, IsSandbox, OrganizationType FROM Organization"
    }
    assert wire.last.headers["Authorization"] == f"Bearer {tokens.access_token}"


async def test_an_empty_organization_answer_is_an_api_error(scripted: Scripted) -> None:
    client, _ = scripted(answer(json={"totalSize": 0, "done": True, "records": []}))

    with pytest.raises(ApiError):
        await api(client).organization(tokens_for())


async def test_soql_plus_signs_survive_encoding(scripted: Scripted) -> None:
    soql = "SELECT Id FROM Lead WHERE SystemModstamp > 2024-01-15T10:30:00+01:00"
    client, wire = scripted(answer(json={"totalSize": 0, "done": True, "records": []}))

    await api(client).get_json(
        tokens_for(), "query", QueryPage[dict[str, Any]], params={"q": soql}
    )

    assert b"+01:00" not in wire.last.url.query
    assert wire.query()["q"] == soql


async def test_next_records_url_is_followed_exactly_as_given(
    scripted: Scripted,
) -> None:
    next_url = "/services/data/v58.0/query/01gD0000002HU6KIAW-2000"
    page = {"totalSize": 1, "done": True, "records": []}
    headers = {"Sforce-Limit-Info": "api-usage=9/100"}
    client, wire = scripted(answer(json=page, headers=headers))

    body, usage = await api(client).get_json_with_usage(
        tokens_for(INSTANCE), next_url, QueryPage[Any]
    )

    assert str(wire.last.url) == INSTANCE + next_url
    assert body.done
    assert usage == ApiUsage(used=9, max=100)


@pytest.mark.parametrize(
    "path", ["https://evil.example/steal", "//evil.example/steal", "http://x/y"]
)
async def test_the_bearer_token_never_leaves_the_instance(
    scripted: Scripted, path: str
) -> None:
    client, wire = scripted(answer(json={}))

    with pytest.raises(ValueError, match="path on the instance"):
        await api(client).get_json(tokens_for(), path, dict[str, Any])

    assert wire.requests == []


def test_api_version_accepts_a_leading_v() -> None:
    assert HttpxSalesforceApi(None, api_version="v61.0").api_version == "61.0"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "INVALID_SESSION_ID", SessionExpired),
        (403, "REQUEST_LIMIT_EXCEEDED", QuotaExhausted),
        (403, "API_DISABLED_FOR_ORG", ApiDisabled),
        (400, "MALFORMED_QUERY", ApiError),
        (404, "NOT_FOUND", ApiError),
    ],
)
async def test_error_arrays_become_application_errors(
    scripted: Scripted, status: int, code: str, expected: type[Exception]
) -> None:
    body = [{"message": "no", "errorCode": code, "fields": []}]
    client, wire = scripted(answer(status, json=body))

    with pytest.raises(expected):
        await api(client).get_json(tokens_for(), "limits", dict[str, Any])

    assert len(wire.requests) == 1


async def test_api_errors_keep_code_status_and_fields(scripted: Scripted) -> None:
    body = [
        {
            "message": "No such column 'Foo__c' on entity 'Lead'.",
            "errorCode": "INVALID_FIELD",
            "fields": ["Foo__c"],
        }
    ]
    client, _ = scripted(answer(400, json=body))

    with pytest.raises(ApiError) as raised:
        await api(client).get_json(tokens_for(), "query", dict[str, Any])

    error = raised.value
    assert type(error) is ApiError
    assert (error.error_code, error.status, error.fields) == (
        "INVALID_FIELD",
        400,
        ("Foo__c",),
    )
    assert "Foo__c" in error.message


async def test_a_401_without_a_body_is_session_expired(scripted: Scripted) -> None:
    client, _ = scripted(answer(401, content=b""))

    with pytest.raises(SessionExpired):
        await api(client).organization(tokens_for())


async def test_a_retired_version_answers_410(scripted: Scripted) -> None:
    body = [{"message": "The requested resource does not exist", "errorCode": "GONE"}]
    client, _ = scripted(answer(410, json=body))

    with pytest.raises(ApiVersionRetired) as raised:
        await api(client).organization(tokens_for())

    assert raised.value.status == 410


async def test_limits_give_used_and_max_and_are_remembered(
    scripted: Scripted,
) -> None:
    body = {
        "DailyApiRequests": {"Max": 15000, "Remaining": 14250},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
    }
    client, wire = scripted(answer(json=body))
    adapter = api(client)

    usage = await adapter.api_usage(tokens_for())

    assert usage == ApiUsage(used=750, max=15000)
    assert adapter.usage.last(tokens_for()) == usage
    assert wire.last.url.path == "/services/data/v62.0/limits"


async def test_every_answer_reports_usage_even_errors(scripted: Scripted) -> None:
    headers = {"Sforce-Limit-Info": "api-usage=42/15000"}
    body = [{"message": "no", "errorCode": "NOT_FOUND"}]
    client, _ = scripted(
        answer(json=ORG_PAGE, headers=headers),
        answer(404, json=body, headers={"Sforce-Limit-Info": "api-usage=43/15000"}),
    )
    adapter = api(client)

    await adapter.organization(tokens_for())
    first = adapter.usage.last(tokens_for())
    with pytest.raises(ApiError):
        await adapter.get_json(tokens_for(), "sobjects/Lead/00Q", dict[str, Any])

    assert first == ApiUsage(used=42, max=15000)
    assert adapter.usage.last(tokens_for()) == ApiUsage(used=43, max=15000)


async def test_usage_is_kept_per_org_not_per_shared_instance(
    scripted: Scripted,
) -> None:
    client, _ = scripted(
        answer(json=ORG_PAGE, headers={"Sforce-Limit-Info": "api-usage=1/100"}),
        answer(json=ORG_PAGE, headers={"Sforce-Limit-Info": "api-usage=7/900"}),
    )
    adapter = api(client)
    shared = "https://na42.salesforce.com"
    one = tokens_for(shared)
    other = msgspec.structs.replace(
        one, identity_url="https://login.salesforce.com/id/00D5e000000ZzZzEAK/005x/"
    )

    await adapter.organization(one)
    await adapter.organization(other)

    assert adapter.usage.last(one) == ApiUsage(used=1, max=100)
    assert adapter.usage.last(other) == ApiUsage(used=7, max=900)


async def test_query_errors_name_the_field_and_drop_the_echoed_query(
    scripted: Scripted,
) -> None:
    echoed = (
        "\nSELECT Id, Foo__c FROM Lead WHERE Email = 'ada@example.com'\n"
        "           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Foo__c' on entity 'Lead'."
    )
    client, _ = scripted(
        answer(400, json=[{"message": echoed, "errorCode": "INVALID_FIELD"}])
    )

    with pytest.raises(ApiError) as raised:
        await api(client).get_json(tokens_for(), "query", dict[str, Any])

    assert raised.value.fields == ("Foo__c",)
    assert raised.value.message == "No such column 'Foo__c' on entity 'Lead'."


@pytest.mark.parametrize(
    ("date", "read"),
    [
        ("Sat, 05 Dec 2026 17:40:01 GMT", datetime(2026, 12, 5, 17, 40, 1, tzinfo=UTC)),
        (
            "Sat, 05 Dec 2026 18:40:01 +0100",
            datetime(2026, 12, 5, 17, 40, 1, tzinfo=UTC),
        ),
        (
            "Sat, 05 Dec 2026 17:40:01 -0000",
            datetime(2026, 12, 5, 17, 40, 1, tzinfo=UTC),
        ),
        ("yesterday", None),
        (None, None),
    ],
    ids=["gmt", "offset", "minus zero", "unreadable", "missing"],
)
async def test_the_server_time_is_the_version_lists_date_asked_without_the_token(
    scripted: Scripted, date: str | None, read: datetime | None
) -> None:
    headers = {} if date is None else {"Date": date}
    client, wire = scripted(answer(json=[], headers=headers))

    server_time = await api(client).server_time(tokens_for(INSTANCE))

    assert server_time == read
    assert wire.last.url.path == "/services/data/"
    assert "Authorization" not in wire.last.headers
