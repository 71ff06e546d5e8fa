"""Wire format of the records adapter's REST half: query pages and describe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.salesforce import HttpxSalesforceRecords
from application.errors import SalesforceUnavailable
from application.ports import ApiUsage
from domain.crm import CrmObject, DescribedField
from tests.integration.salesforce.common import NO_WAIT, tokens_for
from tests.integration.salesforce.scripted import Scripted, answer, fail

INSTANCE = "https://acme.my.salesforce.com"
NEXT = "/services/data/v62.0/queryAll/01gD0000002HU6KIAW-2000"
CONTACT = {
    "attributes": {
        "type": "Contact",
        "url": "/services/data/v62.0/sobjects/Contact/003D000000QV7bXIAT",
    },
    "Id": "003D000000QV7bXIAT",
    "Email": None,
    "SystemModstamp": "2024-01-15T10:30:00.000+0000",
    "Account": {
        "attributes": {"type": "Account", "url": "/x/001"},
        "Name": "Café Olé 🍞",
    },
}
LOOSE = {"attributes": {"type": "Contact", "url": "/y"}, "Id": "003B", "Account": None}


def records(client: httpx.AsyncClient) -> HttpxSalesforceRecords:
    return HttpxSalesforceRecords(client, api_version="v62.0", retry=NO_WAIT)


def page(*rows: dict[str, Any], total: int = 2, next_url: str | None = None) -> Any:
    body: dict[str, Any] = {"totalSize": total, "done": next_url is None}
    if next_url:
        body["nextRecordsUrl"] = next_url
    return body | {"records": list(rows)}


def usage(used: int) -> dict[str, str]:
    return {"Sforce-Limit-Info": f"api-usage={used}/15000"}


@pytest.mark.parametrize(
    ("include_deleted", "endpoint"), [(False, "query"), (True, "queryAll")]
)
async def test_query_asks_the_versioned_endpoint_with_the_soql_encoded(
    scripted: Scripted, include_deleted: bool, endpoint: str
) -> None:
    soql = (
        "SELECT Id FROM Lead WHERE SystemModstamp > 2024-01-15T10:30:00+01:00 "
        "AND Name IN ('a&b=c', 'd\\'e #1', '100%', '陈 🌟')"
    )
    client, wire = scripted(answer(json=page()))
    tokens = tokens_for(INSTANCE)

    await records(client).query(tokens, soql, include_deleted=include_deleted)

    assert wire.last.url.path == f"/services/data/v62.0/{endpoint}"
    assert wire.query() == {"q": soql}
    assert b"+01:00" not in wire.last.url.query
    assert wire.last.headers["Authorization"] == f"Bearer {tokens.access_token}"


async def test_records_are_returned_exactly_as_salesforce_sent_them(
    scripted: Scripted,
) -> None:
    client, _ = scripted(answer(json=page(CONTACT, LOOSE, total=7, next_url=NEXT)))

    first = await records(client).query(tokens_for(), "q", include_deleted=True)

    assert first.records == [CONTACT, LOOSE]
    assert first.total_size == 7
    assert first.next_records_url == NEXT


async def test_a_done_page_has_no_next_url_even_if_one_is_sent(
    scripted: Scripted,
) -> None:
    body = page(LOOSE, total=1) | {"nextRecordsUrl": NEXT}
    client, _ = scripted(answer(json=body))

    last = await records(client).query(tokens_for(), "q", include_deleted=False)

    assert last.next_records_url is None


async def test_query_more_follows_the_url_exactly_and_reads_its_own_usage(
    scripted: Scripted,
) -> None:
    client, wire = scripted(
        answer(json=page(next_url=NEXT), headers=usage(41)),
        answer(json=page(LOOSE), headers=usage(42)),
    )
    adapter = records(client)
    tokens = tokens_for(INSTANCE)

    first = await adapter.query(tokens, "q", include_deleted=True)
    second = await adapter.query_more(tokens, first.next_records_url or "")

    assert str(wire.last.url) == INSTANCE + NEXT
    assert (first.api_usage, second.api_usage) == (
        ApiUsage(used=41, max=15000),
        ApiUsage(used=42, max=15000),
    )
    assert adapter.usage.last(tokens) == ApiUsage(used=42, max=15000)


async def test_an_answer_without_usage_reports_none(scripted: Scripted) -> None:
    client, _ = scripted(answer(json=page()))

    found = await records(client).query(tokens_for(), "q", include_deleted=True)

    assert found.api_usage is None


async def test_an_empty_result_is_one_done_page(scripted: Scripted) -> None:
    client, _ = scripted(answer(json=page(total=0)))

    empty = await records(client).query(tokens_for(), "q", include_deleted=True)

    assert (empty.records, empty.total_size, empty.next_records_url) == ([], 0, None)


@pytest.mark.parametrize(
    "url", ["https://evil.example/services/data", "//evil.example/x", "query/01g-2"]
)
async def test_query_more_takes_only_a_path_on_the_instance(
    scripted: Scripted, url: str
) -> None:
    client, wire = scripted(answer(json=page()))

    with pytest.raises(ValueError, match="path on the instance"):
        await records(client).query_more(tokens_for(), url)

    assert wire.requests == []


async def test_a_page_not_done_without_a_next_url_is_not_taken_as_the_end(
    scripted: Scripted,
) -> None:
    body = {"totalSize": 5, "done": False, "records": []}
    client, wire = scripted(answer(json=body))

    with pytest.raises(SalesforceUnavailable):
        await records(client).query(tokens_for(), "q", include_deleted=True)

    assert len(wire.requests) == NO_WAIT.attempts


async def test_a_cut_off_page_is_read_again(scripted: Scripted) -> None:
    client, wire = scripted(
        answer(content=b'{"totalSize": 1, "done": true, "records": [{"Id"'),
        fail(httpx.RemoteProtocolError),
        answer(json=page(LOOSE, total=1)),
    )

    found = await records(client).query(tokens_for(), "q", include_deleted=True)

    assert found.records == [LOOSE]
    assert len(wire.requests) == 3


DESCRIBE = {
    "name": "Lead",
    "label": "Lead",
    "keyPrefix": "00Q",
    "fields": [
        {
            "name": "Status",
            "label": "Lead Status",
            "type": "picklist",
            "length": 255,
            "nillable": False,
            "updateable": True,
            "filterable": True,
            "compoundFieldName": None,
            "relationshipName": None,
            "referenceTo": [],
            "picklistValues": [
                {"active": True, "value": "Open", "label": "Open"},
                {"active": False, "value": "Retired", "label": "Retired"},
                {"active": True, "value": "Qualified", "label": "Qualified"},
            ],
            "calculated": False,
            "soapType": "xsd:string",
        },
        {
            "name": "ConvertedContactId",
            "label": "Converted Contact ID",
            "type": "reference",
            "length": 18,
            "nillable": True,
            "updateable": False,
            "filterable": True,
            "compoundFieldName": None,
            "relationshipName": "ConvertedContact",
            "referenceTo": ["Contact"],
            "picklistValues": [],
        },
        {
            "name": "City",
            "label": "City",
            "type": "string",
            "length": 40,
            "nillable": True,
            "updateable": True,
            "filterable": True,
            "compoundFieldName": "Address",
            "relationshipName": None,
            "referenceTo": [],
            "picklistValues": [],
        },
    ],
}


async def test_describe_keeps_what_mapping_needs(scripted: Scripted) -> None:
    client, wire = scripted(answer(json=DESCRIBE))

    described = await records(client).describe(tokens_for(), CrmObject.LEAD)

    assert wire.last.url.path == "/services/data/v62.0/sobjects/Lead/describe"
    assert described.name == "Lead"
    assert described.fields == (
        DescribedField(
            name="Status",
            label="Lead Status",
            type="picklist",
            length=255,
            nillable=False,
            updateable=True,
            picklist_values=("Open", "Qualified"),
        ),
        DescribedField(
            name="ConvertedContactId",
            label="Converted Contact ID",
            type="reference",
            length=18,
            relationship_name="ConvertedContact",
            reference_to=("Contact",),
        ),
        DescribedField(
            name="City",
            label="City",
            type="string",
            length=40,
            updateable=True,
            compound_field_name="Address",
        ),
    )
