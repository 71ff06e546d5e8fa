"""What the record-reading endpoints send: query pages, describes, query jobs."""

from __future__ import annotations

from typing import Any

import msgspec

from domain.crm import DescribedField, ObjectDescribe


class RecordsPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A query page with records left as Salesforce's JSON objects."""

    total_size: int
    done: bool
    records: list[dict[str, Any]]
    next_records_url: str | None = None

    def __post_init__(self) -> None:
        # Taking this for the last page would end a sync early, losing rows.
        if not self.done and not self.next_records_url:
            raise ValueError("a page that is not done names no nextRecordsUrl")


class PicklistEntry(msgspec.Struct, frozen=True, kw_only=True):
    value: str
    active: bool = True


class FieldAnswer(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One entry of describe's `fields`; Salesforce sends many more keys."""

    name: str
    label: str = ""
    type: str = "string"
    length: int = 0
    nillable: bool = True
    updateable: bool = False
    filterable: bool = True
    compound_field_name: str | None = None
    relationship_name: str | None = None
    reference_to: list[str] = msgspec.field(default_factory=list)
    picklist_values: list[PicklistEntry] = msgspec.field(default_factory=list)

    def to_field(self) -> DescribedField:
        return DescribedField(
            name=self.name,
            label=self.label or self.name,
            type=self.type,
            length=self.length,
            nillable=self.nillable,
            updateable=self.updateable,
            filterable=self.filterable,
            compound_field_name=self.compound_field_name,
            relationship_name=self.relationship_name,
            reference_to=tuple(self.reference_to),
            picklist_values=tuple(p.value for p in self.picklist_values if p.active),
        )


class DescribeAnswer(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    fields: list[FieldAnswer]

    def to_describe(self) -> ObjectDescribe:
        return ObjectDescribe(
            name=self.name, fields=tuple(item.to_field() for item in self.fields)
        )


class JobInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A Bulk API 2.0 query job, as creating or polling it answers."""

    id: str
    state: str
