"""Use cases: read people and companies from the local copy, page by page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import msgspec

from application.errors import InvalidInput, NotFound, shown_id
from application.sync.page_cursor import Resource, decode_cursor, encode_cursor
from application.sync.ports import (
    CompanyQuery,
    PeopleQuery,
    PersonEntry,
    SyncUnitOfWorkFactory,
)
from domain.people import Company
from domain.workspace import Actor

MAX_PAGE = 500


class PageOf(msgspec.Struct, frozen=True, kw_only=True):
    """Items plus an opaque cursor for the next page (None at the end)."""

    items: list[PersonEntry] | list[Company]
    next_cursor: str | None


Query = TypeVar("Query", PeopleQuery, CompanyQuery)


def _prepared(query: Query, resource: Resource, cursor: str | None) -> Query:
    if not 1 <= query.limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE}", field="limit")
    return msgspec.structs.replace(query, after=decode_cursor(resource, cursor))


def _next_cursor(
    items: Sequence[PersonEntry] | Sequence[Company], limit: int
) -> str | None:
    """A full page may have a successor: point after its last item."""
    if len(items) < limit:
        return None
    last = items[-1]
    assert last.updated_at is not None  # Stamped when saved.
    if isinstance(last, PersonEntry):
        return encode_cursor("people", last.updated_at, last.person_id)
    return encode_cursor("companies", last.updated_at, last.account_id)


class ListPeople:
    """Any member; ordered by local update time, oldest first, for polling."""

    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, actor: Actor, query: PeopleQuery, cursor: str | None = None
    ) -> PageOf:
        query = _prepared(query, "people", cursor)
        async with self._uow() as uow:
            people = await uow.people.list(actor.workspace_id, query)
        return PageOf(items=people, next_cursor=_next_cursor(people, query.limit))


class GetPerson:
    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, person_id: str) -> PersonEntry:
        async with self._uow() as uow:
            person = await uow.people.get(actor.workspace_id, person_id)
        if person is None:
            raise NotFound(f"no person {shown_id(person_id)} in this workspace")
        return PersonEntry.of(person)


class ListCompanies:
    """Any member; ordered by local update time, oldest first, for polling."""

    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, actor: Actor, query: CompanyQuery, cursor: str | None = None
    ) -> PageOf:
        query = _prepared(query, "companies", cursor)
        async with self._uow() as uow:
            companies = await uow.companies.list(actor.workspace_id, query)
        return PageOf(items=companies, next_cursor=_next_cursor(companies, query.limit))
