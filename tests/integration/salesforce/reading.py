"""Reading a whole query or Bulk job through any `SalesforceRecords` stage."""

from __future__ import annotations

from application.sync.ports import QueryPage, Record
from domain.crm import CrmObject, ObjectDescribe
from tests.integration.salesforce.record_stages import RecordsStage


async def read_all(
    stage: RecordsStage, soql: str, *, include_deleted: bool = True
) -> list[QueryPage]:
    """Every page of a query, following nextRecordsUrl to the end."""
    page = await stage.records.query(
        stage.tokens, soql, include_deleted=include_deleted
    )
    pages = [page]
    while page.next_records_url is not None:
        page = await stage.records.query_more(stage.tokens, page.next_records_url)
        pages.append(page)
    return pages


def without_attributes(record: Record) -> Record:
    return {
        key: without_attributes(value) if isinstance(value, dict) else value
        for key, value in record.items()
        if key != "attributes"
    }


async def describes(stage: RecordsStage) -> dict[CrmObject, ObjectDescribe]:
    return {obj: await stage.records.describe(stage.tokens, obj) for obj in CrmObject}


async def bulk_read(
    stage: RecordsStage,
    soql: str,
    types: dict[str, str],
    *,
    include_deleted: bool = True,
) -> list[Record]:
    """Every record of a job, read two at a time once the job is complete."""
    job = await stage.records.start_bulk_query(
        stage.tokens, soql, include_deleted=include_deleted
    )
    states = [await stage.records.bulk_query_state(stage.tokens, job)]
    while states[-1] == "InProgress" and len(states) < 10:
        states.append(await stage.records.bulk_query_state(stage.tokens, job))
    assert states[-1] == "JobComplete", states
    found: list[Record] = []
    locator: str | None = None
    while True:
        page = await stage.records.bulk_results(
            stage.tokens, job, locator=locator, max_records=2, field_types=types
        )
        found += page.records
        locator = page.locator
        if locator is None:
            return found
