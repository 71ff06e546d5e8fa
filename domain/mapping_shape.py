"""Field mapping checks that need no org: targets, types, counts and defaults."""

from __future__ import annotations

import math
import re

import msgspec

from domain.mapping_rules import (
    COMPANY_TARGETS,
    PERSON_TARGETS,
    TARGET_SOURCES,
    CompanyRule,
    PersonRule,
)
from domain.transforms import (
    TEXT_KINDS,
    DefaultValue,
    Value,
    ValueMap,
    is_datetime_text,
)


class Violation(msgspec.Struct, frozen=True, kw_only=True):
    """One broken rule: which rule and source field, and why."""

    rule: str
    field: str | None
    code: str
    message: str


_TARGET = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_RULES = 200
# Each runs on every synced value of its rule: a handful is all a rule needs.
MAX_TRANSFORMS = 16


def value_violations(
    name: str, rule: PersonRule | CompanyRule, wanted: str
) -> list[Violation]:
    """What the rule's transforms break for a target of type `wanted`; none
    when `wanted` is no type at all (the shape check says so, once)."""
    if wanted not in TARGET_SOURCES:
        return []
    return [
        *_default_violations(name, rule, wanted),
        *_transform_violations(name, rule, wanted),
    ]


def _default_violations(
    name: str, rule: PersonRule | CompanyRule, wanted: str
) -> list[Violation]:
    """A default must be a value of the target's type, as a source's would be."""
    return [
        violation(name, None, "invalid_default", _misfit(transform.value, wanted))
        for transform in rule.transforms
        if isinstance(transform, DefaultValue) and not _fits(transform.value, wanted)
    ]


def _as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _misfit(value: Value, wanted: str) -> str:
    if wanted == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return "default must be of type integer, within 64 bits"
    if wanted == "datetime":
        return (
            "default must be of type datetime: a date (2024-01-15) or a date "
            "and time with its offset (2024-01-15T12:30:00Z)"
        )
    return f"default must be of type {wanted}"


def _transform_violations(
    name: str, rule: PersonRule | CompanyRule, wanted: str
) -> list[Violation]:
    """Text transforms need a text target: on another type `trim` and
    `lowercase` would do nothing, and a value map would never match a value
    (or would store text where a number belongs). No text a rule puts in
    holds a NUL, which PostgreSQL cannot store."""
    violations = []
    for transform in rule.transforms:
        if wanted not in TEXT_KINDS and not isinstance(transform, DefaultValue):
            tag = type(transform).__struct_config__.tag
            violations.append(
                violation(
                    name,
                    None,
                    "invalid_transform",
                    f"{tag} works on text, and this target is of type {wanted}",
                )
            )
        if "\0" in _text_of(transform):
            violations.append(
                violation(name, None, "invalid_transform", "text may not hold a NUL")
            )
    return violations


def _text_of(transform: object) -> str:
    """Every piece of text a transform holds, run together."""
    if isinstance(transform, ValueMap):
        return "".join(f"{key}{value}" for key, value in transform.values.items())
    if isinstance(transform, DefaultValue) and isinstance(transform.value, str):
        return transform.value
    return ""


def _fits(value: Value, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, int) and kind == "number":
        # Stored as the float it becomes, as a source's integers are.
        return math.isfinite(_as_float(value))
    if isinstance(value, int):
        # Beyond 64 bits no database column or JSON reader keeps it whole.
        return kind == "integer" and -(2**63) <= value < 2**63
    if isinstance(value, float):
        return kind == "number"
    if kind == "datetime":
        return is_datetime_text(value)
    return kind in TEXT_KINDS


def shape_violations(
    people: tuple[PersonRule, ...], companies: tuple[CompanyRule, ...]
) -> list[Violation]:
    violations: list[Violation] = []
    if len(people) + len(companies) > MAX_RULES:
        violations.append(
            violation("mapping", None, "too_many_rules", f"at most {MAX_RULES} rules")
        )
    groups: tuple[
        tuple[str, tuple[PersonRule | CompanyRule, ...], dict[str, str]], ...
    ] = (
        ("people", people, PERSON_TARGETS),
        ("companies", companies, COMPANY_TARGETS),
    )
    for group, rules, built_in in groups:
        seen: set[str] = set()
        for index, rule in enumerate(rules):
            name = f"{group}[{index}]"
            if not _TARGET.fullmatch(rule.target):
                violations.append(
                    violation(
                        name,
                        None,
                        "invalid_target",
                        "target must be snake_case, at most 63 characters",
                    )
                )
            if rule.target in seen:
                violations.append(
                    violation(
                        name,
                        None,
                        "duplicate_target",
                        f"target {rule.target!r} is mapped twice",
                    )
                )
            seen.add(rule.target)
            if rule.type is not None and rule.type not in TARGET_SOURCES:
                violations.append(
                    violation(
                        name,
                        None,
                        "invalid_type",
                        "type must be one of " + ", ".join(sorted(TARGET_SOURCES)),
                    )
                )
            elif rule.type not in (None, built_in.get(rule.target, rule.type)):
                violations.append(
                    violation(
                        name,
                        None,
                        "invalid_type",
                        f"{rule.target!r} is a built-in target of type "
                        f"{built_in[rule.target]}: leave its type out",
                    )
                )
            if len(rule.transforms) > MAX_TRANSFORMS:
                violations.append(
                    violation(
                        name,
                        None,
                        "too_many_transforms",
                        f"at most {MAX_TRANSFORMS} transforms a rule",
                    )
                )
            if isinstance(rule, PersonRule) and not (rule.lead or rule.contact):
                violations.append(
                    violation(
                        name, None, "empty_rule", "name a lead or a contact source"
                    )
                )
    return violations


def violation(rule: str, field: str | None, code: str, message: str) -> Violation:
    return Violation(rule=rule, field=field, code=code, message=message)
