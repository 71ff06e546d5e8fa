"""Field mapping: which Salesforce fields feed our Person and Company fields.

A person can come from a Lead or a Contact, so each person rule names a Lead
source and a Contact source (dual-field mapping); company rules name one
Account source. Sources may follow one relationship (`Account.Name`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import msgspec

from domain.crm import CrmObject, DescribedField, ObjectDescribe
from domain.mapping_reader import Source, Values, compiled
from domain.transforms import (
    TEXT_KINDS,
    DefaultValue,
    Transform,
    Value,
    is_datetime_text,
)


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


class Violation(msgspec.Struct, frozen=True, kw_only=True):
    """One broken rule: which rule and source field, and why."""

    rule: str
    field: str | None
    code: str
    message: str


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
_TARGET = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$")
MAX_RULES = 200
# Each runs on every synced value of its rule: a handful is all a rule needs.
MAX_TRANSFORMS = 16


class FieldMapping(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, dict=True
):
    """`dict=True` only holds the rules compiled for reading, built on first use."""

    people: tuple[PersonRule, ...] = ()
    companies: tuple[CompanyRule, ...] = ()

    def source_fields(self, obj: CrmObject) -> tuple[str, ...]:
        """Fields to SELECT from `obj` to apply this mapping, in a stable order."""
        if obj is CrmObject.ACCOUNT:
            names = [rule.account for rule in self.companies]
        else:
            names = [s for rule in self.people if (s := rule.source(obj))]
        return tuple(dict.fromkeys(names))

    def person_values(
        self, record: Mapping[str, Any], obj: CrmObject
    ) -> dict[str, Value]:
        values = self._lead_values if obj is CrmObject.LEAD else self._contact_values
        return values(record)

    def company_values(self, record: Mapping[str, Any]) -> dict[str, Value]:
        return self._company_values(record)

    # Every record of a sync goes through these: the rules are compiled once
    # per mapping into one function per object.
    @cached_property
    def _lead_values(self) -> Values:
        return compiled(self._person_sources(CrmObject.LEAD))

    @cached_property
    def _contact_values(self) -> Values:
        return compiled(self._person_sources(CrmObject.CONTACT))

    @cached_property
    def _company_values(self) -> Values:
        return compiled(
            tuple(
                (
                    rule.target,
                    rule.account,
                    rule.type or COMPANY_TARGETS.get(rule.target, "string"),
                    rule.transforms,
                )
                for rule in self.companies
            )
        )

    def _person_sources(self, obj: CrmObject) -> tuple[Source, ...]:
        return tuple(
            (
                rule.target,
                rule.source(obj),
                rule.type or target_type(rule),
                rule.transforms,
            )
            for rule in self.people
        )

    def affected_objects(self, previous: FieldMapping) -> frozenset[CrmObject]:
        """Objects whose rules changed, so their records need a resync."""
        changed = set()
        if not _same_rules(self.people, previous.people):
            changed |= {CrmObject.LEAD, CrmObject.CONTACT}
        if not _same_rules(self.companies, previous.companies):
            changed.add(CrmObject.ACCOUNT)
        return frozenset(changed)

    def validate(
        self, describes: Mapping[CrmObject, ObjectDescribe]
    ) -> list[Violation]:
        """Every way this mapping breaks against the org's describe; empty if none."""
        violations = _shape_violations(self)
        for index, rule in enumerate(self.people):
            wanted = rule.type or target_type(rule)
            violations += _default_violations(f"people[{index}]", rule, wanted)
            for obj, source in (
                (CrmObject.LEAD, rule.lead),
                (CrmObject.CONTACT, rule.contact),
            ):
                if source:
                    name = f"people[{index}].{obj.value.lower()}"
                    violations += _source_violations(
                        name, source, wanted, obj, describes
                    )
        for index, company_rule in enumerate(self.companies):
            wanted = company_rule.type or COMPANY_TARGETS.get(
                company_rule.target, "string"
            )
            violations += _default_violations(
                f"companies[{index}]", company_rule, wanted
            )
            violations += _source_violations(
                f"companies[{index}].account",
                company_rule.account,
                wanted,
                CrmObject.ACCOUNT,
                describes,
            )
        return violations


def _default_violations(
    name: str, rule: PersonRule | CompanyRule, wanted: str
) -> list[Violation]:
    """A default must be a value of the target's type, as a source's would be."""
    return [
        _violation(name, None, "invalid_default", f"default must be of type {wanted}")
        for transform in rule.transforms
        if isinstance(transform, DefaultValue) and not _fits(transform.value, wanted)
    ]


def _fits(value: Value, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, int):
        # Beyond 64 bits no database column or JSON reader keeps it whole.
        return kind in ("integer", "number") and -(2**63) <= value < 2**63
    if isinstance(value, float):
        return kind == "number"
    if kind == "datetime":
        return is_datetime_text(value)
    return kind in TEXT_KINDS


def _same_rules(
    ours: tuple[PersonRule | CompanyRule, ...],
    theirs: tuple[PersonRule | CompanyRule, ...],
) -> bool:
    """The same rules in any order. Not sets: a value map makes a rule unhashable."""
    return all(rule in theirs for rule in ours) and all(rule in ours for rule in theirs)


def target_type(rule: PersonRule) -> str:
    return PERSON_TARGETS.get(rule.target, "string")


def _shape_violations(mapping: FieldMapping) -> list[Violation]:
    violations: list[Violation] = []
    if len(mapping.people) + len(mapping.companies) > MAX_RULES:
        violations.append(
            _violation("mapping", None, "too_many_rules", f"at most {MAX_RULES} rules")
        )
    groups: tuple[tuple[str, tuple[PersonRule | CompanyRule, ...]], ...] = (
        ("people", mapping.people),
        ("companies", mapping.companies),
    )
    for group, rules in groups:
        seen: set[str] = set()
        for index, rule in enumerate(rules):
            name = f"{group}[{index}]"
            if not _TARGET.fullmatch(rule.target):
                violations.append(
                    _violation(
                        name,
                        None,
                        "invalid_target",
                        "target must be snake_case, at most 63 characters",
                    )
                )
            if rule.target in seen:
                violations.append(
                    _violation(
                        name,
                        None,
                        "duplicate_target",
                        f"target {rule.target!r} is mapped twice",
                    )
                )
            seen.add(rule.target)
            if rule.type is not None and rule.type not in TARGET_SOURCES:
                violations.append(
                    _violation(
                        name,
                        None,
                        "invalid_type",
                        f"type must be one of {sorted(TARGET_SOURCES)}",
                    )
                )
            if len(rule.transforms) > MAX_TRANSFORMS:
                violations.append(
                    _violation(
                        name,
                        None,
                        "too_many_transforms",
                        f"at most {MAX_TRANSFORMS} transforms a rule",
                    )
                )
            if isinstance(rule, PersonRule) and not (rule.lead or rule.contact):
                violations.append(
                    _violation(
                        name, None, "empty_rule", "name a lead or a contact source"
                    )
                )
    return violations


def _source_violations(
    name: str,
    source: str,
    wanted: str,
    obj: CrmObject,
    describes: Mapping[CrmObject, ObjectDescribe],
) -> list[Violation]:
    if not _SOURCE.fullmatch(source):
        return [
            _violation(name, source, "invalid_field", "not a Salesforce field name")
        ]
    field = resolve_field(source, obj, describes)
    if field is None:
        return [
            _violation(
                name, source, "unknown_field", f"{obj.value} has no field {source}"
            )
        ]
    if field.is_compound:
        return [
            _violation(
                name,
                source,
                "compound_field",
                f"{source} is a compound field; map its parts (Street, City, ...)",
            )
        ]
    allowed = TARGET_SOURCES.get(wanted, frozenset())
    if field.type not in allowed:
        return [
            _violation(
                name,
                source,
                "incompatible_type",
                f"{source} is {field.type}, which cannot become {wanted}",
            )
        ]
    return []


def resolve_field(
    source: str, obj: CrmObject, describes: Mapping[CrmObject, ObjectDescribe]
) -> DescribedField | None:
    describe = describes.get(obj)
    if describe is None:
        return None
    if "." not in source:
        return describe.field(source)
    relationship, field_name = source.split(".", 1)
    reference = describe.relationship(relationship)
    if reference is None or not reference.reference_to:
        return None
    known = {obj.value: obj for obj in CrmObject}
    target_object = known.get(reference.reference_to[0])
    target = describes.get(target_object) if target_object else None
    return target.field(field_name) if target else None


def _violation(rule: str, field: str | None, code: str, message: str) -> Violation:
    return Violation(rule=rule, field=field, code=code, message=message)
