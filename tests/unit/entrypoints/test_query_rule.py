"""Every route but the OAuth callback and /health (the default page the
callback sends the browser back to, with its outcome in the query) refuses a
query parameter it does not take."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.routes import HTTPRoute

from tests.unit.entrypoints.conftest import Api

CALLBACK = "/api/oauth/callback/salesforce"
TAKES_ANY_QUERY = {CALLBACK, "/health"}


def our_routes(app: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/schema"):
            continue
        path = re.sub(r"\{\w+:\w+\}", "some-id", route.path)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if path not in TAKES_ANY_QUERY:
                found.append((str(method), path))
    return found


async def test_every_route_refuses_an_unknown_query_parameter(api: Api) -> None:
    routes = our_routes(api.client.app)

    answers = {
        (method, path): await api.client.request(
            method, f"{path}?bogus=1", headers=api.auth(), json={}
        )
        for method, path in routes
    }

    assert len(routes) >= 16
    for route, answer in answers.items():
        assert answer.status_code == 422, (route, answer.text)
        assert answer.json()["code"] == "invalid_input", route
        assert answer.json()["message"].startswith("bogus "), route


@pytest.mark.parametrize("query", ["=1", "="])
async def test_a_parameter_with_no_name_is_refused_in_words(
    api: Api, query: str
) -> None:
    answer = await api.client.get(f"/api/people?{query}", headers=api.auth())

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("a parameter has no name")


async def test_without_a_token_the_401_still_comes_first(api: Api) -> None:
    answer = await api.client.get("/api/crm/salesforce?bogus=1")

    assert answer.status_code == 401


@pytest.mark.parametrize(
    "extra", ["sfdc_community_url=https%3A%2F%2Facme.my.site.com", "iss=x"]
)
async def test_the_oauth_callback_tolerates_what_salesforce_adds(
    api: Api, extra: str
) -> None:
    answer = await api.client.get(
        f"{CALLBACK}?state=unknown&code=c&{extra}",
        headers={"Accept": "application/json"},
    )

    assert answer.status_code == 400
    assert "sfdc" not in answer.text
    assert answer.json()["code"] != "invalid_input"
