"""Field mapping rules: the Person and Company fields they fill, and their types.

A person rule names a Lead source and a Contact source; a company rule names
one Account source. A rule's target type is what its sources must fit.
"""

from __future__ import annotations

import msgspec

from domain.crm import CrmObject
from domain.transforms import Transform


class PersonRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    target: str
    lead: str | None = None
    contact: str | None = None
    type: str | None = None
    transforms: tuple[Transform, ...] = ()

    def source(self, obj: CrmObject) -> str | None:
        return self.lead if obj is CrmObject.LEAD else self.contact


class CompanyRule(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    target: str
    account: str
    type: str | None = None
    transforms: tuple[Transform, ...] = ()


# Target types and the Salesforce field types that can feed them.
TARGET_SOURCES: dict[str, frozenset[str]] = {
    "string": frozenset(
        {
            "string",
            "email",
            "picklist",
            "multipicklist",
            "combobox",
            "textarea",
            "phone",
            "url",
            "id",
            "reference",
            "int",
            "double",
            "currency",
            "percent",
            "boolean",
            "date",
            "datetime",
        }
    ),
    "email": frozenset({"email", "string"}),
    "integer": frozenset({"int"}),
    "number": frozenset({"int", "double", "currency", "percent"}),
    "boolean": frozenset({"boolean"}),
    "datetime": frozenset({"datetime", "date"}),
    "id": frozenset({"id", "reference"}),
}

PERSON_TARGETS = {
    "email": "email",
    "first_name": "string",
    "last_name": "string",
    "company": "string",
    "job_title": "string",
    "phone": "string",
    "website": "string",
    "industry": "string",
    "lead_status": "string",
    "lead_source": "string",
    "department": "string",
    "employees": "integer",
    "annual_revenue": "number",
    "owner_id": "id",
}
COMPANY_TARGETS = {
    "name": "string",
    "website": "string",
    "industry": "string",
    "type": "string",
    "employees": "integer",
    "annual_revenue": "number",
    "billing_country": "string",
    "owner_id": "id",
}


def target_type(rule: PersonRule) -> str:
    return PERSON_TARGETS.get(rule.target, "string")
