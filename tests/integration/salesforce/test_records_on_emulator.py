"""The records adapter against the emulator: awkward data, faults and logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from adapters.salesforce import new_http_client
from application.errors import SalesforceUnavailable
from application.sync.bulk import field_types
from domain.crm import CrmObject
from domain.soql import select_fields, window_query
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.integration.salesforce.reading import (
    bulk_read,
    describes,
    read_all,
    without_attributes,
)
from tests.integration.salesforce.record_stages import EmulatorRecordsStage

JOBS = "/services/data/v62.0/jobs/query"
UNTIL = datetime(2030, 1, 1, tzinfo=UTC)
MAPPED = {
    CrmObject.LEAD: (
        "FirstName",
        "LastName",
        "Company",
        "Title",
        "Description",
        "NumberOfEmployees",
        "AnnualRevenue",
        "Country",
        "LeadSource",
    ),
    CrmObject.CONTACT: (
        "FirstName",
        "LastName",
        "Email",
        "Description",
        "Account.Name",
        "Account.AnnualRevenue",
        "MailingCountry",
    ),
    CrmObject.ACCOUNT: (
        "Name",
        "NumberOfEmployees",
        "AnnualRevenue",
        "BillingCountry",
        "Description",
    ),
}


@pytest.fixture
async def stage(
    emulator: EmulatorServer, demo: Demo
) -> AsyncIterator[EmulatorRecordsStage]:
    async with new_http_client(trust_env=False) as client:
        yield await EmulatorRecordsStage.connect(emulator, demo, client)


def sync_query(obj: CrmObject) -> tuple[str, tuple[str, ...]]:
    fields = select_fields(obj, MAPPED[obj])
    return window_query(obj, fields, after=None, until=UNTIL), fields


@pytest.mark.parametrize("obj", list(CrmObject))
async def test_generated_data_reads_the_same_through_rest_and_bulk(
    emulator: EmulatorServer, demo: Demo, stage: EmulatorRecordsStage, obj: CrmObject
) -> None:
    made = emulator.world.generate_records(
        demo.production.id, seed=7, accounts=40, contacts=60, leads=60, tie_block=25
    )
    stage.set_page_size(17)
    soql, fields = sync_query(obj)
    types = field_types(fields, obj, await describes(stage))

    pages = await read_all(stage, soql)
    through_rest = [without_attributes(r) for page in pages for r in page.records]
    through_bulk = await bulk_read(stage, soql, types)

    assert len(through_rest) == made[obj.value]
    assert any(r["IsDeleted"] for r in through_rest)
    assert sorted(through_bulk, key=lambda r: r["Id"]) == sorted(
        through_rest, key=lambda r: r["Id"]
    )


async def test_a_refused_job_post_is_sent_again_and_makes_one_job(
    emulator: EmulatorServer, stage: EmulatorRecordsStage
) -> None:
    emulator.world.add_http_fault(path_prefix=JOBS, status=503)
    soql, _ = sync_query(CrmObject.LEAD)

    job_id = await stage.records.start_bulk_query(
        stage.tokens, soql, include_deleted=True
    )

    assert list(emulator.world.bulk_jobs) == [job_id]
    assert emulator.world.http_faults[0].remaining == 0


async def test_a_job_post_cut_off_is_not_sent_again(
    emulator: EmulatorServer, stage: EmulatorRecordsStage
) -> None:
    emulator.world.add_http_fault(path_prefix=JOBS, action="reset", count=5)
    soql, _ = sync_query(CrmObject.LEAD)

    with pytest.raises(SalesforceUnavailable):
        await stage.records.start_bulk_query(stage.tokens, soql, include_deleted=True)

    assert emulator.world.http_faults[0].remaining == 4


async def test_pages_survive_a_reset_and_a_503(
    emulator: EmulatorServer, stage: EmulatorRecordsStage
) -> None:
    emulator.world.generate_records(stage.org_id, accounts=5, contacts=0, leads=0)
    stage.set_page_size(2)
    soql, _ = sync_query(CrmObject.ACCOUNT)
    first = await stage.records.query(stage.tokens, soql, include_deleted=True)
    emulator.world.add_http_fault(path_prefix="/services/data", action="reset")
    emulator.world.add_http_fault(path_prefix="/services/data", status=503)

    second = await stage.records.query_more(stage.tokens, first.next_records_url or "")

    assert len(second.records) == 2
    assert [fault.remaining for fault in emulator.world.http_faults] == [0, 0]


async def test_nothing_secret_or_queried_is_logged(
    emulator: EmulatorServer,
    stage: EmulatorRecordsStage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.world.generate_records(stage.org_id, accounts=3, contacts=0, leads=0)
    soql = window_query(
        CrmObject.ACCOUNT, ("Id", "Name"), after=None, until=UNTIL
    ).replace("WHERE", "WHERE Name != 'secret@customer.example' AND")
    emulator.world.add_http_fault(path_prefix="/services/data", status=503)

    with (
        caplog.at_level(logging.DEBUG, logger="adapters.salesforce"),
        caplog.at_level(logging.DEBUG, logger="httpx"),
    ):
        await read_all(stage, soql)
        await bulk_read(stage, soql, {})

    assert "GET" in caplog.text
    assert "POST" in caplog.text
    for secret in ("SELECT", "secret@customer", "Name", stage.tokens.access_token):
        assert secret not in caplog.text


async def test_the_server_time_is_the_emulators_clock(
    emulator: EmulatorServer, stage: EmulatorRecordsStage
) -> None:
    emulator.world.advance_clock(-60)
    calls = sum(emulator.world.stats.rest_calls.values())

    server_time = await stage.records.server_time(stage.tokens)

    assert server_time is not None
    expected = datetime.fromtimestamp(emulator.world.now(), UTC)
    assert abs((server_time - expected).total_seconds()) < 2
    assert sum(emulator.world.stats.rest_calls.values()) == calls  # no API call
