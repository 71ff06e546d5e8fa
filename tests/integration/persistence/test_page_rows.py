"""Page rows are positional tuples: each value must sit under its column's name."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.persistence.people_rows import (
    COMPANY_PAGE_COLUMNS,
    CompanyRow,
    PersonRow,
    person_page_columns,
)
from domain.people import Company, Person

MODSTAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
UPDATED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FALLBACK = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def test_a_person_row_puts_every_value_under_its_own_column() -> None:
    # A converted, deleted Contact: every column gets a value no other has.
    person = Person(
        person_id="person-1",
        workspace_id="ws-1",
        lead_id="00Q1",
        contact_id="0031",
        account_id="0011",
        fields={"email": "Ada@Example.com", "first_name": "Ada"},
        modstamp=MODSTAMP,
        lead_deleted=False,
        contact_deleted=True,
        merged_leads={"00Q2": True},
        updated_at=UPDATED,
    )

    row = PersonRow.page_row(person, FALLBACK, "job-1")

    assert dict(zip(person_page_columns("contact_seen_job"), row, strict=True)) == {
        "workspace_id": "ws-1",
        "person_id": "person-1",
        "lead_id": "00Q1",
        "contact_id": "0031",
        "account_id": "0011",
        "email": "ada@example.com",
        "source": "Contact",
        "deleted": True,
        "lead_deleted": False,
        "contact_deleted": True,
        "merged_leads": {"00Q2": True},
        "fields": {"email": "Ada@Example.com", "first_name": "Ada"},
        "modstamp": MODSTAMP,
        "updated_at": UPDATED,
        "contact_seen_job": "job-1",
    }


def test_a_person_never_stored_takes_the_pages_time() -> None:
    person = Person(person_id="p", workspace_id="ws", modstamp=MODSTAMP)

    row = dict(
        zip(
            person_page_columns("lead_seen_job"),
            PersonRow.page_row(person, FALLBACK, "job-2"),
            strict=True,
        )
    )

    assert (row["updated_at"], row["email"], row["source"]) == (FALLBACK, None, "Lead")


def test_a_company_row_puts_every_value_under_its_own_column() -> None:
    company = Company(
        account_id="0011",
        workspace_id="ws-1",
        fields={"name": "Acme"},
        modstamp=MODSTAMP,
        deleted=True,
        updated_at=UPDATED,
    )

    row = CompanyRow.page_row(company, FALLBACK, "job-1")

    assert dict(zip(COMPANY_PAGE_COLUMNS, row, strict=True)) == {
        "workspace_id": "ws-1",
        "account_id": "0011",
        "fields": {"name": "Acme"},
        "modstamp": MODSTAMP,
        "deleted": True,
        "updated_at": UPDATED,
        "seen_job": "job-1",
    }
