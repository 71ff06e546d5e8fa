"""The people repository's reads: a page, one person, a count, one read each.

Each shape of statement (which filters a query sets) is built once, with every
value a bind parameter, and runs through the unit of work's `read` (see
`adapters.persistence.reads`). Only the columns a `Person` (or, for a page, a
`PersonEntry`) holds are selected, and rows map onto it by position. A page
reads `fields` as its stored JSON text: `CAST` to text, so that no dialect's
JSON type decodes it on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

import msgspec
from sqlalchemy import Table, Text, bindparam, false, func, select, tuple_
from sqlalchemy import cast as sql_cast

from adapters.persistence.people_rows import PersonRow, lead_flagged_deleted
from adapters.persistence.reads import ReadQuery
from adapters.persistence.transaction import Transaction
from application.sync.ports import PeopleQuery, PersonEntry
from domain.crm import CrmObject
from domain.people import Person
from domain.person import email_key

_columns = cast(Table, PersonRow.__table__).c
_SELECTED = (
    _columns.person_id,
    _columns.lead_id,
    _columns.contact_id,
    _columns.account_id,
    _columns.fields,
    _columns.modstamp,
    _columns.lead_deleted,
    _columns.contact_deleted,
    _columns.updated_at,
    _columns.merged_leads,
)
_ENTRY_COLUMNS = (
    _columns.person_id,
    _columns.source,
    _columns.lead_id,
    _columns.contact_id,
    _columns.account_id,
    _columns.deleted,
    _columns.lead_deleted,
    _columns.contact_deleted,
    _columns.merged_leads,
    sql_cast(_columns.fields, Text),
    _columns.modstamp,
    _columns.updated_at,
)
# By stored value: per row, a dict lookup instead of `CrmObject(value)`.
_SOURCES = {obj.value: obj for obj in CrmObject}
_IN_WORKSPACE = _columns.workspace_id == bindparam("workspace_id")


async def list_people(
    transaction: Transaction, workspace_id: str, query: PeopleQuery
) -> list[PersonEntry]:
    """A keyset page in `(updated_at, person_id)` order, as the port says."""
    values: dict[str, Any] = {"workspace_id": workspace_id, "limit": query.limit}
    if query.email is not None:
        values["email"] = email_key(query.email)
    if query.updated_since is not None:
        values["updated_since"] = query.updated_since
    if query.source is not None:
        values["source"] = query.source.value
    if query.after is not None:
        values["after_updated_at"], values["after_person_id"] = query.after

    shape = _page_query(
        email=query.email is not None,
        since=query.updated_since is not None,
        source=query.source is not None,
        deleted=query.include_deleted,
        after=query.after is not None,
    )
    rows = await transaction.read(shape, values)

    return [_entry(row) for row in rows]


async def get_person(
    transaction: Transaction, workspace_id: str, person_id: str
) -> Person | None:
    values = {"workspace_id": workspace_id, "person_id": person_id}
    rows = await transaction.read(_ONE, values)
    return _person(workspace_id, rows[0]) if rows else None


async def count_people(
    transaction: Transaction, workspace_id: str, *, include_deleted: bool
) -> int:
    query = _COUNT_ALL if include_deleted else _COUNT_LIVING
    rows = await transaction.read(query, {"workspace_id": workspace_id})
    return int(rows[0][0] or 0)


@cache
def _page_query(
    *, email: bool, since: bool, source: bool, deleted: bool, after: bool
) -> ReadQuery:
    """The page statement for one combination of filters."""
    statement = select(*_ENTRY_COLUMNS).where(_IN_WORKSPACE)
    if email:
        statement = statement.where(_columns.email == bindparam("email"))
    if since:
        kind = _columns.updated_at.type
        since_value = bindparam("updated_since", type_=kind)
        statement = statement.where(_columns.updated_at >= since_value)
    if source:
        statement = statement.where(_columns.source == bindparam("source"))
    if not deleted:
        statement = statement.where(_columns.deleted == false())
    if after:
        # The key breaks ties of updated_at: a page boundary inside a run of
        # equal timestamps neither repeats nor skips a row.
        bound = tuple_(
            bindparam("after_updated_at", type_=_columns.updated_at.type),
            bindparam("after_person_id", type_=_columns.person_id.type),
        )
        statement = statement.where(
            tuple_(_columns.updated_at, _columns.person_id) > bound
        )
    ordered = statement.order_by(_columns.updated_at, _columns.person_id)
    return ReadQuery(ordered.limit(bindparam("limit")))


_ONE = ReadQuery(
    select(*_SELECTED).where(
        _IN_WORKSPACE, _columns.person_id == bindparam("person_id")
    )
)


async def count_live_named_leads(transaction: Transaction, workspace_id: str) -> int:
    """All named Leads less the deleted ones: two counts of partial indexes,
    where a count of the live ones would read every row."""
    values = {"workspace_id": workspace_id}
    named = await transaction.read(_COUNT_NAMED_LEADS, values)
    deleted = await transaction.read(_COUNT_DELETED_NAMED_LEADS, values)
    return int(named[0][0] or 0) - int(deleted[0][0] or 0)


_COUNT_ALL = ReadQuery(select(func.count()).where(_IN_WORKSPACE))
# Each read from a partial index alone: no row is visited.
_COUNT_NAMED_LEADS = ReadQuery(
    select(func.count()).where(_IN_WORKSPACE, _columns.lead_id.is_not(None))
)
_COUNT_DELETED_NAMED_LEADS = ReadQuery(
    select(func.count()).where(
        _IN_WORKSPACE, lead_flagged_deleted(_columns.lead_deleted)
    )
)
_COUNT_LIVING = ReadQuery(
    select(func.count()).where(_IN_WORKSPACE, _columns.deleted == false())
)


def _person(workspace_id: str, row: Sequence[Any]) -> Person:
    return Person(
        person_id=row[0],
        workspace_id=workspace_id,
        lead_id=row[1],
        contact_id=row[2],
        account_id=row[3],
        fields=row[4],
        modstamp=row[5],
        lead_deleted=row[6],
        contact_deleted=row[7],
        updated_at=row[8],
        merged_leads=row[9],
    )


def _entry(row: Sequence[Any]) -> PersonEntry:
    return PersonEntry(
        person_id=row[0],
        source=_SOURCES[row[1]],
        lead_id=row[2],
        contact_id=row[3],
        account_id=row[4],
        deleted=row[5],
        lead_deleted=row[6],
        contact_deleted=row[7],
        merged_leads=row[8],
        fields=msgspec.Raw(row[9]),
        modstamp=row[10],
        updated_at=row[11],
    )
