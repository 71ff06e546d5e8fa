"""A person: a Lead or a Contact as synced, its id, and new or changed copies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from domain.crm import CrmObject
from domain.transforms import Value


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
    """A version 7 UUID (RFC 9562) stamped with the record's `SystemModstamp`.

    A sync meets records in modstamp order, so new ids arrive nearly in
    order and land at the end of the database's indexes instead of at random
    places in them; 74 random bits keep ids of one millisecond apart.

    The bits come from `random` (reseeded in forked children), not the
    system's entropy: ids must be unique, not secret, and `os.urandom` lets
    go of the GIL for its system call, so on every new person the sync's
    event loop queued behind aiosqlite's thread to get it back.
    """
    global _last_stamp
    stamp, prefix = _last_stamp
    if stamp is not modstamp:
        # Records come in blocks sharing one modstamp object (see
        # `soql.parse_record_datetime`): its text is made once per block.
        millis = max(0, (modstamp - _EPOCH) // _MILLISECOND) & _MILLIS_MASK
        prefix = f"{millis >> 16:08x}-{millis & 0xFFFF:04x}-7"
        _last_stamp = (modstamp, prefix)
    bits = random.getrandbits(74)
    # 12 random bits, the variant (binary 10), then 62 random bits.
    tail = f"{(bits >> 62) << 64 | _VARIANT | bits & _LOW_62:019x}"
    return f"{prefix}{tail[:3]}-{tail[3:7]}-{tail[7:]}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_MILLIS_MASK = (1 << 48) - 1
_VARIANT = 1 << 63
_LOW_62 = (1 << 62) - 1
_last_stamp: tuple[datetime | None, str] = (None, "")
