"""Field mapping: which Salesforce fields feed our Person and Company fields.

A person can come from a Lead or a Contact, so each person rule names a Lead
source and a Contact source (dual-field mapping); company rules name one
Account source. Sources may follow one relationship (`Account.Name`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import msgspec

from domain.crm import CrmObject, ObjectDescribe
from domain.mapping_reader import Source, Values, compiled
from domain.mapping_rules import (
    COMPANY_TARGETS,
    PERSON_TARGETS,
    TARGET_SOURCES,
    CompanyRule,
    PersonRule,
    target_type,
)
from domain.mapping_shape import (
    MAX_RULES,
    MAX_TRANSFORMS,
    Violation,
    shape_violations,
    value_violations,
)
from domain.mapping_sources import resolve_field, source_violations
from domain.transforms import Value


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
        violations = shape_violations(self.people, self.companies)
        for index, rule in enumerate(self.people):
            wanted = _checked_type(rule.type, rule.target, PERSON_TARGETS)
            violations += value_violations(f"people[{index}]", rule, wanted)
            for obj, source in (
                (CrmObject.LEAD, rule.lead),
                (CrmObject.CONTACT, rule.contact),
            ):
                if source:
                    name = f"people[{index}].{obj.value.lower()}"
                    violations += source_violations(
                        name, source, wanted, obj, describes
                    )
        for index, company_rule in enumerate(self.companies):
            wanted = _checked_type(
                company_rule.type, company_rule.target, COMPANY_TARGETS
            )
            violations += value_violations(f"companies[{index}]", company_rule, wanted)
            violations += source_violations(
                f"companies[{index}].account",
                company_rule.account,
                wanted,
                CrmObject.ACCOUNT,
                describes,
            )
        return violations


def _checked_type(kind: str | None, target: str, built_in: dict[str, str]) -> str:
    """The type a rule's sources, transforms and default are checked against:
    a built-in target's own, or the rule's if it is one. A type refused
    (`invalid_type`) is refused once, not again through each check after."""
    if target in built_in:
        return built_in[target]
    return kind if kind in TARGET_SOURCES else "string"


def _same_rules(
    ours: tuple[PersonRule | CompanyRule, ...],
    theirs: tuple[PersonRule | CompanyRule, ...],
) -> bool:
    """The same rules in any order. Not sets: a value map makes a rule unhashable."""
    return all(rule in theirs for rule in ours) and all(rule in ours for rule in theirs)


# Callers name these from here, the mapping's front door, wherever they live.
__all__ = [
    "COMPANY_TARGETS",
    "MAX_RULES",
    "MAX_TRANSFORMS",
    "PERSON_TARGETS",
    "TARGET_SOURCES",
    "CompanyRule",
    "FieldMapping",
    "PersonRule",
    "Violation",
    "resolve_field",
    "target_type",
]
