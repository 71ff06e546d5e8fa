"""A person: a Lead or a Contact as synced, its id, and new or changed copies."""

from __future__ import annotations

import os
import random
from datetime import datetime
from typing import Any

import msgspec

from domain.crm import CrmObject
from domain.transforms import Value
from domain.uuid7 import EPOCH as _EPOCH
from domain.uuid7 import MILLIS_MASK as _MILLIS_MASK
from domain.uuid7 import MILLISECOND as _MILLISECOND
from domain.uuid7 import RANDOM_BITS as _RANDOM_BITS
from domain.uuid7 import text as uuid7_text


class Person(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    workspace_id: str
    lead_id: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    fields: dict[str, Value] = msgspec.field(default_factory=dict)
    modstamp: datetime
    lead_deleted: bool = False
    contact_deleted: bool = False
    merged_leads: dict[str, bool] = msgspec.field(default_factory=dict)
    updated_at: datetime | None = None

    @property
    def source(self) -> CrmObject:
        """The record that feeds the fields: the Contact once there is one."""
        return CrmObject.CONTACT if self.contact_id else CrmObject.LEAD

    @property
    def deleted(self) -> bool:
        return self.contact_deleted if self.contact_id else self.lead_deleted


def email_key(email: Value) -> str | None:
    """An address as the email filter matches it: without case, or the
    whitespace around it, which a pasted or a stored address may bring."""
    return email.strip().lower() if isinstance(email, str) else None


def changed(person: Person, **values: Any) -> Person:
    """`person` with new values and no `updated_at`: stamped when stored."""
    return msgspec.structs.replace(person, updated_at=None, **values)


def new_person(workspace_id: str, modstamp: datetime, **values: Any) -> Person:
    return Person(
        person_id=new_person_id(modstamp),
        workspace_id=workspace_id,
        modstamp=modstamp,
        **values,
    )


def new_person_id(modstamp: datetime) -> str:
    """A version 7 UUID (RFC 9562) stamped with the record's `SystemModstamp`,
    and greater than every id this process made before it.

    Ids that grow as records arrive land at the end of the database's indexes
    instead of at random places in them, where each would cost a page
    write once an index outgrows the cache. A REST read meets records in
    modstamp order, so there each id simply carries its modstamp. A Bulk
    read meets them in no set order (Salesforce advises against ORDER BY
    there): a record older than one before it takes the last id plus a
    random step, RFC 9562's monotonic random method. 74 random bits keep
    ids of one millisecond apart.

    The bits come from `random` (reseeded in forked children, which also
    start their own sequence), not the system's entropy: ids must be unique,
    not secret, and `os.urandom` lets go of the GIL for its system call, so
    on every new person the sync's event loop queued behind aiosqlite's
    thread to get it back.
    """
    global _last_stamp, _last_id
    stamp, millis = _last_stamp
    if stamp is not modstamp:
        # Records come in blocks sharing one modstamp object (see
        # `soql.parse_record_datetime`): it is converted once per block.
        millis = max(0, (modstamp - _EPOCH) // _MILLISECOND) & _MILLIS_MASK
        _last_stamp = (modstamp, millis)
    value = millis << _RANDOM_BITS | random.getrandbits(_RANDOM_BITS)
    if value <= _last_id:
        value = _last_id + 1 + random.getrandbits(_STEP_BITS)
    _last_id = value
    return uuid7_text(value)


def restart_person_ids() -> None:
    """Forget the last id: the next carries its own modstamp again."""
    global _last_id
    _last_id = -1


# RFC 9562's method steps by a random amount: a run's ids do not count up
# one by one.
_STEP_BITS = 32
_last_stamp: tuple[datetime | None, int] = (None, 0)
_last_id = -1
# A forked child (a server's worker) starts its own sequence: two children
# stepping from the same last id could make the same ids.
os.register_at_fork(after_in_child=restart_person_ids)
