"""In-memory persistence: stored people and companies, and how a save stamps
and lists them as the SQL stores do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import msgspec

from domain.people import Company, Person


@dataclass(frozen=True)
class StoredPerson:
    """A person and the last jobs that saw its Lead and its Contact."""

    person: Person
    lead_seen_job: str | None = None
    contact_seen_job: str | None = None


@dataclass(frozen=True)
class StoredCompany:
    company: Company
    seen_job: str | None = None


Stamped = TypeVar("Stamped", Person, Company)


def stamped(value: Stamped, workspace_id: str, now: datetime) -> Stamped:
    """The value as stored: refused in another workspace, stamped if it was not."""
    if value.workspace_id != workspace_id:
        raise ValueError(f"{value!r} is not in workspace {workspace_id}")
    if value.updated_at is not None:
        return value
    return msgspec.structs.replace(value, updated_at=now)


def unless_unchanged(value: Stamped, stored: Stamped) -> Stamped:
    """`value`, or `stored` if they differ in `updated_at` alone: as the SQL
    upsert does, a row saved with the values it holds keeps its stamp."""
    same = msgspec.structs.replace(value, updated_at=stored.updated_at) == stored
    return stored if same else value


def listed(
    value: Person | Company, since: datetime | None, include_deleted: bool
) -> bool:
    assert value.updated_at is not None  # Stamped when saved.
    if since is not None and value.updated_at < since:
        return False
    return include_deleted or not value.deleted


def keyset(
    values: list[Stamped],
    key: Callable[[Stamped], str],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Stamped]:
    """Ordered by `(updated_at, key)`, strictly after `after`, at most `limit`."""
    ordered = sorted(values, key=lambda value: (value.updated_at, key(value)))
    if after is not None:
        ordered = [v for v in ordered if (v.updated_at, key(v)) > after]
    return ordered[:limit]
