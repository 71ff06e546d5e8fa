"""Routes for product teams: the local copy of the org's people and companies."""

from __future__ import annotations

from typing import Annotated, Any, cast

from litestar import Request, Router, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, Parameter

from application.sync.ports import CompanyQuery, PeopleQuery, PersonEntry
from application.sync.reads import MAX_PAGE, GetPerson, ListCompanies, ListPeople
from domain.crm import CrmObject
from domain.people import Company
from domain.workspace import Actor
from entrypoints.container import resolve
from entrypoints.http.deps import authenticate, current_actor, description
from entrypoints.http.openapi import errors
from entrypoints.http.query import (
    bounded_path,
    choice,
    flag,
    integer,
    moment,
    no_query,
    query_of,
    text,
)
from entrypoints.http.sync_schemas import (
    CompaniesPage,
    CompanyView,
    PeoplePage,
    PersonView,
)

DEFAULT_PAGE = 100
SOURCES = {"lead": CrmObject.LEAD, "contact": CrmObject.CONTACT}
PEOPLE_FILTERS = ("email", "updated_since", "source", "include_deleted")
COMPANY_FILTERS = ("updated_since", "include_deleted")
PAGING = ("limit", "cursor")

Email = Annotated[
    str | None,
    Parameter(
        description="exact email address, any case; whitespace around it, "
        "or around the stored one, ignored"
    ),
]
UpdatedSince = Annotated[
    str | None,
    Parameter(description="changed locally at or after this ISO 8601 date-time"),
]
Source = Annotated[
    str | None, Parameter(description="lead or contact: the record that feeds it")
]
IncludeDeleted = Annotated[
    str | None, Parameter(description="true: also people deleted in Salesforce")
]
Limit = Annotated[str | None, Parameter(description=f"1..{MAX_PAGE} per page")]
Cursor = Annotated[str | None, Parameter(description="next_cursor of the last page")]


@get("/people", description=description(ListPeople), responses=errors(401, 422))
async def list_people(
    actor: NamedDependency[Actor],
    state: State,
    request: Request[Any, Any, Any],
    email: Email = None,
    updated_since: UpdatedSince = None,
    source: Source = None,
    include_deleted: IncludeDeleted = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PeoplePage:
    query = query_of(request, PEOPLE_FILTERS + PAGING)
    people = PeopleQuery(
        email=text(query, "email"),
        updated_since=moment(query, "updated_since"),
        source=choice(query, "source", SOURCES),
        include_deleted=flag(query, "include_deleted"),
        limit=integer(query, "limit", low=1, high=MAX_PAGE, default=DEFAULT_PAGE),
    )
    use_case = await resolve(state.container.list_people, ListPeople)
    page = await use_case.execute(actor, people, text(query, "cursor"))
    return PeoplePage(
        items=[PersonView.of(person) for person in cast(list[PersonEntry], page.items)],
        next_cursor=page.next_cursor,
    )


@get(
    "/people/{person_id:str}",
    description=description(GetPerson),
    guards=[no_query],
    responses=errors(401, 404, 422),
)
async def show_person(
    actor: NamedDependency[Actor],
    state: State,
    person_id: FromPath[str],
) -> PersonView:
    use_case = await resolve(state.container.get_person, GetPerson)
    return PersonView.of(await use_case.execute(actor, person_id))


@get("/companies", description=description(ListCompanies), responses=errors(401, 422))
async def list_companies(
    actor: NamedDependency[Actor],
    state: State,
    request: Request[Any, Any, Any],
    updated_since: UpdatedSince = None,
    include_deleted: IncludeDeleted = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> CompaniesPage:
    query = query_of(request, COMPANY_FILTERS + PAGING)
    companies = CompanyQuery(
        updated_since=moment(query, "updated_since"),
        include_deleted=flag(query, "include_deleted"),
        limit=integer(query, "limit", low=1, high=MAX_PAGE, default=DEFAULT_PAGE),
    )
    use_case = await resolve(state.container.list_companies, ListCompanies)
    page = await use_case.execute(actor, companies, text(query, "cursor"))
    return CompaniesPage(
        items=[CompanyView.of(item) for item in cast(list[Company], page.items)],
        next_cursor=page.next_cursor,
    )


people_routes = Router(
    path="/api",
    route_handlers=[list_people, show_person, list_companies],
    guards=[authenticate, bounded_path],
    dependencies={"actor": Provide(current_actor)},
    security=[{"BearerToken": []}],
    tags=["people and companies"],
)
