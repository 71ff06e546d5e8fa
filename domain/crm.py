"""The Salesforce objects we sync, and the describe facts rules are checked on."""

from __future__ import annotations

import enum

import msgspec


class CrmObject(enum.StrEnum):
    ACCOUNT = "Account"
    LEAD = "Lead"
    CONTACT = "Contact"


# Accounts first so a Contact's company exists; Leads before Contacts so a
# converted Lead is known when its Contact arrives.
SYNC_ORDER = (CrmObject.ACCOUNT, CrmObject.LEAD, CrmObject.CONTACT)

ID_PREFIXES = {
    CrmObject.ACCOUNT: "001",
    CrmObject.LEAD: "00Q",
    CrmObject.CONTACT: "003",
}


class DescribedField(msgspec.Struct, frozen=True, kw_only=True):
    """One field of an object's describe, as much of it as mapping needs."""

    name: str
    label: str
    type: str
    length: int = 0
    nillable: bool = True
    updateable: bool = False
    filterable: bool = True
    compound_field_name: str | None = None
    relationship_name: str | None = None
    reference_to: tuple[str, ...] = ()
    picklist_values: tuple[str, ...] = ()

    @property
    def is_compound(self) -> bool:
        return self.type in {"address", "location"}


class ObjectDescribe(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    fields: tuple[DescribedField, ...]

    def field(self, name: str) -> DescribedField | None:
        lowered = name.lower()
        return next((f for f in self.fields if f.name.lower() == lowered), None)

    def relationship(self, name: str) -> DescribedField | None:
        """The reference field whose relationship is called `name` (`Account`)."""
        lowered = name.lower()
        return next(
            (
                f
                for f in self.fields
                if f.relationship_name and f.relationship_name.lower() == lowered
            ),
            None,
        )
