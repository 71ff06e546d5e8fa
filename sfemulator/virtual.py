"""Read-only tables built on demand from the world: Organization and User."""

from __future__ import annotations

from collections.abc import Iterable

from sfemulator.model import Org, User
from sfemulator.records import RecordError, Table
from sfemulator.schema import Field
from sfemulator.soql.errors import SoqlError
from sfemulator.soql.paths import TableLookup
from sfemulator.world import World


def _fields(*specs: tuple[str, str, int]) -> list[Field]:
    return [
        Field(name, kind, size, createable=False, updateable=False)
        for name, kind, size in specs
    ]


def organization_table(org: Org) -> Table:
    table = Table(
        "Organization",
        _fields(
            ("Id", "id", 18),
            ("Name", "string", 80),
            ("IsSandbox", "boolean", 0),
            ("OrganizationType", "picklist", 40),
            ("InstanceName", "string", 5),
        ),
    )
    kind = org.organization_type
    values = [org.id, org.name, org.is_sandbox, kind, f"EM{org.instance}"]
    table.rows[org.id] = values
    return table


def user_table(users: Iterable[User]) -> Table:
    table = Table(
        "User",
        _fields(
            ("Id", "id", 18),
            ("Username", "string", 80),
            ("Name", "string", 121),
            ("Email", "email", 128),
            ("IsActive", "boolean", 0),
        ),
    )
    for user in users:
        values = [user.id, user.username, user.name, user.email, user.active]
        table.rows[user.id] = values
    return table


def table_lookup(world: World, org: Org) -> TableLookup:
    """Finds the tables a query of `org` may touch; INVALID_TYPE for others."""
    cache: dict[str, Table] = {}

    def lookup(name: str) -> Table:
        key = name.lower()
        if key not in cache:
            cache[key] = _table(world, org, name)
        return cache[key]

    return lookup


def _table(world: World, org: Org, name: str) -> Table:
    if name.lower() == "organization":
        return organization_table(org)
    if name.lower() == "user":
        return user_table(u for u in world.users.values() if u.org_id == org.id)
    try:
        return world.records.table(org.id, name)
    except RecordError as exc:
        raise SoqlError("INVALID_TYPE", exc.message) from None
