"""Test support: the fake org's rows rendered as REST records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.crm import CrmObject, DescribedField
from tests.fakes.salesforce.soql import Record
from tests.fakes.salesforce.tables import OrgTables, known

SOBJECTS = "/services/data/v62.0/sobjects"


class RestRendering(OrgTables):
    """Records shaped the way the REST API answers them."""

    def _value(self, obj: CrmObject, row: Record, name: str) -> Any:
        field = self._field(obj, name)
        if field.is_compound:
            return _address(row, field, self.fields[obj])
        if field.name == "Name" and obj is not CrmObject.ACCOUNT:
            names = (row.get("FirstName"), row.get("LastName"))
            return " ".join(n for n in names if n) or None
        return row.get(field.name)

    def _render(self, obj: CrmObject, row: Record, fields: Iterable[str]) -> Record:
        """A REST record: attributes, then the fields, relationships nested."""
        url = f"{SOBJECTS}/{obj.value}/{row['Id']}"
        record: Record = {"attributes": {"type": obj.value, "url": url}}
        related: dict[str, list[str]] = {}
        for name in fields:
            head, dot, rest = name.partition(".")
            if dot:
                related.setdefault(head, []).append(rest)
            else:
                record[self._field(obj, name).name] = self._value(obj, row, name)
        for head, names in related.items():
            reference, key = self._relation(obj, head)
            target = known(reference.reference_to[0])
            parent_id = row.get(reference.name)
            parent = self.rows[target].get(parent_id) if target and parent_id else None
            record[key] = None
            if target is not None and parent is not None:
                record[key] = self._render(target, parent, names)
        return record


def _address(
    row: Record, whole: DescribedField, fields: Iterable[DescribedField]
) -> Record | None:
    prefix = whole.name.removesuffix("Address")
    parts = {
        _lower_first(part.name.removeprefix(prefix)): row.get(part.name)
        for part in fields
        if part.compound_field_name == whole.name
    }
    return parts if any(value is not None for value in parts.values()) else None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]
