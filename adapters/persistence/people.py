"""SQLAlchemy adapter of the PeopleRepository port: bulk pages, sweeps, reads."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    case,
    delete,
    false,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.persistence.batches import batches
from adapters.persistence.id_sets import any_of, none_of
from adapters.persistence.page_upsert import PageUpsert
from adapters.persistence.people_reads import (
    count_live_named_leads,
    count_people,
    get_person,
    list_people,
)
from adapters.persistence.people_rows import (
    PERSON_COLUMNS,
    PERSON_KEY,
    PERSON_VALUE_COLUMNS,
    PersonRow,
    has_merged_leads,
    person_page_columns,
)
from adapters.persistence.positional import Row
from adapters.persistence.transaction import Transaction
from application.errors import Conflict
from application.ports import Clock
from application.sync.ports import PeopleQuery, PeopleRepository, PersonEntry
from domain.crm import CrmObject
from domain.people import Person

logger = logging.getLogger(__name__)

_Row = PersonRow
_table = cast(Table, PersonRow.__table__)
_columns = _table.c
_UPSERTS = {
    seen: PageUpsert(
        _table,
        person_page_columns(seen),
        PERSON_KEY,
        stamp="updated_at",
        compared=PERSON_VALUE_COLUMNS,
    )
    for seen in ("lead_seen_job", "contact_seen_job")
}


class SqlAlchemyPeopleRepository(PeopleRepository):
    """One row per person; a page is one DELETE and one executemany UPSERT.

    A row saved with the values it already holds keeps its `updated_at`:
    readers page by it, and a full sync rewrites every row it sees.

    Each row remembers the last job that saw its Lead and its Contact, so a
    full sync can mark what it did not see as deleted.
    """

    def __init__(self, transaction: Transaction, clock: Clock) -> None:
        self._transaction = transaction
        self._clock = clock

    async def find(
        self, workspace_id: str, *, lead_ids: Iterable[str], contact_ids: Iterable[str]
    ) -> list[Person]:
        session = await self._transaction.for_reading()
        found: dict[str, Person] = {}

        for column, ids in (
            (_columns.lead_id, lead_ids),
            (_columns.contact_id, contact_ids),
        ):
            for condition in any_of(column, set(ids), self._transaction.dialect):
                rows = await session.execute(_in(workspace_id).where(condition))
                found.update((row.person_id, _Row.to_domain(row)) for row in rows)

        logger.debug("people found workspace=%s count=%d", workspace_id, len(found))
        return list(found.values())

    async def with_merged_leads(self, workspace_id: str) -> list[Person]:
        session = await self._transaction.for_reading()
        merged = has_merged_leads(_columns.merged_leads)
        rows = await session.execute(_in(workspace_id).where(merged))
        return [_Row.to_domain(row) for row in rows]

    async def count_live_named_leads(self, workspace_id: str) -> int:
        return await count_live_named_leads(self._transaction, workspace_id)

    async def save_page(
        self,
        workspace_id: str,
        changed: Iterable[Person],
        removed: Iterable[str],
        *,
        seen_by: tuple[CrmObject, str],
    ) -> None:
        """Removed rows go first: a merge moves their Lead or Contact id to a
        changed row, which the unique indexes would refuse while both exist."""
        obj, job_id = seen_by
        upsert = _UPSERTS[_seen_column(obj)]
        rows = _page_rows(workspace_id, changed, job_id, self._clock)

        removed_count = 0
        for batch in batches(set(removed)):
            removed_count += await self._transaction.changed(
                delete(_table).where(
                    _columns.workspace_id == workspace_id,
                    _columns.person_id.in_(batch),
                )
            )
        if rows:
            await self._transaction.run(
                upsert.write(
                    self._transaction.sql_dialect,
                    rows,
                    refused=partial(_conflict, workspace_id),
                )
            )

        logger.debug(
            "people page saved workspace=%s object=%s changed=%d removed=%d",
            workspace_id,
            obj.value,
            len(rows),
            removed_count,
        )

    async def sweep_unseen(
        self,
        workspace_id: str,
        obj: CrmObject,
        job_id: str,
        *,
        keep: Collection[str] = (),
    ) -> int:
        """Marks only people not already deleted there; returns how many.

        Swept people count as updated now, so readers polling by update
        time learn of the deletion.
        """
        now = self._clock.now()
        dialect = self._transaction.dialect
        count = await self._transaction.changed(
            _sweep(workspace_id, obj, job_id, now, keep=set(keep), dialect=dialect)
        )
        logger.debug(
            "people swept workspace=%s object=%s job=%s count=%d",
            workspace_id,
            obj.value,
            job_id,
            count,
        )
        return count

    async def purge(self, workspace_id: str) -> int:
        count = await self._transaction.purge(_table, workspace_id)
        logger.debug("people purged workspace=%s count=%d", workspace_id, count)
        return count

    async def get(self, workspace_id: str, person_id: str) -> Person | None:
        return await get_person(self._transaction, workspace_id, person_id)

    async def list(self, workspace_id: str, query: PeopleQuery) -> list[PersonEntry]:
        return await list_people(self._transaction, workspace_id, query)

    async def count(self, workspace_id: str, *, include_deleted: bool) -> int:
        return await count_people(
            self._transaction, workspace_id, include_deleted=include_deleted
        )


def _conflict(workspace_id: str, _error: IntegrityError) -> Conflict:
    return Conflict(
        f"a page gives a Lead or Contact id of workspace {workspace_id} "
        "to a second person"
    )


def _seen_column(obj: CrmObject) -> str:
    if obj is CrmObject.LEAD:
        return "lead_seen_job"
    if obj is CrmObject.CONTACT:
        return "contact_seen_job"
    raise ValueError(f"people are not seen by {obj.value} pages")


def _page_rows(
    workspace_id: str, changed: Iterable[Person], job_id: str, clock: Clock
) -> list[Row]:
    now = clock.now()
    rows: dict[str, Row] = {}
    for person in changed:
        if person.workspace_id != workspace_id:
            raise ValueError(f"person {person.person_id} is not in {workspace_id}")
        rows[person.person_id] = _Row.page_row(person, now, job_id)
    return list(rows.values())


def _in(workspace_id: str) -> Select[Any]:
    """Core rows, not ORM instances: several times faster on whole pages."""
    return select(*PERSON_COLUMNS).where(_columns.workspace_id == workspace_id)


def _sweep(
    workspace_id: str,
    obj: CrmObject,
    job_id: str,
    now: datetime,
    *,
    keep: set[str],
    dialect: str,
) -> Update:
    columns = _table.c
    if obj is CrmObject.LEAD:
        key, flag, seen = columns.lead_id, columns.lead_deleted, columns.lead_seen_job
        deleted: ColumnElement[bool] = case(
            (columns.contact_id.is_(None), true()), else_=columns.contact_deleted
        )
    elif obj is CrmObject.CONTACT:
        key, flag = columns.contact_id, columns.contact_deleted
        seen, deleted = columns.contact_seen_job, true()
    else:
        raise ValueError(f"people are not swept for {obj.value}")
    return (
        update(_table)
        .where(
            columns.workspace_id == workspace_id,
            key.is_not(None),
            flag == false(),
            seen.is_distinct_from(job_id),
            none_of(key, keep, dialect),
        )
        .values({flag: true(), columns.deleted: deleted, columns.updated_at: now})
    )
