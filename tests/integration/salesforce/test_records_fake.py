"""What only the fake promises: call counters, quota spending and its knobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.errors import ApiError
from domain.crm import CrmObject, DescribedField
from domain.soql import LEAD_CONVERSION_FIELDS, related_query, window_query
from tests.fakes.salesforce import FakeSalesforce

UNTIL = datetime(2030, 1, 1, tzinfo=UTC)
LEAD, CONTACT = CrmObject.LEAD, CrmObject.CONTACT


def window(obj: CrmObject, *fields: str) -> str:
    return window_query(obj, ("Id", *fields), after=None, until=UNTIL)


async def test_calls_are_counted_per_operation() -> None:
    fake = FakeSalesforce()
    tokens = fake.issue_tokens()
    fake.org.create(LEAD, {"LastName": "A"})
    fake.org.page_size = 1
    fake.org.create(LEAD, {"LastName": "B"})

    page = await fake.query(tokens, window(LEAD), include_deleted=True)
    await fake.query_more(tokens, page.next_records_url or "")
    await fake.describe(tokens, LEAD)

    assert fake.record_calls == {"query": 1, "query_more": 1, "describe": 1}
    assert fake.api_calls == 3


async def test_records_calls_spend_quota_only_when_asked() -> None:
    fake = FakeSalesforce()
    tokens = fake.issue_tokens()
    fake.api_used = 10

    quiet = await fake.query(tokens, window(LEAD), include_deleted=True)
    fake.spend_api_quota = True
    spent = await fake.query(tokens, window(LEAD), include_deleted=True)

    assert quiet.api_usage is not None
    assert spent.api_usage is not None
    assert (quiet.api_usage.used, spent.api_usage.used) == (10, 11)


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id FROM Lead",
        "SELECT Id FROM Lead WHERE Email = 'a' ORDER BY SystemModstamp ASC, Id ASC",
        window(LEAD).replace("Lead", "Opportunity"),
    ],
)
async def test_queries_the_sync_never_sends_are_refused(soql: str) -> None:
    fake = FakeSalesforce()

    with pytest.raises(ApiError) as raised:
        await fake.query(fake.issue_tokens(), soql, include_deleted=False)

    assert raised.value.error_code in ("MALFORMED_QUERY", "INVALID_TYPE")


async def test_a_failed_bulk_job_says_so_and_has_no_results() -> None:
    fake = FakeSalesforce()
    tokens = fake.issue_tokens()
    fake.org.bulk_final_state = "Failed"
    job = await fake.start_bulk_query(tokens, window(LEAD), include_deleted=True)

    state = await fake.bulk_query_state(tokens, job)

    assert state == "Failed"
    with pytest.raises(ApiError):
        await fake.bulk_results(
            tokens, job, locator=None, max_records=5, field_types={}
        )


async def test_converted_leads_and_custom_fields_read_back() -> None:
    fake = FakeSalesforce()
    tokens = fake.issue_tokens()
    score = DescribedField(name="Score__c", label="Score", type="double")
    fake.org.add_field(LEAD, score)
    contact = fake.org.create(CONTACT, {"LastName": "Doe"})
    lead = fake.org.create(LEAD, {"LastName": "Doe", "Score__c": 4.5})
    fake.org.convert_lead(
        lead, contact_id=contact, modstamp=datetime(2024, 2, 1, tzinfo=UTC)
    )

    page = await fake.query(
        tokens,
        window(LEAD, "SystemModstamp", "Score__c", *LEAD_CONVERSION_FIELDS),
        include_deleted=True,
    )
    described = await fake.describe(tokens, LEAD)

    assert page.records[0] | {"attributes": None} == {
        "attributes": None,
        "Id": lead,
        "SystemModstamp": "2024-02-01T00:00:00.000+0000",
        "Score__c": 4.5,
        "IsConverted": True,
        "ConvertedContactId": contact,
        "ConvertedAccountId": None,
    }
    assert described.field("score__c") == score


async def test_related_queries_unescape_their_literals() -> None:
    fake = FakeSalesforce()
    account = "001'odd\\id"
    fake.org.rows[CrmObject.ACCOUNT][account] = {"Id": account, "Name": "Odd"}
    wanted = fake.org.create(CONTACT, {"AccountId": account})
    fake.org.create(CONTACT, {"AccountId": "001other"}, modstamp=UNTIL + timedelta(1))
    soql = related_query(
        CONTACT,
        ("Id", "Account.Name"),
        reference="AccountId",
        ids=(account,),
        until=UNTIL,
    )

    page = await fake.query(fake.issue_tokens(), soql, include_deleted=True)

    assert [(r["Id"], r["Account"]["Name"]) for r in page.records] == [(wanted, "Odd")]
