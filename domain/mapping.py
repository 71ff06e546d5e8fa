"""Field mapping: which Salesforce fields feed our Person and Company fields.

A person can come from a Lead or a Contact, so each person rule names a Lead
source and a Contact source (dual-field mapping); company rules name one
Account source. Sources may follow one relationship (`Account.Name`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import Any, cast

import msgspec

from domain.crm import CrmObject, DescribedField, ObjectDescribe

Value = str | int | float | bool | None


class Trim(msgspec.Struct, frozen=True, tag="trim"):
    """Strip surrounding white space from text."""


class Lowercase(msgspec.Struct, frozen=True, tag="lowercase"):
    """Lower-case text (emails compare case-insensitively)."""


class ValueMap(msgspec.Struct, frozen=True, tag="value_map"):
    """Replace listed values (picklist labels) with ours; others pass through."""

    values: dict[str, str]


class DefaultValue(msgspec.Struct, frozen=True, tag="default"):
    """Use `value` when the source is empty (null or blank text)."""

    value: str | int | float | bool


Transform = Trim | Lowercase | ValueMap | DefaultValue


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
    def _lead_values(self) -> _Values:
        return _compiled(self._person_sources(CrmObject.LEAD))

    @cached_property
    def _contact_values(self) -> _Values:
        return _compiled(self._person_sources(CrmObject.CONTACT))

    @cached_property
    def _company_values(self) -> _Values:
        return _compiled(
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

    def _person_sources(self, obj: CrmObject) -> tuple[_Source, ...]:
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
    return kind in _TEXT_KINDS or kind == "datetime"


def _same_rules(
    ours: tuple[PersonRule | CompanyRule, ...],
    theirs: tuple[PersonRule | CompanyRule, ...],
) -> bool:
    """The same rules in any order. Not sets: a value map makes a rule unhashable."""
    return all(rule in theirs for rule in ours) and all(rule in ours for rule in theirs)


def target_type(rule: PersonRule) -> str:
    return PERSON_TARGETS.get(rule.target, "string")


_Reader = Callable[[Mapping[str, Any]], Any]
_Converter = Callable[[Any], Value]
_Values = Callable[[Mapping[str, Any]], dict[str, Value]]
# A rule as one object reads it: target, source path, type, transforms.
_Source = tuple[str, str | None, str, tuple["Transform", ...]]
_MISSING: Any = object()


def _compiled(sources: tuple[_Source, ...]) -> _Values:
    """One function giving a record's values for these rules.

    A sync applies it to every record: written out as one function, with
    a plain field's lookup and the text conversions inline, a record costs
    one call instead of two per rule. Paths and targets enter the code only
    as `repr` literals.
    """
    names: dict[str, Any] = {"_MISSING": _MISSING, "_get_ci": _get_ci}
    lines = ["def values(record):", "    get = record.get"]
    for i, (_target, path, kind, transforms) in enumerate(sources):
        value, convert = f"v{i}", _converter(kind, transforms)
        names[f"convert{i}"] = convert
        if not path:
            names[f"empty{i}"] = convert(None)
            lines.append(f"    {value} = empty{i}")
            continue
        if "." in path:
            names[f"read{i}"] = _related_reader(path)
            lines.append(f"    {value} = read{i}(record)")
        else:
            lines += [
                f"    {value} = get({path!r}, _MISSING)",
                f"    if {value} is _MISSING:",
                f"        {value} = _get_ci(record, {path!r})",
            ]
        lines += _conversion(value, f"convert{i}", convert)
    items = ", ".join(f"{source[0]!r}: v{i}" for i, source in enumerate(sources))
    lines.append(f"    return {{{items}}}")
    # Safe: the code is ours; names and paths are repr() literals in it.
    exec(compile("\n".join(lines), "<field mapping>", "exec"), names)  # noqa: S102
    return cast(_Values, names["values"])


def _conversion(value: str, name: str, convert: _Converter) -> list[str]:
    """Lines converting `value` in place; text as it comes, None as None,
    skip the call."""
    if convert is _as_text:
        return [
            f"    if {value} is not None and {value}.__class__ is not str:",
            f"        {value} = {name}({value})",
        ]
    if convert is _as_trimmed_text:
        return [
            f"    if {value}.__class__ is str:",
            f"        {value} = {value}.strip()",
            f"    elif {value} is not None:",
            f"        {value} = {name}({value})",
        ]
    return [f"    {value} = {name}({value})"]


def _related_reader(path: str) -> _Reader:
    """`read_path` for one fixed `Relationship.Field` path."""
    parts = tuple(path.split("."))

    def read_related(record: Mapping[str, Any]) -> Any:
        value: Any = record
        for part in parts:
            # Records are dicts: the exact type test spares the ABC check.
            if type(value) is not dict and not isinstance(value, Mapping):
                return None
            found = value.get(part, _MISSING)
            value = _get_ci(value, part) if found is _MISSING else found
        return value

    return read_related


def _converter(kind: str, transforms: tuple[Transform, ...]) -> _Converter:
    """`convert` with `kind` and `transforms` fixed; text passes straight through."""
    coerce: _Converter = (
        _as_text if kind in _TEXT_KINDS else lambda raw: _coerce(raw, kind)
    )
    steps = tuple(_step(transform, kind) for transform in transforms)
    if coerce is _as_text and steps[:1] == (_trim,):
        coerce, steps = _as_trimmed_text, steps[1:]  # The default mapping's rule.
    if not steps:
        return coerce
    if len(steps) == 1:
        (step,) = steps
        return lambda raw: step(coerce(raw))

    def convert_value(raw: Any) -> Value:
        value = coerce(raw)
        for step in steps:
            value = step(value)
        return value

    return convert_value


def _as_text(raw: Any) -> Value:
    if isinstance(raw, str):
        return raw
    return _coerce(raw, "string")


def _as_trimmed_text(raw: Any) -> Value:
    if isinstance(raw, str):
        return raw.strip()
    return _trim(_coerce(raw, "string"))


def read_path(record: Mapping[str, Any], path: str) -> Any:
    """Read `Field` or `Relationship.Field`; a null relationship reads as None."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = _get_ci(value, part)
    return value


def _get_ci(record: Mapping[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    lowered = key.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)


def convert(raw: Any, kind: str, transforms: tuple[Transform, ...]) -> Value:
    value = _coerce(raw, kind)
    for transform in transforms:
        value = _step(transform, kind)(value)
    return value


_TEXT_KINDS = frozenset({"string", "email", "id"})


def _coerce(raw: Any, kind: str) -> Value:
    if raw is None or isinstance(raw, dict | list):
        return None
    if kind in _TEXT_KINDS:
        return raw if isinstance(raw, str) else _text(raw)
    if kind == "integer" and isinstance(raw, int | float) and not isinstance(raw, bool):
        # An infinite or NaN number has no integer value: empty, not a crash.
        return int(raw) if math.isfinite(raw) else None
    if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if kind == "boolean" and isinstance(raw, bool):
        return raw
    if kind == "datetime" and isinstance(raw, str):
        return normalize_datetime(raw)
    return None


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def normalize_datetime(raw: str) -> str:
    """Salesforce's `2024-01-15T10:30:00.000+0000` as ISO 8601 UTC, or as given."""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if parsed.tzinfo is None:
        return parsed.date().isoformat() if len(raw) == 10 else raw
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _step(transform: Transform, kind: str) -> Callable[[Value], Value]:
    if isinstance(transform, Trim):
        return _trim
    if isinstance(transform, Lowercase):
        return _lowercase
    if isinstance(transform, ValueMap):
        return partial(_map_value, transform.values)
    default = transform.value
    if kind == "number" and type(default) is int:
        # As a source's integer becomes one: -1 stored as -1.0, so every
        # value of a number target reads back as the same JSON type.
        default = float(default)
    return partial(_default, default)


def _trim(value: Value) -> Value:
    return value.strip() if isinstance(value, str) else value


def _lowercase(value: Value) -> Value:
    return value.lower() if isinstance(value, str) else value


def _map_value(values: dict[str, str], value: Value) -> Value:
    return values.get(value, value) if isinstance(value, str) else value


def _default(default: Value, value: Value) -> Value:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return value


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
