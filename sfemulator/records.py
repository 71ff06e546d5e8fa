"""Per-org sObject tables: Lead, Contact and Account rows stored as compact lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sfemulator.ids import PREFIXES, IdFactory
from sfemulator.schema import CUSTOM_TYPES, STANDARD, Field
from sfemulator.timefmt import to_ms

STAMPS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
PERSON_TYPES = frozenset({"Lead", "Contact"})
_CANONICAL = {name.lower(): name for name in STANDARD}


class RecordError(Exception):
    """A record operation failed; `status_code` is Salesforce's error code."""

    def __init__(self, status_code: str, message: str, fields: list[str]) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.fields = fields


class Table:
    """One org's rows of one sObject type; a row is a list indexed by `columns`.

    Lists instead of dicts keep a million rows within a few hundred MB.
    """

    def __init__(self, sobject: str, fields: list[Field] | None = None) -> None:
        self.sobject = sobject
        self.fields: list[Field] = []
        self.by_lower: dict[str, Field] = {}
        self.columns: dict[str, int] = {}
        self.rows: dict[str, list[Any]] = {}
        for item in STANDARD[sobject] if fields is None else fields:
            self.add_field(item)

    def add_field(self, item: Field) -> None:
        if item.name.lower() in self.by_lower:
            raise RecordError("DUPLICATE_DEVELOPER_NAME", item.name, [item.name])
        self.fields.append(item)
        self.by_lower[item.name.lower()] = item
        computed = item.compound or (
            item.name == "Name" and self.sobject in PERSON_TYPES
        )
        if not computed:
            self.columns[item.name] = len(self.columns)

    def field(self, name: str) -> Field | None:
        return self.by_lower.get(name.lower())

    def value(self, row: list[Any], name: str) -> Any:
        """A field's value of a row, computing Name and compound addresses."""
        index = self.columns.get(name)
        if index is not None:
            return row[index] if index < len(row) else None
        if name == "Name":
            parts = (self.value(row, "FirstName"), self.value(row, "LastName"))
            return " ".join(part for part in parts if part) or None
        item = self.by_lower[name.lower()]
        return self._address(row, item)

    def _address(self, row: list[Any], item: Field) -> dict[str, Any] | None:
        values = {p: self.value(row, p) for p in item.parts}
        if all(v is None for v in values.values()):
            return None
        prefix = item.name.removesuffix("Address")
        address: dict[str, Any] = {
            key[len(prefix)].lower() + key[len(prefix) + 1 :]: v
            for key, v in values.items()
        }
        return address | {"geocodeAccuracy": None, "latitude": None, "longitude": None}

    def new_row(self) -> list[Any]:
        return [None] * len(self.columns)

    def put(self, row: list[Any], name: str, value: Any) -> None:
        index = self.columns[name]
        if index >= len(row):
            row.extend([None] * (index + 1 - len(row)))
        row[index] = value

    def live(self, include_deleted: bool) -> Iterator[list[Any]]:
        deleted = self.columns.get("IsDeleted")
        if deleted is None:
            include_deleted = True
        for row in self.rows.values():
            if include_deleted or not row[deleted or 0]:
                yield row


class RecordStore:
    """Every org's tables, plus the clock that stamps each change."""

    def __init__(self, ids: IdFactory, clock: Callable[[], float]) -> None:
        self.ids = ids
        self.clock = clock
        # Salesforce keeps datetimes to the second ("...:00.000+0000"), which
        # makes many rows share a SystemModstamp; 1 gives milliseconds.
        self.precision_ms = 1000
        self.tables: dict[tuple[str, str], Table] = {}

    def add_org(self, org_id: str) -> None:
        for sobject in STANDARD:
            self.tables[(org_id, sobject)] = Table(sobject)

    def table(self, org_id: str, sobject: str) -> Table:
        table = self.tables.get((org_id, _CANONICAL.get(sobject.lower(), sobject)))
        if table is None:
            message = f"sObject type '{sobject}' is not supported."
            raise RecordError("INVALID_TYPE", message, [])
        return table

    def stamp(self, forced: object = None) -> int:
        """Now, or the forced value, in epoch ms cut to the store's precision
        (whole seconds unless set otherwise, as Salesforce stores them)."""
        moment = int(self.clock() * 1000) if forced is None else to_ms(forced)
        return moment - moment % self.precision_ms

    def add_custom_field(
        self,
        org_id: str,
        sobject: str,
        name: str,
        field_type: str = "string",
        length: int | None = None,
        picklist: tuple[str, ...] = (),
    ) -> Field:
        if not name.endswith("__c") or field_type not in CUSTOM_TYPES:
            raise RecordError("INVALID_FIELD", f"bad custom field {name!r}", [name])
        size = CUSTOM_TYPES[field_type] if length is None else length
        item = Field(name, field_type, size, custom=True, picklist=tuple(picklist))
        self.table(org_id, sobject).add_field(item)
        return item

    def new_id(self, sobject: str) -> str:
        return self.ids.next(PREFIXES[sobject])
