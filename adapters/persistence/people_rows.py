"""Database rows for people and companies, and their mapping to domain values.

Pages are large, so they bypass ORM instances both ways: `page_row` gives
a tuple of column values for one executemany statement, and `to_domain` reads a
Core result row of `PERSON_COLUMNS` (a loaded `PersonRow` works as well).
Columns beyond the domain value (`email`, `source`, `deleted`, the seen
marks) exist to be filtered on or swept by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Index,
    Row,
    String,
    Text,
    cast,
    literal_column,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from adapters.persistence.rows import Base
from adapters.persistence.types import UtcDateTime
from domain.people import Company, Person
from domain.person import email_key
from domain.transforms import Value

# Upserts find a stored row by these; keyset pages order by updated_at, then
# the key's last column.
PERSON_KEY = ("workspace_id", "person_id")
COMPANY_KEY = ("workspace_id", "account_id")


def person_page_columns(seen_column: str) -> tuple[str, ...]:
    """The columns of `PersonRow.page_row`, the last being `seen_column`."""
    return (
        "workspace_id",
        "person_id",
        "lead_id",
        "contact_id",
        "account_id",
        "email",
        "source",
        "deleted",
        "lead_deleted",
        "contact_deleted",
        "merged_leads",
        "fields",
        "modstamp",
        "updated_at",
        seen_column,
    )


# What a reader sees of a stored row: when none of these change, neither does
# its `updated_at` (seen marks are bookkeeping, not the row's values).
PERSON_VALUE_COLUMNS = tuple(
    name
    for name in person_page_columns("lead_seen_job")
    if name not in (*PERSON_KEY, "updated_at", "lead_seen_job")
)

COMPANY_PAGE_COLUMNS = (
    "workspace_id",
    "account_id",
    "fields",
    "modstamp",
    "deleted",
    "updated_at",
    "seen_job",
)
COMPANY_VALUE_COLUMNS = ("fields", "modstamp", "deleted")


def has_merged_leads(
    column: ColumnElement[Any] | Mapped[Any],
) -> ColumnElement[bool]:
    """`merged_leads` is not the empty object, as its JSON text (stored the
    same way on both databases); a query's condition must read exactly as
    the partial index's for SQLite to use the index."""
    return cast(column, Text) != literal_column("'{}'")


class PersonRow(Base):
    __tablename__ = "people"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    person_id: Mapped[str] = mapped_column(String, primary_key=True)
    lead_id: Mapped[str | None] = mapped_column(String)
    contact_id: Mapped[str | None] = mapped_column(String)
    account_id: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    deleted: Mapped[bool]
    lead_deleted: Mapped[bool]
    contact_deleted: Mapped[bool]
    # Other Leads converted into the person's Contact, by Id: their IsDeleted.
    merged_leads: Mapped[dict[str, bool]] = mapped_column(JSON)
    fields: Mapped[dict[str, Value]] = mapped_column(JSON)
    modstamp: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lead_seen_job: Mapped[str | None] = mapped_column(String)
    contact_seen_job: Mapped[str | None] = mapped_column(String)

    __table_args__ = (
        Index(
            "uq_people_workspace_id_lead_id",
            "workspace_id",
            "lead_id",
            unique=True,
            sqlite_where=lead_id.is_not(None),
            postgresql_where=lead_id.is_not(None),
        ),
        Index(
            "uq_people_workspace_id_contact_id",
            "workspace_id",
            "contact_id",
            unique=True,
            sqlite_where=contact_id.is_not(None),
            postgresql_where=contact_id.is_not(None),
        ),
        Index(
            "ix_people_workspace_id_updated_at",
            "workspace_id",
            "updated_at",
            "person_id",
        ),
        # With the paging order, so an email filter never scans the workspace.
        Index(
            "ix_people_workspace_id_email",
            "workspace_id",
            "email",
            "updated_at",
            "person_id",
        ),
        # The few people with other Leads merged in, which a full read's
        # sweep checks without a scan of the workspace (`has_merged_leads`).
        Index(
            "ix_people_workspace_id_merged",
            "workspace_id",
            sqlite_where=has_merged_leads(merged_leads),
            postgresql_where=has_merged_leads(merged_leads),
        ),
    )

    @staticmethod
    def page_row(
        person: Person, updated_at: datetime, seen_job: str
    ) -> tuple[Any, ...]:
        """Values of `person_page_columns`; `updated_at` if the person has none."""
        return (
            person.workspace_id,
            person.person_id,
            person.lead_id,
            person.contact_id,
            person.account_id,
            email_key(person.fields.get("email")),
            person.source.value,
            person.deleted,
            person.lead_deleted,
            person.contact_deleted,
            person.merged_leads,
            person.fields,
            person.modstamp,
            person.updated_at or updated_at,
            seen_job,
        )

    @staticmethod
    def to_domain(row: PersonRow | Row[Any]) -> Person:
        return Person(
            person_id=row.person_id,
            workspace_id=row.workspace_id,
            lead_id=row.lead_id,
            contact_id=row.contact_id,
            account_id=row.account_id,
            fields=row.fields,
            modstamp=row.modstamp,
            lead_deleted=row.lead_deleted,
            contact_deleted=row.contact_deleted,
            merged_leads=row.merged_leads,
            updated_at=row.updated_at,
        )


def lead_flagged_deleted(
    lead_deleted: ColumnElement[Any] | Mapped[Any],
) -> ColumnElement[bool]:
    """The person's named Lead is flagged deleted (a person without a Lead
    never is); as for `has_merged_leads`, a query's condition must read
    exactly as the partial index's. Only this term, so that SQLite takes
    that index rather than the unique one of Lead ids."""
    return lead_deleted == true()


# The people whose named Lead is deleted: usually few, so a count of the
# live named Leads is two index counts (see `people_reads.count_live_named_leads`).
Index(
    "ix_people_workspace_id_lead_deleted",
    PersonRow.workspace_id,
    sqlite_where=lead_flagged_deleted(PersonRow.lead_deleted),
    postgresql_where=lead_flagged_deleted(PersonRow.lead_deleted),
)


class CompanyRow(Base):
    __tablename__ = "companies"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    account_id: Mapped[str] = mapped_column(String, primary_key=True)
    fields: Mapped[dict[str, Value]] = mapped_column(JSON)
    modstamp: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_job: Mapped[str | None] = mapped_column(String)

    __table_args__ = (
        Index(
            "ix_companies_workspace_id_updated_at",
            "workspace_id",
            "updated_at",
            "account_id",
        ),
    )

    @staticmethod
    def page_row(
        company: Company, updated_at: datetime, job_id: str
    ) -> tuple[Any, ...]:
        """Values of `COMPANY_PAGE_COLUMNS`."""
        return (
            company.workspace_id,
            company.account_id,
            company.fields,
            company.modstamp,
            company.deleted,
            company.updated_at or updated_at,
            job_id,
        )

    @staticmethod
    def to_domain(row: CompanyRow | Row[Any]) -> Company:
        return Company(
            account_id=row.account_id,
            workspace_id=row.workspace_id,
            fields=row.fields,
            modstamp=row.modstamp,
            deleted=row.deleted,
            updated_at=row.updated_at,
        )


def _columns(row_class: type[Base], *names: str) -> tuple[ColumnElement[Any], ...]:
    """Table columns, for Core selects that skip the ORM's loading."""
    return tuple(row_class.__table__.c[name] for name in names)


PERSON_COLUMNS = _columns(
    PersonRow,
    "person_id",
    "workspace_id",
    "lead_id",
    "contact_id",
    "account_id",
    "fields",
    "modstamp",
    "lead_deleted",
    "contact_deleted",
    "merged_leads",
    "updated_at",
)
COMPANY_COLUMNS = _columns(
    CompanyRow,
    "account_id",
    "workspace_id",
    "fields",
    "modstamp",
    "deleted",
    "updated_at",
)
