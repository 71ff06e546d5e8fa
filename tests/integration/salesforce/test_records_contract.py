"""The `SalesforceRecords` contract, played by the fake and the adapter + emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from application.errors import (
    ApiError,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
)
from application.sync.bulk import field_types
from application.sync.ports import QueryPage
from domain.crm import CrmObject
from domain.soql import SyncCursor, related_query, window_query
from tests.integration.salesforce.reading import (
    bulk_read,
    describes,
    read_all,
    without_attributes,
)
from tests.integration.salesforce.record_stages import RecordsStage

LEAD, CONTACT, ACCOUNT = CrmObject.LEAD, CrmObject.CONTACT, CrmObject.ACCOUNT
T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
UNTIL = T0 + timedelta(days=1)
LEAD_FIELDS = ("Id", "SystemModstamp", "IsDeleted", "LastName", "Company")
CONTACT_FIELDS = (
    "Id",
    "SystemModstamp",
    "IsDeleted",
    "FirstName",
    "LastName",
    "Email",
    "AccountId",
    "Account.Name",
    "Account.NumberOfEmployees",
)


def leads(stage: RecordsStage, count: int, *, at: datetime = T0) -> list[str]:
    return [
        stage.create(LEAD, {"LastName": f"L{n}", "Company": "Acme"}, modstamp=at)
        for n in range(count)
    ]


def window(obj: CrmObject, fields: tuple[str, ...], **options: Any) -> str:
    return window_query(obj, fields, after=options.get("after"), until=UNTIL)


def ids(pages: list[QueryPage]) -> list[str]:
    return [record["Id"] for page in pages for record in page.records]


async def send(stage: RecordsStage, soql: str, *, bulk: bool) -> object:
    """Start a Bulk job, or ask for a query's first page."""
    if bulk:
        return await stage.records.start_bulk_query(
            stage.tokens, soql, include_deleted=True
        )
    return await stage.records.query(stage.tokens, soql, include_deleted=True)


async def test_a_window_pages_through_ties_in_cursor_order(
    records_stage: RecordsStage,
) -> None:
    tied = leads(records_stage, 5)
    later = leads(records_stage, 1, at=T0 + timedelta(minutes=1))
    leads(records_stage, 1, at=UNTIL + timedelta(seconds=1))
    records_stage.set_page_size(2)

    pages = await read_all(records_stage, window(LEAD, LEAD_FIELDS))

    assert ids(pages) == [*tied, *later]
    assert [len(page.records) for page in pages] == [2, 2, 2]
    assert {page.total_size for page in pages} == {6}
    assert all(page.api_usage is not None for page in pages)


async def test_a_window_after_a_cursor_skips_what_was_committed(
    records_stage: RecordsStage,
) -> None:
    tied = leads(records_stage, 4)
    later = leads(records_stage, 1, at=T0 + timedelta(seconds=1))
    after = SyncCursor(modstamp=T0, record_id=tied[1])

    pages = await read_all(records_stage, window(LEAD, LEAD_FIELDS, after=after))

    assert ids(pages) == [*tied[2:], *later]


async def test_query_hides_deleted_rows_and_query_all_returns_them(
    records_stage: RecordsStage,
) -> None:
    kept, gone = leads(records_stage, 2)
    records_stage.delete(LEAD, gone, modstamp=T0 + timedelta(seconds=5))
    soql = window(LEAD, LEAD_FIELDS)

    live = await read_all(records_stage, soql, include_deleted=False)
    every = await read_all(records_stage, soql, include_deleted=True)

    assert ids(live) == [kept]
    assert [(r["Id"], r["IsDeleted"]) for r in every[0].records] == [
        (kept, False),
        (gone, True),
    ]


async def test_records_come_as_salesforce_sends_them(
    records_stage: RecordsStage,
) -> None:
    account = records_stage.create(
        ACCOUNT, {"Name": "Smith & Sons", "NumberOfEmployees": 12}, modstamp=T0
    )
    placed = records_stage.create(
        CONTACT, {"LastName": "Ødegaard", "AccountId": account}, modstamp=T0
    )
    loose = records_stage.create(CONTACT, {"LastName": "陈"}, modstamp=T0)

    page = await records_stage.records.query(
        records_stage.tokens, window(CONTACT, CONTACT_FIELDS), include_deleted=True
    )

    first, second = page.records
    assert first["attributes"]["type"] == "Contact"
    assert without_attributes(first) == {
        "Id": placed,
        "SystemModstamp": "2024-01-15T10:30:00.000+0000",
        "IsDeleted": False,
        "FirstName": None,
        "LastName": "Ødegaard",
        "Email": None,
        "AccountId": account,
        "Account": {"Name": "Smith & Sons", "NumberOfEmployees": 12},
    }
    assert (second["Id"], second["Account"]) == (loose, None)
    assert page.next_records_url is None


async def test_a_related_query_reads_the_contacts_of_given_accounts(
    records_stage: RecordsStage,
) -> None:
    one, other = (
        records_stage.create(ACCOUNT, {"Name": name}, modstamp=T0)
        for name in ("One", "O'Other")
    )
    wanted = records_stage.create(
        CONTACT, {"LastName": "A", "AccountId": one}, modstamp=T0
    )
    records_stage.create(CONTACT, {"LastName": "B", "AccountId": other}, modstamp=T0)
    soql = related_query(
        CONTACT, CONTACT_FIELDS, reference="AccountId", ids=(one,), until=UNTIL
    )

    pages = await read_all(records_stage, soql)

    assert ids(pages) == [wanted]
    assert pages[0].records[0]["Account"]["Name"] == "One"


async def test_describe_gives_types_picklists_and_relationships(
    records_stage: RecordsStage,
) -> None:
    lead = await records_stage.records.describe(records_stage.tokens, LEAD)
    contact = await records_stage.records.describe(records_stage.tokens, CONTACT)

    facts = {
        name: (found.type, found.updateable, found.compound_field_name)
        for name in ("Email", "Address", "City")
        if (found := lead.field(name)) is not None
    }
    status = lead.field("Status")
    account = contact.relationship("Account")
    assert lead.name == "Lead"
    assert facts == {
        "Email": ("email", True, None),
        "Address": ("address", False, None),
        "City": ("string", True, "Address"),
    }
    assert status is not None
    assert "Open" in status.picklist_values
    assert account is not None
    assert (account.name, account.reference_to) == ("AccountId", ("Account",))


async def test_bulk_records_equal_rest_records_typed_by_describe(
    records_stage: RecordsStage,
) -> None:
    awkward = ('Smith, "Sons"\n& Co ✓', "株式会社テスト", "Ana 🌟", "D'Arcy")
    accounts = [
        records_stage.create(
            ACCOUNT, {"Name": name, "NumberOfEmployees": n}, modstamp=T0
        )
        for n, name in enumerate(awkward)
    ]
    for n, name in enumerate(awkward):
        values = {"LastName": name, "Email": f"p{n}@x.example"}
        records_stage.create(CONTACT, values | {"AccountId": accounts[n]}, modstamp=T0)
    records_stage.create(CONTACT, {"LastName": "Alone"}, modstamp=T0)
    soql = window(CONTACT, CONTACT_FIELDS)
    types = field_types(CONTACT_FIELDS, CONTACT, await describes(records_stage))

    through_bulk = await bulk_read(records_stage, soql, types)
    through_rest = [
        r for page in await read_all(records_stage, soql) for r in page.records
    ]

    assert len(through_bulk) == 5
    assert sorted(through_bulk, key=lambda r: r["Id"]) == sorted(
        (without_attributes(r) for r in through_rest), key=lambda r: r["Id"]
    )


async def test_bulk_query_all_includes_deleted_rows(
    records_stage: RecordsStage,
) -> None:
    kept, gone = leads(records_stage, 2)
    records_stage.delete(LEAD, gone, modstamp=T0)
    soql = window(LEAD, LEAD_FIELDS)
    types = {"IsDeleted": "boolean", "SystemModstamp": "datetime"}

    live = await bulk_read(records_stage, soql, types, include_deleted=False)
    every = await bulk_read(records_stage, soql, types, include_deleted=True)

    assert [r["Id"] for r in live] == [kept]
    assert {(r["Id"], r["IsDeleted"]) for r in every} == {(kept, False), (gone, True)}


async def test_a_bulk_job_reports_progress_until_complete(
    records_stage: RecordsStage,
) -> None:
    leads(records_stage, 1)
    records_stage.set_bulk_polls(2)
    records = records_stage.records
    job = await records.start_bulk_query(
        records_stage.tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
    )

    states = [await records.bulk_query_state(records_stage.tokens, job) for _ in "abc"]

    assert states == ["InProgress", "InProgress", "JobComplete"]


async def test_an_aborted_bulk_job_ends_aborted_and_gives_no_results(
    records_stage: RecordsStage,
) -> None:
    leads(records_stage, 1)
    records_stage.set_bulk_polls(5)
    records, tokens = records_stage.records, records_stage.tokens
    job = await records.start_bulk_query(
        tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
    )

    await records.abort_bulk_query(tokens, job)

    assert await records.bulk_query_state(tokens, job) == "Aborted"
    with pytest.raises(ApiError) as refused:
        await records.bulk_results(
            tokens, job, locator=None, max_records=10, field_types={}
        )
    assert refused.value.error_code == "INVALIDJOBSTATE"


@pytest.mark.parametrize("call", ["query", "describe", "start", "state", "abort"])
async def test_every_call_s_answer_tells_the_daily_usage(
    records_stage: RecordsStage, call: str
) -> None:
    """Not only pages: a sync's budget learns it from whatever it asked."""
    records_stage.set_bulk_polls(5)
    records, tokens = records_stage.records, records_stage.tokens
    soql = window(LEAD, LEAD_FIELDS)
    job = await records.start_bulk_query(tokens, soql, include_deleted=True)
    records_stage.set_api_usage(used=1_000, maximum=5_000)

    if call == "query":
        await records.query(tokens, soql, include_deleted=True)
    elif call == "describe":
        await records.describe(tokens, LEAD)
    elif call == "start":
        await records.start_bulk_query(tokens, soql, include_deleted=True)
    elif call == "state":
        await records.bulk_query_state(tokens, job)
    else:
        await records.abort_bulk_query(tokens, job)

    usage = records.last_usage(tokens)
    assert usage is not None
    assert usage.max == 5_000
    assert 1_000 <= usage.used <= 1_001


@pytest.mark.parametrize("polls", [0, 5])
async def test_a_bulk_job_that_has_ended_cannot_be_aborted(
    records_stage: RecordsStage, polls: int
) -> None:
    """Complete (no polls to wait), or aborted once already."""
    records_stage.set_bulk_polls(polls)
    records, tokens = records_stage.records, records_stage.tokens
    job = await records.start_bulk_query(
        tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
    )
    if polls:
        await records.abort_bulk_query(tokens, job)

    with pytest.raises(ApiError) as refused:
        await records.abort_bulk_query(tokens, job)

    assert (refused.value.status, refused.value.error_code) == (400, "INVALIDJOBSTATE")


async def test_an_empty_bulk_result_is_one_empty_last_page(
    records_stage: RecordsStage,
) -> None:
    job = await records_stage.records.start_bulk_query(
        records_stage.tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
    )
    await records_stage.records.bulk_query_state(records_stage.tokens, job)

    page = await records_stage.records.bulk_results(
        records_stage.tokens, job, locator=None, max_records=10, field_types={}
    )

    assert (page.records, page.locator) == ([], None)


@pytest.mark.parametrize(
    ("field", "named"), [("Nope__c", "Nope__c"), ("Acount.Name", "Acount")]
)
@pytest.mark.parametrize("bulk", [False, True])
async def test_unknown_fields_are_named(
    records_stage: RecordsStage, field: str, named: str, bulk: bool
) -> None:
    soql = window(LEAD, ("Id", "SystemModstamp", field))

    with pytest.raises(ApiError) as raised:
        await send(records_stage, soql, bulk=bulk)

    assert raised.value.error_code == "INVALID_FIELD"
    assert raised.value.fields == (named,)
    assert "SELECT" not in raised.value.message


async def test_compound_fields_are_refused_in_bulk(
    records_stage: RecordsStage,
) -> None:
    soql = window(LEAD, ("Id", "SystemModstamp", "Address"))

    with pytest.raises(ApiError, match="compound"):
        await records_stage.records.start_bulk_query(
            records_stage.tokens, soql, include_deleted=True
        )


async def test_an_expired_cursor_is_an_invalid_locator(
    records_stage: RecordsStage,
) -> None:
    leads(records_stage, 3)
    records_stage.set_page_size(2)
    page = await records_stage.records.query(
        records_stage.tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
    )
    records_stage.expire_cursors()

    with pytest.raises(ApiError) as raised:
        await records_stage.records.query_more(
            records_stage.tokens, page.next_records_url or ""
        )

    assert raised.value.error_code == "INVALID_QUERY_LOCATOR"


async def test_each_page_reports_the_usage_its_answer_carried(
    records_stage: RecordsStage,
) -> None:
    records_stage.set_api_usage(used=100, maximum=1000)

    page = await records_stage.records.query(
        records_stage.tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
    )

    assert page.api_usage is not None
    assert page.api_usage.max == 1000
    assert page.api_usage.used in (100, 101)


async def test_every_call_is_one_request(records_stage: RecordsStage) -> None:
    leads(records_stage, 3)
    records_stage.set_page_size(2)
    records, tokens = records_stage.records, records_stage.tokens
    before = records_stage.requests()

    await read_all(records_stage, window(LEAD, LEAD_FIELDS))
    await records.describe(tokens, LEAD)
    await bulk_read(records_stage, window(LEAD, LEAD_FIELDS), {})

    assert records_stage.requests() - before == 2 + 1 + 1 + 1 + 2


async def test_an_expired_session_is_session_expired(
    records_stage: RecordsStage,
) -> None:
    records_stage.expire_sessions()

    with pytest.raises(SessionExpired):
        await records_stage.records.describe(records_stage.tokens, LEAD)


async def test_an_exhausted_quota_stops_at_once(records_stage: RecordsStage) -> None:
    records_stage.set_api_usage(used=1000, maximum=1000)
    before = records_stage.requests()

    with pytest.raises(QuotaExhausted):
        await records_stage.records.query(
            records_stage.tokens, window(LEAD, LEAD_FIELDS), include_deleted=True
        )

    assert records_stage.requests() - before == 1


@pytest.mark.parametrize("bulk", [False, True])
async def test_an_outage_is_salesforce_unavailable(
    records_stage: RecordsStage, bulk: bool
) -> None:
    records_stage.break_down()
    soql = window(LEAD, LEAD_FIELDS)

    with pytest.raises(SalesforceUnavailable):
        await send(records_stage, soql, bulk=bulk)
