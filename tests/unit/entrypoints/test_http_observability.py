"""What the HTTP app tells operators and callers: logs, 500s, refused ids."""

from __future__ import annotations

import logging

import pytest
from dependency_injector import providers

from application.errors import StorageUnavailable
from domain.workspace import Role
from tests.unit.entrypoints.conftest import Api


class FailingUnitOfWork:
    """Units of work that cannot even begin: each raises `error`."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def __call__(self) -> object:
        raise self._error


async def test_an_unexpected_error_is_a_bare_500_with_one_stack_trace(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    broken = FailingUnitOfWork(RuntimeError("database on fire"))
    api.container.uow.override(providers.Object(broken))

    answer = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert answer.status_code == 500
    assert answer.json()["code"] == "internal_error"
    assert "fire" not in answer.text
    traces = [record for record in caplog.records if record.exc_info]
    assert len(traces) == 1
    assert traces[0].levelno == logging.ERROR


async def test_one_access_line_per_request_and_never_a_query(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crmbridge.access")

    await api.client.get(
        "/api/oauth/callback/salesforce?code=aPrxSECRET%3D%3D&state=STATE123",
        follow_redirects=False,
    )
    await api.client.get("/nowhere?token=abc")

    lines = [r.getMessage() for r in caplog.records if r.name == "crmbridge.access"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /api/oauth/callback/salesforce 303 ")
    assert lines[1].startswith("GET /nowhere 404 ")
    assert "SECRET" not in caplog.text
    assert "STATE123" not in caplog.text
    assert "abc" not in caplog.text


async def test_health_answers_head_as_well_as_get(api: Api) -> None:
    got = await api.client.get("/health")
    headed = await api.client.head("/health")

    assert got.status_code == headed.status_code == 200
    assert got.json() == {"status": "ok"}
    assert headed.content == b""
    # HEAD's headers are GET's: the same type and length.
    assert headed.headers["content-type"] == got.headers["content-type"]
    assert headed.headers["content-length"] == got.headers["content-length"]


async def test_a_request_path_cannot_forge_or_corrupt_a_log_line(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crmbridge.access")

    await api.client.get("/x%0aFORGED%20line%0d%00%1b[31m%5c")
    await api.client.get("/" + "a" * 5000)

    lines = [r.getMessage() for r in caplog.records if r.name == "crmbridge.access"]
    assert lines[0].startswith("GET /x\\nFORGED line\\r\\x00\\x1b[31m\\\\ 404 ")
    assert len(lines[1]) < 300
    assert all(line.isprintable() for line in lines)


NUL = ("holds a NUL character", "\x00")
NOT_UTF8 = ("is not UTF-8 text once percent-decoded", "\ufffd")


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("/api/people?email=a%00b@example.com", NUL),
        ("/api/people/person%00id", NUL),
        ("/api/crm/salesforce/syncs/%00", NUL),
        ("/api/companies?cursor=%00", NUL),
        ("/api/people/ab%ffcd", NOT_UTF8),
        ("/api/crm/salesforce/syncs/%c3%28", NOT_UTF8),
    ],
)
async def test_an_id_or_filter_with_a_nul_or_not_utf8_is_refused_unechoed(
    api: Api, url: str, refused: tuple[str, str]
) -> None:
    said, unechoed = refused

    answer = await api.client.get(url, headers=api.auth())

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert said in answer.json()["message"]
    assert unechoed not in answer.text


async def test_an_id_spelling_a_real_replacement_character_is_looked_up(
    api: Api,
) -> None:
    answer = await api.client.get("/api/people/ab%ef%bf%bdcd", headers=api.auth())

    assert answer.status_code == 404


async def test_a_nul_does_not_come_before_the_callers_role_or_token(
    api: Api,
) -> None:
    member = await api.client.delete(
        "/api/crm/salesforce/syncs/abc%00", headers=api.auth(role=Role.MEMBER)
    )
    anonymous = await api.client.get("/api/people?email=a%00b")

    assert member.status_code == 403
    assert anonymous.status_code == 401


async def test_a_request_without_a_nul_is_routed_as_before(api: Api) -> None:
    answer = await api.client.get("/api/people?email=a%20b", headers=api.auth())

    assert answer.status_code == 200


READ_ONLY = "the database file cannot be written (it is read-only)"


async def test_a_known_5xx_is_one_warning_line_with_its_reason(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    lost = FailingUnitOfWork(StorageUnavailable(READ_ONLY))
    api.container.uow.override(providers.Object(lost))

    answer = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert answer.status_code == 503
    warned = [r for r in caplog.records if r.name == "entrypoints.http.errors"]
    assert [r.levelno for r in warned] == [logging.WARNING]
    assert warned[0].getMessage() == (
        f"GET /api/crm/salesforce answered 503 database_unavailable: {READ_ONLY}"
    )
    assert not any(record.exc_info for record in caplog.records)


async def test_a_4xx_is_not_logged_beyond_its_access_line(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await api.client.delete(
        "/api/crm/salesforce/syncs/nosuchjob", headers=api.auth(role=Role.ADMIN)
    )

    assert answer.status_code == 404
    assert not [r for r in caplog.records if r.name == "entrypoints.http.errors"]
