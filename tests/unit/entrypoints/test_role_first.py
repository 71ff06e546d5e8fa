"""Routes only an Owner or Admin may use decide that before anything else:
a member learns nothing of their query, path or body rules (403, not 422)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.routes import HTTPRoute

from domain.workspace import Role
from tests.unit.entrypoints.conftest import Api

BASE = "/api/crm/salesforce"
LONG_ID = "j" * 600
MANAGER_ROUTES = {
    ("PUT", f"{BASE}/settings"),
    ("POST", f"{BASE}/authorizations"),
    ("DELETE", f"{BASE}/connection"),
    ("POST", f"{BASE}/environment"),
    ("PUT", f"{BASE}/field-mapping"),
    ("POST", f"{BASE}/syncs"),
    ("DELETE", f"{BASE}/syncs/{{job_id:str}}"),
}
# A route of any role whose one option only managers may use: a member reads
# it, so may learn its query rules.
MANAGER_OPTION_ROUTES = {("GET", f"{BASE}/fields")}
BAD_BODIES = [b'{"sandbox": "yes", "people": 1, "mode": 5, "x": 1}', b"{oops", b"[]"]


def documenting_403(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if 403 in (handler.responses or {}):
                found |= {(str(method), route.path) for method in handler.http_methods}
    return found


def test_the_list_is_every_route_that_documents_a_403(api: Api) -> None:
    assert documenting_403(api.client.app) == MANAGER_ROUTES | MANAGER_OPTION_ROUTES


@pytest.mark.parametrize(("method", "path"), sorted(MANAGER_ROUTES))
@pytest.mark.parametrize("body", BAD_BODIES)
async def test_a_member_is_refused_before_the_body_is_read(
    api: Api, method: str, path: str, body: bytes
) -> None:
    url = re.sub(r"\{\w+:\w+\}", LONG_ID, path) + "?bogus=1"

    answer = await api.client.request(
        method,
        url,
        content=body,
        headers=api.auth(role=Role.MEMBER) | {"Content-Type": "application/json"},
    )

    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "forbidden"
    assert LONG_ID not in answer.text
    assert api.store.connections == {}
