"""The mapping a workspace starts with: standard Lead, Contact and Account fields."""

from __future__ import annotations

from domain.mapping import CompanyRule, FieldMapping, PersonRule
from domain.transforms import Lowercase, Transform, Trim

_TEXT: tuple[Transform, ...] = (Trim(),)


def _person(
    target: str,
    lead: str | None,
    contact: str | None,
    transforms: tuple[Transform, ...] = _TEXT,
) -> PersonRule:
    return PersonRule(target=target, lead=lead, contact=contact, transforms=transforms)


DEFAULT_MAPPING = FieldMapping(
    people=(
        _person("email", "Email", "Email", (Trim(), Lowercase())),
        _person("first_name", "FirstName", "FirstName"),
        _person("last_name", "LastName", "LastName"),
        _person("company", "Company", "Account.Name"),
        _person("job_title", "Title", "Title"),
        _person("phone", "Phone", "Phone"),
        _person("website", "Website", "Account.Website"),
        _person("industry", "Industry", "Account.Industry"),
        _person("lead_status", "Status", None),
        _person("lead_source", "LeadSource", None),
        _person("department", None, "Department"),
        _person("employees", "NumberOfEmployees", "Account.NumberOfEmployees", ()),
        _person("annual_revenue", "AnnualRevenue", "Account.AnnualRevenue", ()),
        _person("owner_id", "OwnerId", "OwnerId", ()),
    ),
    companies=(
        CompanyRule(target="name", account="Name", transforms=_TEXT),
        CompanyRule(target="website", account="Website", transforms=_TEXT),
        CompanyRule(target="industry", account="Industry", transforms=_TEXT),
        CompanyRule(target="type", account="Type", transforms=_TEXT),
        CompanyRule(target="employees", account="NumberOfEmployees"),
        CompanyRule(target="annual_revenue", account="AnnualRevenue"),
        CompanyRule(
            target="billing_country", account="BillingCountry", transforms=_TEXT
        ),
        CompanyRule(target="owner_id", account="OwnerId"),
    ),
)
