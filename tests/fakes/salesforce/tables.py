"""Test support: the fake org's rows and fields, and how a field path resolves."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.crm import ID_PREFIXES, CrmObject, DescribedField, ObjectDescribe
from tests.fakes.salesforce.describes import STANDARD_FIELDS
from tests.fakes.salesforce.soql import Record, SyncQuery, query_error

_DATETIME = "%Y-%m-%dT%H:%M:%S.000+0000"


def _rest_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_DATETIME)


# The cursor and job records live here, beside the `__init__` that holds them, so
# the query and bulk modules can both build on `OrgTables` without a cycle.
@dataclass
class Cursor:
    records: list[Record]
    endpoint: str


@dataclass
class BulkJob:
    obj: CrmObject
    fields: tuple[str, ...]
    rows: list[Record]
    polls_left: int
    final_state: str


class OrgTables:
    """The state of a `FakeOrg`, its writes, and the reads its APIs share."""

    def __init__(self, *, first_id: int = 1) -> None:
        self.fields = {obj: list(fields) for obj, fields in STANDARD_FIELDS.items()}
        self.rows: dict[CrmObject, dict[str, Record]] = {obj: {} for obj in CrmObject}
        self.now = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
        self.page_size = 2000
        self.bulk_polls = 0
        self.bulk_final_state = "JobComplete"
        self._cursors: dict[str, Cursor] = {}
        self._jobs: dict[str, BulkJob] = {}
        self._ids = itertools.count(first_id)

    def create(
        self,
        obj: CrmObject,
        values: Mapping[str, Any] | None = None,
        *,
        modstamp: datetime | None = None,
    ) -> str:
        record_id = f"{ID_PREFIXES[obj]}{next(self._ids):012d}AAA"
        stamp = _rest_datetime(modstamp or self.now)
        row: Record = {"Id": record_id, "IsDeleted": False, "CreatedDate": stamp}
        if obj is CrmObject.LEAD:
            row["IsConverted"] = False
        self.rows[obj][record_id] = row
        self.update(obj, record_id, values or {}, modstamp=modstamp)
        return record_id

    def update(
        self,
        obj: CrmObject,
        record_id: str,
        values: Mapping[str, Any],
        *,
        modstamp: datetime | None = None,
    ) -> None:
        row = self.rows[obj][record_id]
        for name, value in values.items():
            stored = _rest_datetime(value) if isinstance(value, datetime) else value
            row[self._field(obj, name).name] = stored
        stamp = _rest_datetime(modstamp or self.now)
        row["LastModifiedDate"] = row["SystemModstamp"] = stamp

    def delete(
        self, obj: CrmObject, record_id: str, *, modstamp: datetime | None = None
    ) -> None:
        self.update(obj, record_id, {"IsDeleted": True}, modstamp=modstamp)

    def convert_lead(
        self,
        lead_id: str,
        *,
        contact_id: str,
        account_id: str | None = None,
        modstamp: datetime | None = None,
    ) -> None:
        values = {
            "IsConverted": True,
            "ConvertedContactId": contact_id,
            "ConvertedAccountId": account_id,
        }
        self.update(CrmObject.LEAD, lead_id, values, modstamp=modstamp)

    def add_field(self, obj: CrmObject, field: DescribedField) -> None:
        """A custom (`__c`) field, say; it reads as null until set."""
        self.fields[obj].append(field)

    def describe(self, obj: CrmObject) -> ObjectDescribe:
        return ObjectDescribe(name=obj.value, fields=tuple(self.fields[obj]))

    def _select(self, query: SyncQuery, include_deleted: bool) -> list[Record]:
        for name in query.fields:
            self._resolve(query.obj, name)
        rows = [
            row
            for row in self.rows[query.obj].values()
            if (include_deleted or not row["IsDeleted"]) and query.matches(row)
        ]
        return sorted(rows, key=lambda row: (row["SystemModstamp"], row["Id"]))

    def _field(self, obj: CrmObject, name: str) -> DescribedField:
        field = self.describe(obj).field(name)
        if field is None:
            message = f"No such column '{name}' on entity '{obj.value}'."
            raise query_error("INVALID_FIELD", message, name)
        return field

    def _relation(self, obj: CrmObject, name: str) -> tuple[DescribedField, str]:
        reference = self.describe(obj).relationship(name)
        if reference is None or reference.relationship_name is None:
            message = f"Didn't understand relationship '{name}' in field path."
            raise query_error("INVALID_FIELD", message, name)
        return reference, reference.relationship_name

    def _resolve(self, obj: CrmObject, path: str) -> DescribedField:
        head, dot, rest = path.partition(".")
        if not dot:
            return self._field(obj, head)
        reference, _ = self._relation(obj, head)
        target = known(reference.reference_to[0])
        if target is None:
            # Limitation: no User table; Owner.* is refused rather than faked.
            raise query_error("INVALID_FIELD", f"no {head} in the fake", head)
        return self._resolve(target, rest)


def known(name: str) -> CrmObject | None:
    """The object so named, or None for one the fake keeps no rows of (User)."""
    return next((obj for obj in CrmObject if obj.value == name), None)
