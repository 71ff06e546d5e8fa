"""Field mapping: round-trips, dual sources apply alike, validation names the rule."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.crm import CrmObject, DescribedField, ObjectDescribe
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import CompanyRule, FieldMapping, PersonRule, target_type
from domain.mapping_reader import read_path
from domain.transforms import (
    DefaultValue,
    Lowercase,
    Transform,
    Trim,
    ValueMap,
    convert,
)


def describe(name: str, *fields: DescribedField) -> ObjectDescribe:
    return ObjectDescribe(name=name, fields=fields)


def text(name: str, kind: str = "string") -> DescribedField:
    return DescribedField(name=name, label=name, type=kind, length=80)


DESCRIBES = {
    CrmObject.LEAD: describe(
        "Lead",
        text("Email", "email"),
        text("Title"),
        text("Company"),
        text("Status", "picklist"),
        text("NumberOfEmployees", "int"),
        text("Address", "address"),
        text("Rating__c", "picklist"),
        text("CreatedDate", "datetime"),
        text("IsConverted", "boolean"),
        text("AnnualRevenue", "currency"),
        text("OwnerId", "reference"),
    ),
    CrmObject.CONTACT: describe(
        "Contact",
        text("Email", "email"),
        text("Title"),
        DescribedField(
            name="AccountId",
            label="Account",
            type="reference",
            relationship_name="Account",
            reference_to=("Account",),
        ),
        text("MailingAddress", "address"),
        text("Level__c", "picklist"),
    ),
    CrmObject.ACCOUNT: describe(
        "Account",
        text("Name"),
        text("NumberOfEmployees", "int"),
        text("Website", "url"),
    ),
}

transforms = st.lists(
    st.one_of(
        st.just(Trim()),
        st.just(Lowercase()),
        st.builds(
            ValueMap,
            values=st.dictionaries(
                st.text(max_size=5), st.text(max_size=5), max_size=3
            ),
        ),
        st.builds(DefaultValue, value=st.text(min_size=1, max_size=5)),
    ),
    max_size=4,
).map(tuple)

field_names = st.sampled_from(["Email", "Title", "Custom_Field__c", "Account.Name"])
person_rules = st.builds(
    PersonRule,
    target=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    lead=field_names,
    contact=field_names,
    transforms=transforms,
)
mappings = st.builds(
    FieldMapping,
    people=st.lists(person_rules, max_size=6, unique_by=lambda r: r.target).map(tuple),
    companies=st.just(DEFAULT_MAPPING.companies),
)
scalar = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.booleans())


@given(mappings)
def test_any_mapping_round_trips_through_json(mapping: FieldMapping) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(mapping), type=FieldMapping)

    assert decoded == mapping


@given(mappings, st.dictionaries(field_names, scalar))
def test_a_lead_and_a_contact_with_the_same_values_map_alike(
    mapping: FieldMapping, values: dict[str, Any]
) -> None:
    same = FieldMapping(
        people=tuple(
            msgspec.structs.replace(rule, contact=rule.lead) for rule in mapping.people
        )
    )

    def record_from(obj: CrmObject) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for rule in same.people:
            source = rule.source(obj)
            value = values.get(rule.lead or "")
            if source and "." in source:
                relation, field = source.split(".")
                record.setdefault(relation, {})[field] = value
            elif source:
                record[source] = value
        return record

    lead = same.person_values(record_from(CrmObject.LEAD), CrmObject.LEAD)
    contact = same.person_values(record_from(CrmObject.CONTACT), CrmObject.CONTACT)

    assert lead == contact
    assert set(lead) == {rule.target for rule in mapping.people}


typed_rules = st.builds(
    PersonRule,
    target=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    lead=st.one_of(st.none(), field_names),
    contact=st.one_of(st.none(), field_names),
    type=st.one_of(st.none(), st.sampled_from(["integer", "number", "boolean", "id"])),
    transforms=transforms,
)
odd_values = st.one_of(
    scalar,
    st.floats(allow_nan=False),
    st.lists(scalar, max_size=2),
    st.dictionaries(st.sampled_from(["Name", "name", "NAME"]), scalar, max_size=2),
)
# Keys in any case: a record's keys need not match the rule's spelling.
record_keys = st.sampled_from(
    ["Email", "email", "EMAIL", "Title", "custom_field__c", "Account", "account"]
)


@given(
    st.lists(typed_rules, max_size=6, unique_by=lambda r: r.target).map(tuple),
    st.sampled_from([CrmObject.LEAD, CrmObject.CONTACT]),
    st.dictionaries(record_keys, odd_values),
)
def test_person_values_apply_each_rule_as_defined(
    rules: tuple[PersonRule, ...], obj: CrmObject, record: dict[str, Any]
) -> None:
    """The per-mapping compiled reading gives what each rule says, value by value."""
    mapping = FieldMapping(people=rules)
    expected = {}
    for rule in rules:
        source = rule.source(obj)
        raw = read_path(record, source) if source else None
        kind = rule.type or target_type(rule)
        expected[rule.target] = convert(raw, kind, rule.transforms)

    assert mapping.person_values(record, obj) == expected
    assert mapping.person_values(record, obj) == expected  # compiled once, reused


def test_names_with_quotes_and_line_breaks_are_read_as_written() -> None:
    odd = 'it\'s "odd"\n\\'
    mapping = FieldMapping(
        people=(
            PersonRule(target=odd, lead=f"{odd}__c", contact="Account." + odd),
            PersonRule(target="plain", lead="Title", transforms=(Trim(),)),
        ),
        companies=(CompanyRule(target=odd, account=odd),),
    )

    lead = mapping.person_values({f"{odd}__c": 7, "Title": " CEO "}, CrmObject.LEAD)
    contact = mapping.person_values({"Account": {odd: "x"}}, CrmObject.CONTACT)

    assert lead == {odd: "7", "plain": "CEO"}
    assert contact == {odd: "x", "plain": None}
    assert mapping.company_values({odd: True}) == {odd: "true"}


def test_default_mapping_applies_to_both_sources() -> None:
    lead = {
        "Email": "  Ada@Example.COM ",
        "Company": "Analytical Engines",
        "Title": None,
    }
    contact = {"Email": "ada@example.com", "Account": {"Name": "Analytical Engines"}}

    from_lead = DEFAULT_MAPPING.person_values(lead, CrmObject.LEAD)
    from_contact = DEFAULT_MAPPING.person_values(contact, CrmObject.CONTACT)

    assert from_lead["email"] == from_contact["email"] == "ada@example.com"
    assert from_lead["company"] == from_contact["company"] == "Analytical Engines"
    assert from_lead["job_title"] is None
    assert from_contact["lead_status"] is None


def test_a_null_relationship_reads_as_empty() -> None:
    values = DEFAULT_MAPPING.person_values({"Account": None}, CrmObject.CONTACT)

    assert values["company"] is None


@pytest.mark.parametrize(
    ("raw", "chain", "expected"),
    [
        ("  Hot ", (Trim(), ValueMap(values={"Hot": "high"})), "high"),
        ("", (DefaultValue(value="unknown"),), "unknown"),
        (None, (DefaultValue(value=0),), 0),
        ("Cold", (ValueMap(values={"Hot": "high"}),), "Cold"),
        ("MiXeD", (Lowercase(),), "mixed"),
    ],
)
def test_transforms_apply_in_order(
    raw: Any, chain: tuple[Transform, ...], expected: Any
) -> None:
    mapping = FieldMapping(
        people=(PersonRule(target="x", lead="F", contact="F", transforms=chain),)
    )

    assert mapping.person_values({"F": raw}, CrmObject.LEAD)["x"] == expected


def test_numbers_and_datetimes_are_converted() -> None:
    mapping = FieldMapping(
        people=(
            PersonRule(target="employees", lead="N", contact="N"),
            PersonRule(target="seen", lead="D", contact="D", type="datetime"),
        )
    )

    values = mapping.person_values(
        {"N": 120.0, "D": "2024-01-15T10:30:00.000+0000"}, CrmObject.LEAD
    )

    assert values == {"employees": 120, "seen": "2024-01-15T10:30:00Z"}


@pytest.mark.parametrize("raw", [float("inf"), float("-inf"), float("nan")])
def test_a_number_with_no_integer_value_maps_to_empty(raw: float) -> None:
    mapping = FieldMapping(people=(PersonRule(target="employees", lead="N"),))

    assert mapping.person_values({"N": raw}, CrmObject.LEAD) == {"employees": None}


def test_a_valid_mapping_has_no_violations() -> None:
    mapping = FieldMapping(
        people=(
            PersonRule(target="email", lead="Email", contact="Email"),
            PersonRule(target="company", lead="Company", contact="Account.Name"),
            PersonRule(target="rating", lead="Rating__c", contact="Level__c"),
        ),
        companies=(CompanyRule(target="employees", account="NumberOfEmployees"),),
    )

    assert mapping.validate(DESCRIBES) == []


@pytest.mark.parametrize(
    ("rule", "code", "field"),
    [
        (
            PersonRule(target="email", lead="Emial", contact="Email"),
            "unknown_field",
            "Emial",
        ),
        (PersonRule(target="street", lead="Address"), "compound_field", "Address"),
        (PersonRule(target="employees", lead="Title"), "incompatible_type", "Title"),
        (PersonRule(target="x", contact="Owner.Name"), "unknown_field", "Owner.Name"),
        (PersonRule(target="x", lead="Email; DROP"), "invalid_field", "Email; DROP"),
        (PersonRule(target="Bad-Target", lead="Email"), "invalid_target", None),
        (PersonRule(target="empty"), "empty_rule", None),
        (PersonRule(target="x", lead="Email", type="money"), "invalid_type", None),
        (
            PersonRule(target="x", lead="Email", transforms=(Trim(),) * 17),
            "too_many_transforms",
            None,
        ),
    ],
)
def test_violations_name_the_rule_and_the_field(
    rule: PersonRule, code: str, field: str | None
) -> None:
    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [(v.code, v.field) for v in violations][:1] == [(code, field)]
    assert violations[0].rule.startswith("people[0]")


@pytest.mark.parametrize(
    ("rule", "refused"),
    [
        (PersonRule(target="employees", lead="NumberOfEmployees", type="string"), 1),
        (PersonRule(target="employees", lead="NumberOfEmployees", type="integer"), 0),
        (PersonRule(target="employees", lead="NumberOfEmployees"), 0),
        (PersonRule(target="head_count", lead="NumberOfEmployees", type="string"), 0),
    ],
)
def test_a_built_in_target_keeps_its_own_type(rule: PersonRule, refused: int) -> None:
    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [v.code for v in violations] == ["invalid_type"] * refused
    assert all("of type integer: leave its type out" in v.message for v in violations)


def test_an_unknown_type_is_said_once_not_again_by_each_transform() -> None:
    rule = PersonRule(
        target="revenue",
        lead="NumberOfEmployees",
        contact="Email",
        type="money",
        transforms=(Trim(), DefaultValue(value="lots")),
    )

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [(v.rule, v.code) for v in violations] == [("people[0]", "invalid_type")]


def test_a_built_in_target_given_another_type_is_refused_once() -> None:
    rule = PersonRule(
        target="email",
        lead="Email",
        contact="Email",
        type="integer",
        transforms=(Trim(), Lowercase()),
    )

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    # Its sources and transforms are checked against its own type, email.
    assert [(v.rule, v.code) for v in violations] == [("people[0]", "invalid_type")]
    assert "of type email: leave its type out" in violations[0].message


def test_a_company_built_in_target_keeps_its_own_type() -> None:
    rule = CompanyRule(target="employees", account="NumberOfEmployees", type="number")

    violations = FieldMapping(companies=(rule,)).validate(DESCRIBES)

    assert [(v.rule, v.code) for v in violations] == [("companies[0]", "invalid_type")]


@pytest.mark.parametrize("transform", [Trim(), Lowercase()])
@pytest.mark.parametrize(
    ("target", "source", "kind"),
    [("employees", "NumberOfEmployees", None), ("converted", "IsConverted", "boolean")],
)
def test_text_transforms_need_a_text_target(
    transform: Transform, target: str, source: str, kind: str | None
) -> None:
    rule = PersonRule(target=target, lead=source, type=kind, transforms=(transform,))

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [v.code for v in violations] == ["invalid_transform"]
    assert violations[0].message.startswith(f"{type(transform).__struct_config__.tag}")


@pytest.mark.parametrize(
    "transform",
    [
        DefaultValue(value="x\x00y"),
        ValueMap(values={"Open\x00": "new"}),
        ValueMap(values={"Open": "\x00"}),
    ],
)
def test_no_text_of_a_rule_holds_a_nul(transform: Transform) -> None:
    rule = PersonRule(target="lead_status", lead="Status", transforms=(transform,))

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [(v.code, v.message) for v in violations] == [
        ("invalid_transform", "text may not hold a NUL")
    ]


@pytest.mark.parametrize(
    ("target", "source", "kind", "refused"),
    [
        ("employees", "NumberOfEmployees", None, True),
        ("converted", "IsConverted", "boolean", True),
        ("revenue", "AnnualRevenue", "number", True),
        ("converted_text", "IsConverted", "string", False),
        ("lead_status", "Status", None, False),
        ("owner_id", "OwnerId", None, False),
    ],
)
def test_a_value_map_needs_a_text_target(
    target: str, source: str, kind: str | None, refused: bool
) -> None:
    value_map = ValueMap(values={"100": "hundred", "false": "no"})
    rule = PersonRule(target=target, lead=source, type=kind, transforms=(value_map,))

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [v.code for v in violations] == (["invalid_transform"] if refused else [])


def test_duplicate_targets_are_refused() -> None:
    rule = PersonRule(target="email", lead="Email", contact="Email")

    violations = FieldMapping(people=(rule, rule)).validate(DESCRIBES)

    assert [v.code for v in violations] == ["duplicate_target"]


def test_a_trailing_line_break_makes_a_name_invalid() -> None:
    mapping = FieldMapping(
        people=(PersonRule(target="email\n", lead="Email"),),
        companies=(CompanyRule(target="name", account="Name\n"),),
    )

    violations = mapping.validate(DESCRIBES)

    assert [(v.rule, v.code) for v in violations] == [
        ("people[0]", "invalid_target"),
        ("companies[0].account", "invalid_field"),
    ]


@pytest.mark.parametrize(
    ("target", "default", "fits"),
    [
        ("employees", "lots", False),
        ("employees", 5.5, False),
        ("employees", 5, True),
        ("employees", 2**63, False),
        ("employees", -(2**63), True),
        ("annual_revenue", True, False),
        ("annual_revenue", -1, True),
        ("annual_revenue", 2**64, True),
        ("annual_revenue", 10**400, False),
        ("annual_revenue", 2.5, True),
        ("first_name", 7, False),
        ("first_name", "Unknown", True),
    ],
)
def test_a_default_must_be_a_value_of_the_targets_type(
    target: str, default: str | int | float | bool, fits: bool
) -> None:
    rule = PersonRule(
        target=target,
        lead="Title" if target == "first_name" else "NumberOfEmployees",
        transforms=(DefaultValue(value=default),),
    )

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [v.code for v in violations] == ([] if fits else ["invalid_default"])


def test_an_integer_default_past_64_bits_says_so() -> None:
    rule = PersonRule(
        target="employees",
        lead="NumberOfEmployees",
        transforms=(DefaultValue(value=2**63),),
    )

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [v.message for v in violations] == [
        "default must be of type integer, within 64 bits"
    ]


@pytest.mark.parametrize(
    ("default", "fits"),
    [
        ("yesterday", False),
        ("", False),
        ("2024-13-01", False),
        (1700000000, False),
        (True, False),
        ("2024-01-15T10:30:00", False),  # no offset: which time is it?
        ("9999-12-31T23:59:59-01:00", False),  # past year 9999 in UTC
        ("0001-01-01T00:00:00+01:00", False),  # before year 1 in UTC
        ("2024-W03", False),
        ("2024-01-15", True),
        ("2024-01-15T10:30:00Z", True),
        ("2024-01-15T10:30:00.000+0000", True),
        ("2024-02-29T23:00:00-02:00", True),
    ],
)
def test_a_datetime_default_must_be_a_date_or_datetime(
    default: str | int | bool, fits: bool
) -> None:
    rule = PersonRule(
        target="seen",
        lead="CreatedDate",
        type="datetime",
        transforms=(DefaultValue(value=default),),
    )

    violations = FieldMapping(people=(rule,)).validate(DESCRIBES)

    assert [v.code for v in violations] == ([] if fits else ["invalid_default"])
    said = "a date and time with its offset (2024-01-15T12:30:00Z)"
    assert all(said in violation.message for violation in violations)


@pytest.mark.parametrize(
    "raw", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"]
)
def test_a_source_datetime_utc_cannot_hold_is_kept_as_given(raw: str) -> None:
    rule = PersonRule(target="seen", lead="D", type="datetime")

    values = FieldMapping(people=(rule,)).person_values({"D": raw}, CrmObject.LEAD)

    assert values == {"seen": raw}


def test_a_datetime_default_is_stored_as_a_source_value_would_be() -> None:
    rule = PersonRule(
        target="seen",
        lead="D",
        type="datetime",
        transforms=(DefaultValue(value="2024-01-15T12:30:00+02:00"),),
    )

    values = FieldMapping(people=(rule,)).person_values({"D": None}, CrmObject.LEAD)

    assert values == {"seen": "2024-01-15T10:30:00Z"}


@pytest.mark.parametrize(
    ("target", "raw", "default", "expected"),
    [
        ("annual_revenue", None, -1, -1.0),
        ("annual_revenue", 2000, -1, 2000.0),
        ("employees", None, -1, -1),
        ("employees", 12.0, -1, 12),
    ],
)
def test_a_default_takes_the_json_type_a_source_value_gets(
    target: str, raw: float | None, default: int, expected: float
) -> None:
    rule = PersonRule(
        target=target,
        lead="Revenue",
        transforms=(DefaultValue(value=default),),
    )

    value = FieldMapping(people=(rule,)).person_values(
        {"Revenue": raw}, CrmObject.LEAD
    )[target]

    assert value == expected
    assert type(value) is type(expected)
    assert msgspec.json.encode(value) == msgspec.json.encode(expected)


def test_unknown_json_fields_are_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="sourcee"):
        msgspec.json.decode(
            b'{"people": [{"target": "x", "sourcee": "Email"}]}', type=FieldMapping
        )


def test_affected_objects_follow_the_changed_rules() -> None:
    changed = FieldMapping(
        people=DEFAULT_MAPPING.people[1:], companies=DEFAULT_MAPPING.companies
    )

    assert changed.affected_objects(DEFAULT_MAPPING) == {
        CrmObject.LEAD,
        CrmObject.CONTACT,
    }
    assert DEFAULT_MAPPING.affected_objects(DEFAULT_MAPPING) == frozenset()
