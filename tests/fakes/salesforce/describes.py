"""Test support: the standard Lead, Contact and Account fields the fake describes."""

from __future__ import annotations

from typing import Any

from domain.crm import CrmObject, DescribedField


def _describe(name: str, kind: str, length: int = 0, **extra: Any) -> DescribedField:
    extra.setdefault("updateable", kind not in ("id", "datetime", "address"))
    return DescribedField(name=name, label=name, type=kind, length=length, **extra)


def _system() -> list[DescribedField]:
    fixed = {"nillable": False, "updateable": False}
    return [
        _describe("Id", "id", 18, **fixed),
        _describe("IsDeleted", "boolean", **fixed),
        _describe("CreatedDate", "datetime", **fixed),
        _describe("LastModifiedDate", "datetime", **fixed),
        _describe("SystemModstamp", "datetime", **fixed),
        _describe(
            "OwnerId",
            "reference",
            18,
            relationship_name="Owner",
            reference_to=("User",),
        ),
    ]


def _address_fields(prefix: str) -> list[DescribedField]:
    whole = f"{prefix}Address"
    parts = [
        _describe(f"{prefix}{part}", "string", 80, compound_field_name=whole)
        for part in ("Street", "City", "State", "PostalCode", "Country")
    ]
    return [*parts, _describe(whole, "address", filterable=False)]


def _picklist(name: str, *values: str) -> DescribedField:
    return _describe(name, "picklist", 255, picklist_values=values)


def _reference(name: str, target: str, relationship: str) -> DescribedField:
    return _describe(
        name,
        "reference",
        18,
        relationship_name=relationship,
        reference_to=(target,),
    )


_INDUSTRY = _picklist("Industry", "Banking", "Retail", "Technology")
_PERSON = [
    _describe("FirstName", "string", 40),
    _describe("LastName", "string", 80, nillable=False),
    _describe("Name", "string", 121, updateable=False),
    _describe("Email", "email", 80),
    _describe("Title", "string", 128),
    _describe("Phone", "phone", 40),
    _picklist("LeadSource", "Web", "Phone", "Partner"),
    _describe("Description", "textarea", 32000, filterable=False),
]
STANDARD_FIELDS: dict[CrmObject, tuple[DescribedField, ...]] = {
    CrmObject.LEAD: (
        *_system(),
        *_PERSON,
        _describe("Company", "string", 255, nillable=False),
        _describe("Website", "url", 255),
        _INDUSTRY,
        _picklist("Status", "Open", "Working", "Qualified", "Unqualified"),
        _describe("NumberOfEmployees", "int"),
        _describe("AnnualRevenue", "currency"),
        *_address_fields(""),
        _describe("IsConverted", "boolean", nillable=False, updateable=False),
        _reference("ConvertedContactId", "Contact", "ConvertedContact"),
        _reference("ConvertedAccountId", "Account", "ConvertedAccount"),
    ),
    CrmObject.CONTACT: (
        *_system(),
        *_PERSON,
        _reference("AccountId", "Account", "Account"),
        _describe("Department", "string", 80),
        *_address_fields("Mailing"),
    ),
    CrmObject.ACCOUNT: (
        *_system(),
        _describe("Name", "string", 255, nillable=False),
        _describe("Website", "url", 255),
        _INDUSTRY,
        _picklist("Type", "Prospect", "Customer", "Partner"),
        _describe("NumberOfEmployees", "int"),
        _describe("AnnualRevenue", "currency"),
        _describe("Phone", "phone", 40),
        _describe("Description", "textarea", 32000, filterable=False),
        *_address_fields("Billing"),
    ),
}
