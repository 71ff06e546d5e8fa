"""Revision 0009: the email keys of people stored before it lose the
whitespace around them, so the email filter finds those people too."""

from __future__ import annotations

from sqlalchemy import bindparam, text

from adapters.persistence import upgrade_to_head
from adapters.persistence.types import UtcDateTime
from application.sync.ports import PeopleQuery
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.migrating import stored_at
from tests.integration.persistence.samples import NOW

_PERSON_AT_0008 = text(
    "INSERT INTO people (workspace_id, person_id, lead_id, email, source, "
    "deleted, lead_deleted, contact_deleted, merged_leads, fields, modstamp, "
    "updated_at) VALUES ('ws-1', :person_id, :lead_id, :email, 'Lead', false, "
    "false, false, '{}', '{}', :modstamp, :modstamp)"
).bindparams(bindparam("modstamp", type_=UtcDateTime()))

STORED = {
    "p1": " ada@example.com\t",
    "p2": "ada@example.com\u3000",
    "p3": "ada@example.com",
    "p4": "ada @example.com",
}


async def test_0009_trims_the_email_keys_stored_before_it(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None
    rows = [
        {"person_id": person_id, "lead_id": f"00Q{n}", "email": email, "modstamp": NOW}
        for n, (person_id, email) in enumerate(STORED.items())
    ]
    await stored_at(sql_backend, "0008", _PERSON_AT_0008, rows)

    await upgrade_to_head(sql_backend.url)

    async with sql_backend.sql.connect() as connection:
        keys = dict((await connection.execute(text(_KEYS))).tuples().all())
    async with sql_backend.uow() as uow:
        found = await uow.people.list("ws-1", PeopleQuery(email="ada@example.com"))
    assert keys == {
        "p1": "ada@example.com",
        "p2": "ada@example.com",
        "p3": "ada@example.com",
        "p4": "ada @example.com",
    }
    assert [person.person_id for person in found] == ["p1", "p2", "p3"]


_KEYS = "SELECT person_id, email FROM people ORDER BY person_id"
