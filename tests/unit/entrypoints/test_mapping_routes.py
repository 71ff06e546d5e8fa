"""Field mapping routes in process: mappable fields, read, replace, all violations."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from domain.default_mapping import DEFAULT_MAPPING
from domain.workspace import Role
from tests.unit.entrypoints.conftest import Api, HeldScheduler

FIELDS = "/api/crm/salesforce/fields"
MAPPING = "/api/crm/salesforce/field-mapping"


def default_body() -> dict[str, Any]:
    body: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(DEFAULT_MAPPING))
    return body


@pytest.fixture
def scheduler(held: HeldScheduler) -> HeldScheduler:
    return held


async def test_fields_of_the_three_objects_come_from_the_cached_describe(
    api: Api,
) -> None:
    await api.connect()

    first = await api.client.get(FIELDS, headers=api.auth(role=Role.MEMBER))
    cached = await api.client.get(FIELDS, headers=api.auth())
    refreshed = await api.client.get(
        FIELDS, params={"refresh": "true"}, headers=api.auth()
    )

    assert first.status_code == 200
    items = first.json()["items"]
    assert {item["object"] for item in items} == {"Lead", "Contact", "Account"}
    email = next(i for i in items if (i["object"], i["name"]) == ("Lead", "Email"))
    assert email == {
        "object": "Lead",
        "name": "Email",
        "label": "Email",
        "type": "email",
        "length": 80,
        "updateable": True,
        "compound": False,
    }
    address = next(i for i in items if i["name"] == "BillingAddress")
    assert address["compound"] is True
    assert cached.json() == first.json()
    assert refreshed.json() == first.json()
    assert api.salesforce.record_calls["describe"] == 6


@pytest.mark.parametrize(
    ("query", "name"),
    [("refresh=yes", "refresh"), ("refresh=", "refresh"), ("fresh=true", "fresh")],
)
async def test_bad_field_parameters_are_refused_naming_them(
    api: Api, query: str, name: str
) -> None:
    await api.connect()

    answer = await api.client.get(f"{FIELDS}?{query}", headers=api.auth())

    assert answer.status_code == 422
    assert answer.json()["message"].startswith(name)
    assert api.salesforce.record_calls["describe"] == 0


async def test_fields_with_the_quota_spent_answer_the_curated_problem(
    api: Api,
) -> None:
    await api.connect()
    api.salesforce.api_used = api.salesforce.api_max
    tested = await api.client.post(
        "/api/crm/salesforce/verification", headers=api.auth()
    )

    answer = await api.client.get(
        FIELDS, params={"refresh": "true"}, headers=api.auth()
    )

    assert answer.status_code == 503
    assert answer.json() == {
        key: tested.json()["problem"][key] for key in ("code", "message", "hint")
    }
    assert answer.json()["hint"]


async def test_only_a_manager_may_refresh_the_fields(api: Api) -> None:
    await api.connect()
    member = api.auth(role=Role.MEMBER)
    await api.client.get(FIELDS, headers=member)
    calls = api.salesforce.record_calls["describe"]

    refused = await api.client.get(FIELDS, params={"refresh": "true"}, headers=member)
    plain = await api.client.get(FIELDS, params={"refresh": "false"}, headers=member)

    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "refresh the field list" in refused.json()["message"]
    assert plain.status_code == 200
    assert api.salesforce.record_calls["describe"] == calls


async def test_fields_need_a_connection(api: Api) -> None:
    answer = await api.client.get(FIELDS, headers=api.auth())

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_connected"


async def test_the_default_mapping_is_shown_to_any_member(api: Api) -> None:
    answer = await api.client.get(MAPPING, headers=api.auth(role=Role.MEMBER))

    assert answer.status_code == 200
    assert answer.json() == default_body()
    email = answer.json()["people"][0]
    assert email["target"] == "email"
    assert email["transforms"] == [{"type": "trim"}, {"type": "lowercase"}]


async def test_a_replaced_mapping_is_stored_and_shown(
    api: Api, held: HeldScheduler
) -> None:
    await api.connect()
    body = default_body()
    body["people"].append(
        {
            "target": "rating",
            "lead": "LeadSource",
            "contact": "LeadSource",
            "transforms": [
                {"type": "value_map", "values": {"Web": "online"}},
                {"type": "default", "value": "unknown"},
            ],
        }
    )

    answer = await api.client.put(MAPPING, json=body, headers=api.auth())
    shown = await api.client.get(MAPPING, headers=api.auth("ws-a", Role.MEMBER))
    other = await api.client.get(MAPPING, headers=api.auth("ws-b"))

    assert answer.status_code == 200
    assert answer.json()["resync"] is None
    assert shown.json()["people"][-1]["target"] == "rating"
    assert shown.json()["people"][-1]["transforms"][1] == {
        "type": "default",
        "value": "unknown",
    }
    assert other.json() == default_body()
    assert held.submitted == []


async def test_replacing_with_resync_queues_a_full_sync_of_what_changed(
    api: Api, held: HeldScheduler
) -> None:
    await api.connect()
    body = default_body()
    body["companies"] = body["companies"][:2]

    answer = await api.client.put(
        MAPPING, params={"resync": "true"}, json=body, headers=api.auth()
    )

    resync = answer.json()["resync"]
    assert answer.status_code == 200
    assert resync["mode"] == "full"
    assert resync["objects"] == ["Account"]
    assert resync["state"] == "queued"
    assert held.submitted == [("ws-a", resync["job_id"])]


async def test_a_resync_that_cannot_start_stores_nothing(api: Api) -> None:
    await api.connect()
    kept = await api.client.put(MAPPING, json=default_body(), headers=api.auth())
    await api.client.delete("/api/crm/salesforce/connection", headers=api.auth())
    changed = default_body()
    changed["companies"] = []

    answer = await api.client.put(
        MAPPING, params={"resync": "true"}, json=changed, headers=api.auth()
    )
    after = await api.client.get(MAPPING, headers=api.auth())
    without_resync = await api.client.put(MAPPING, json=changed, headers=api.auth())

    assert kept.status_code == 200
    assert answer.status_code == 409
    assert answer.json()["code"] == "not_connected"
    assert after.json() == default_body()
    assert without_resync.status_code == 200
    assert without_resync.json()["companies"] == []


async def test_every_broken_rule_is_listed_and_nothing_is_stored(api: Api) -> None:
    await api.connect()
    body = default_body()
    body["people"][0]["lead"] = "Emial"
    body["people"][1]["contact"] = "MailingAddress"
    body["companies"][4]["account"] = "Name"
    body["people"].append({"target": "email", "lead": "Email"})

    answer = await api.client.put(MAPPING, json=body, headers=api.auth())
    shown = await api.client.get(MAPPING, headers=api.auth())

    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "mapping_invalid"
    assert "people[" in problem["message"]
    assert "/api/crm/salesforce/fields" in problem["hint"]
    assert "?refresh=true" in problem["hint"]
    found = {(e["rule"], e["field"], e["code"]) for e in problem["errors"]}
    assert found == {
        ("people[14]", None, "duplicate_target"),
        ("people[0].lead", "Emial", "unknown_field"),
        ("people[1].contact", "MailingAddress", "compound_field"),
        ("companies[4].account", "Name", "incompatible_type"),
    }
    assert all(e["message"] for e in problem["errors"])
    assert shown.json() == default_body()


async def test_rules_broken_in_shape_only_get_a_hint_about_rules(api: Api) -> None:
    await api.connect()
    body = default_body()
    body["people"][0]["target"] = "email\n"
    body["people"][11]["transforms"] = [{"type": "default", "value": "lots"}]

    answer = await api.client.put(MAPPING, json=body, headers=api.auth())

    problem = answer.json()
    assert answer.status_code == 422
    assert {(e["rule"], e["code"]) for e in problem["errors"]} == {
        ("people[0]", "invalid_target"),
        ("people[11]", "invalid_default"),
    }
    assert "snake_case" in problem["hint"]
    assert "/fields" not in problem["hint"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"people": []}', "body: missing field 'companies'"),
        (
            b'{"people": [], "companies": [], "extra": 1}',
            "body: unknown field 'extra'",
        ),
        (
            b'{"people": [{"target": "x", "lead": "Email", "typo": 1}], '
            b'"companies": []}',
            "people[0]: unknown field 'typo'",
        ),
        (
            b'{"people": [{"lead": "Email"}], "companies": []}',
            "people[0]: missing field 'target'",
        ),
        (
            b'{"people": [{"target": "x", "lead": 5}], "companies": []}',
            "people[0].lead: must be text or null, not an integer",
        ),
        (
            b'{"people": [{"target": "x", "lead": "Email", "transforms": '
            b'[{"type": "shout"}]}], "companies": []}',
            "people[0].transforms[0].type: 'shout' is not an accepted value "
            "(one of: trim, lowercase, value_map, default)",
        ),
        (
            b'{"people": [{"target": "x", "lead": "Email", "transforms": '
            b'[{"type": 5}]}], "companies": []}',
            "people[0].transforms[0].type: must be text",
        ),
        (
            b'{"people": [{"target": "x", "lead": "Email", "transforms": '
            b'[{"type": "trim", "x": 1}]}], "companies": []}',
            "people[0].transforms[0]: unknown field 'x'",
        ),
        (b'{"people": "all", "companies": []}', "people: must be a list, not text"),
        (
            b'{"people": [], "companies": [], '
            b'"people": [{"target": "email", "lead": "Email"}]}',
            "body: the key 'people' appears twice in one object",
        ),
        (
            b'{"people": [{"target": "x", "lead": "Email", "lead": "Title"}], '
            b'"companies": []}',
            "body: the key 'lead' appears twice in one object",
        ),
        (
            b'{"people": [{"target": "x", "lead": "Email", "transforms": '
            b'[{"type": "trim", "type": "lowercase"}]}], "companies": []}',
            "body: the key 'type' appears twice in one object",
        ),
        (
            b'{"people": [{"target": "employees", "lead": "NumberOfEmployees", '
            b'"transforms": [{"type": "default", "value": ' + b"9" * 5000 + b"}]}], "
            b'"companies": []}',
            "people[0].transforms[0].value: must be an integer within 64 bits",
        ),
        (
            b'{"people": [{"target": "employees", "lead": "NumberOfEmployees", '
            b'"transforms": [{"type": "default", "value": 1e400}]}], '
            b'"companies": []}',
            "people[0].transforms[0].value: holds a number past a double's "
            "range (1e308)",
        ),
        (b"{oops", "the body is not valid JSON"),
        (b"", "the request needs a JSON body"),
    ],
)
async def test_malformed_mappings_are_refused_in_words_naming_the_field(
    api: Api, body: bytes, message: str
) -> None:
    await api.connect()

    answer = await api.client.put(
        MAPPING,
        content=body,
        headers=api.auth() | {"Content-Type": "application/json"},
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert answer.json()["message"] == message
    assert api.store.mappings == {}


async def test_an_oversized_mapping_is_refused(api: Api) -> None:
    rule = b'{"target": "x", "lead": "Email"},'
    body = b'{"people": [' + rule * 9000 + b'{}], "companies": []}'

    answer = await api.client.put(MAPPING, content=body, headers=api.auth())

    assert answer.status_code == 413
    assert answer.json() == {
        "code": "payload_too_large",
        "message": "the body is larger than this route accepts (256 KiB at most)",
        "hint": "Send a smaller body.",
    }


async def test_a_member_may_not_replace_the_mapping(api: Api) -> None:
    await api.connect()

    answer = await api.client.put(
        MAPPING, json=default_body(), headers=api.auth(role=Role.MEMBER)
    )

    assert answer.status_code == 403
    assert api.store.mappings == {}
    assert api.salesforce.record_calls["describe"] == 0
