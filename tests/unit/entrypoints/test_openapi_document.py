"""What the OpenAPI document at /schema tells integrators: routes, use-case
rules, parameters and every error answer."""

from __future__ import annotations

import inspect

from application.sync.jobs import StartSync
from application.sync.mapping import ReplaceFieldMapping
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.get_connection import GetConnection
from entrypoints.http.openapi import WHEN
from tests.unit.entrypoints.conftest import Api


async def test_openapi_documents_every_route_with_the_use_case_rules(
    api: Api,
) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()

    paths = schema["paths"]
    assert set(paths) >= {
        "/api/crm/salesforce",
        "/api/crm/salesforce/settings",
        "/api/crm/salesforce/authorizations",
        "/api/oauth/callback/salesforce",
        "/api/crm/salesforce/verification",
        "/api/crm/salesforce/connection",
        "/api/crm/salesforce/environment",
        "/health",
    }
    shown = paths["/api/crm/salesforce"]["get"]
    assert shown["description"] == inspect.cleandoc(GetConnection.__doc__ or "")
    assert shown["security"] == [{"BearerToken": []}]
    callback = paths["/api/oauth/callback/salesforce"]["get"]
    assert "security" not in callback
    assert callback["description"].startswith(
        inspect.cleandoc(CompleteAuthorization.__doc__ or "")[:40]
    )
    settings = paths["/api/crm/salesforce/settings"]["put"]
    assert "requestBody" in settings
    assert set(settings["responses"]) >= {"200", "401", "403", "409", "422"}


async def test_openapi_documents_the_sync_routes_and_their_parameters(
    api: Api,
) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()

    paths = schema["paths"]
    assert set(paths) >= {
        "/api/crm/salesforce/fields",
        "/api/crm/salesforce/field-mapping",
        "/api/crm/salesforce/syncs",
        "/api/crm/salesforce/syncs/{job_id}",
        "/api/people",
        "/api/people/{person_id}",
        "/api/companies",
    }
    start = paths["/api/crm/salesforce/syncs"]["post"]
    assert start["description"].startswith(inspect.cleandoc(StartSync.__doc__ or ""))
    assert "nextRecordsUrl" in start["description"]
    assert set(start["responses"]) >= {"202", "403", "409", "422"}
    replace = paths["/api/crm/salesforce/field-mapping"]["put"]
    assert replace["description"] == inspect.cleandoc(ReplaceFieldMapping.__doc__ or "")
    assert "requestBody" in replace
    assert set(replace["responses"]) >= {"200", "403", "409", "413", "422"}
    refused = replace["responses"]["422"]["content"]["application/json"]["schema"]
    refused_body = schema["components"]["schemas"][refused["$ref"].split("/")[-1]]
    assert set(refused_body["properties"]) == {"code", "message", "hint", "errors"}
    people = paths["/api/people"]["get"]
    assert {p["name"] for p in people["parameters"]} == {
        "email",
        "updated_since",
        "source",
        "include_deleted",
        "limit",
        "cursor",
    }
    assert all(p["description"] for p in people["parameters"])
    cancel = paths["/api/crm/salesforce/syncs/{job_id}"]["delete"]
    assert "409 if it had already ended" in cancel["description"]
    assert cancel["responses"]["409"]["description"] == "The sync has already ended"
    assert set(cancel["responses"]) >= {"200", "202"}


async def test_openapi_says_what_each_progress_field_and_cursor_means(
    api: Api,
) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()

    progress = schema["components"]["schemas"]["ProgressView"]["properties"]
    assert "stored of this object" in progress["cursor"]["description"]
    assert "reads this object in full" in progress["read_in_full"]["description"]
    assert "unfinished full read" in progress["continues"]["description"]
    assert "object it was reading" in progress["error"]["description"]
    sync = schema["components"]["schemas"]["SyncView"]["properties"]
    assert all(field.get("description") for field in sync.values())
    assert all(field.get("description") for field in progress.values())
    assert "upper bound on SystemModstamp" in sync["until"]["description"]
    assert "crmbridge-cli" in sync["requested_by"]["description"]
    cursor = schema["components"]["schemas"]["CursorView"]["properties"]
    assert "read in Id order" in cursor["record_id"]["description"]
    assert "SystemModstamp" in cursor["system_modstamp"]["description"]


async def test_openapi_documents_every_error_answer_in_the_error_shape(
    api: Api,
) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()

    shapes = {
        (path, method, status): answer["content"]["application/json"]["schema"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for status, answer in operation["responses"].items()
        if status >= "400" and "content" in answer
    }
    assert shapes  # Every route has some.
    not_ours = {
        where: shape
        for where, shape in shapes.items()
        if shape.get("$ref", "").rsplit("/", 1)[-1]
        not in {"ErrorBody", "MappingErrorBody"}
    }
    assert not_ours == {}
    # A malformed request answers 422 invalid_input, documented where it can come.
    assert {where[:2] for where in shapes if where[2] == "400"} == {
        ("/api/oauth/callback/salesforce", "get")
    }
    takes_input = {
        (path, method)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if operation.get("parameters") or operation.get("requestBody")
    }
    assert takes_input
    assert {where[:2] for where in shapes if where[2] == "422"} >= takes_input
    takes_a_body = {
        (path, method)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    assert {where[:2] for where in shapes if where[2] == "413"} >= takes_a_body
    examples = [
        where
        for where in shapes
        if "examples" in str(schema["paths"][where[0]][where[1]]["responses"])
    ]
    assert examples == []  # Made-up codes and messages would mislead.


async def test_openapi_documents_what_the_callback_and_optional_bodies_do(
    api: Api,
) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()

    operation = schema["paths"]["/api/oauth/callback/salesforce"]["get"]
    callback = operation["responses"]
    start = schema["paths"]["/api/crm/salesforce/authorizations"]["post"]
    assert {
        parameter["name"]: (parameter["in"], parameter["required"])
        for parameter in operation["parameters"]
    } == {
        name: ("query", False)
        for name in ("state", "code", "error", "error_description")
    }
    assert "303" in callback
    assert "400" in callback
    assert callback["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConnectionView"
    }
    assert start["requestBody"]["required"] is False
    mapping_errors = schema["components"]["schemas"]["MappingErrorBody"]
    assert mapping_errors["required"] == ["code", "message"]


async def test_openapi_documents_what_the_server_answers_on_any_route(
    api: Api,
) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()

    operations = [
        operation for item in schema["paths"].values() for operation in item.values()
    ]
    server = [
        {
            status: answer["content"]["application/json"]["schema"]["$ref"]
            for status, answer in operation["responses"].items()
            if status in {"408", "413", "431"}
        }
        for operation in operations
    ]
    every = dict.fromkeys(("408", "413", "431"), "#/components/schemas/ErrorBody")
    assert server == [every] * len(operations)
    health = schema["paths"]["/health"]["get"]["responses"]
    assert "32 KiB" in health["431"]["description"]
    assert "30 s" in health["408"]["description"]
    mapping = schema["paths"]["/api/crm/salesforce/field-mapping"]["put"]
    assert mapping["responses"]["413"]["description"] == WHEN[413]
