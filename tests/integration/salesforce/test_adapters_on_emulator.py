"""The real adapters against the emulator: what only real HTTP can show."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest

from adapters.salesforce import (
    HttpxSalesforceApi,
    HttpxSalesforceOAuth,
    new_http_client,
)
from adapters.salesforce.rest_wire import QueryPage
from application.errors import (
    ApiError,
    ApiVersionRetired,
    OAuthError,
    SalesforceUnavailable,
    SessionExpired,
)
from domain.authorization import PendingAuthorization
from domain.environment import Environment
from domain.tokens import TokenSet
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.integration.salesforce.common import NO_WAIT
from tests.integration.salesforce.stages import CALLBACK

TOKEN_PATH = "/services/oauth2/token"
LeadPage = QueryPage[dict[str, Any]]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(trust_env=False) as http:
        yield http


@pytest.fixture
def oauth(client: httpx.AsyncClient) -> HttpxSalesforceOAuth:
    return HttpxSalesforceOAuth(client, retry=NO_WAIT)


@pytest.fixture
def api(client: httpx.AsyncClient) -> HttpxSalesforceApi:
    return HttpxSalesforceApi(client, api_version="62.0", retry=NO_WAIT)


def begin(demo: Demo, login_host: str) -> PendingAuthorization:
    return PendingAuthorization.begin(
        workspace_id="ws-e",
        environment=Environment.PRODUCTION,
        client_id=demo.app.consumer_key,
        login_host=login_host,
        redirect_uri=CALLBACK,
        now=datetime.now(UTC),
    )


async def connect(
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
    login_host: str | None = None,
) -> TokenSet:
    pending = begin(demo, login_host or emulator.login_url)
    location = await emulator.aconsent(
        oauth.authorization_url(pending), demo.production_user.username
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    return await oauth.exchange_code(pending, code)


async def refresh(
    oauth: HttpxSalesforceOAuth, demo: Demo, login_host: str, tokens: TokenSet
) -> TokenSet:
    return await oauth.refresh(
        login_host=login_host,
        client_id=demo.app.consumer_key,
        refresh_token=tokens.refresh_token or "",
    )


async def test_a_503_blip_on_the_token_endpoint_is_absorbed(
    emulator: EmulatorServer, demo: Demo, oauth: HttpxSalesforceOAuth
) -> None:
    emulator.world.add_http_fault(path_prefix=TOKEN_PATH, status=503)

    tokens = await connect(emulator, demo, oauth)

    assert tokens.refresh_token
    assert emulator.world.stats.token_count("authorization_code") == 1


async def test_a_reset_on_refresh_is_not_replayed(
    emulator: EmulatorServer, demo: Demo, oauth: HttpxSalesforceOAuth
) -> None:
    tokens = await connect(emulator, demo, oauth)
    emulator.world.add_http_fault(path_prefix=TOKEN_PATH, action="reset", count=5)

    with pytest.raises(SalesforceUnavailable):
        await refresh(oauth, demo, emulator.login_url, tokens)

    fault = emulator.world.http_faults[0]
    assert fault.remaining == 4


async def test_a_timed_out_refresh_is_not_replayed(
    emulator: EmulatorServer, demo: Demo
) -> None:
    impatient = httpx.Timeout(0.3, connect=5.0)
    async with new_http_client(timeout=impatient, trust_env=False) as client:
        oauth = HttpxSalesforceOAuth(client, retry=NO_WAIT, token_timeout=impatient)
        tokens = await connect(emulator, demo, oauth)
        emulator.world.add_http_fault(path_prefix=TOKEN_PATH, action="delay", delay=0.6)

        with pytest.raises(SalesforceUnavailable) as raised:
            await refresh(oauth, demo, emulator.login_url, tokens)

    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)


async def test_gets_survive_a_reset_and_a_503(
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
    api: HttpxSalesforceApi,
) -> None:
    tokens = await connect(emulator, demo, oauth)
    emulator.world.add_http_fault(path_prefix="/services/data", action="reset")
    emulator.world.add_http_fault(path_prefix="/services/data", status=503)

    org = await api.organization(tokens)

    assert org.org_id == demo.production.id
    assert emulator.world.http_faults[0].remaining == 0
    assert emulator.world.http_faults[1].remaining == 0


async def test_every_answer_updates_the_usage_ledger(
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
    api: HttpxSalesforceApi,
) -> None:
    tokens = await connect(emulator, demo, oauth)
    emulator.world.set_quota(demo.production.id, used=700, maximum=1000)

    await api.organization(tokens)

    usage = api.usage.last(tokens)
    assert usage is not None
    assert (usage.used, usage.max) == (701, 1000)


@pytest.mark.parametrize(
    ("version", "expected"), [("50.0", ApiVersionRetired), ("99.0", ApiError)]
)
async def test_a_version_the_instance_does_not_serve_is_an_api_error(
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
    client: httpx.AsyncClient,
    version: str,
    expected: type[ApiError],
) -> None:
    tokens = await connect(emulator, demo, oauth)
    api = HttpxSalesforceApi(client, api_version=version, retry=NO_WAIT)

    with pytest.raises(expected):
        await api.organization(tokens)


async def test_after_an_org_moves_a_refresh_points_to_the_new_instance(
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
    api: HttpxSalesforceApi,
) -> None:
    tokens = await connect(emulator, demo, oauth)
    emulator.world.move_org(demo.production.id)

    with pytest.raises(SessionExpired):
        await api.organization(tokens)
    moved = tokens.merged_with(await refresh(oauth, demo, emulator.login_url, tokens))

    assert moved.instance_url != tokens.instance_url
    assert (await api.organization(moved)).org_id == demo.production.id


async def test_my_domain_login_host_serves_every_oauth_call(
    emulator: EmulatorServer, demo: Demo, oauth: HttpxSalesforceOAuth
) -> None:
    host = emulator.mydomain_url
    tokens = await connect(emulator, demo, oauth, login_host=host)

    fresh = tokens.merged_with(await refresh(oauth, demo, host, tokens))
    identity = await oauth.identity(login_host=host, tokens=fresh)
    await oauth.revoke(login_host=host, token=tokens.refresh_token or "")

    assert identity.user_id == demo.production_user.id
    assert emulator.world.stats.token_count(host="mydomain") == 2
    with pytest.raises(SessionExpired):
        await oauth.identity(login_host=host, tokens=fresh)


async def test_userinfo_stands_in_when_no_identity_url_was_granted(
    emulator: EmulatorServer, demo: Demo, oauth: HttpxSalesforceOAuth
) -> None:
    tokens = await connect(emulator, demo, oauth)
    bare = msgspec.structs.replace(tokens, identity_url=None)

    identity = await oauth.identity(login_host=emulator.login_url, tokens=bare)

    assert identity.username == demo.production_user.username


async def test_a_concurrent_refresh_is_refused_as_already_processing(
    emulator: EmulatorServer, demo: Demo, oauth: HttpxSalesforceOAuth
) -> None:
    tokens = await connect(emulator, demo, oauth)
    emulator.world.set_refresh_delay(0.3)

    outcomes = await asyncio.gather(
        refresh(oauth, demo, emulator.login_url, tokens),
        refresh(oauth, demo, emulator.login_url, tokens),
        return_exceptions=True,
    )

    errors = [o for o in outcomes if isinstance(o, OAuthError)]
    assert len(errors) == 1
    assert "already being processed" in (errors[0].description or "")


async def test_an_app_requiring_a_secret_says_invalid_client(
    emulator: EmulatorServer, demo: Demo, oauth: HttpxSalesforceOAuth
) -> None:
    emulator.world.update_app(demo.app.consumer_key, require_secret=True)

    with pytest.raises(OAuthError) as raised:
        await connect(emulator, demo, oauth)

    assert raised.value.error == "invalid_client"


async def test_a_paged_query_is_followed_to_the_end(
    emulator: EmulatorServer,
    demo: Demo,
    oauth: HttpxSalesforceOAuth,
    api: HttpxSalesforceApi,
) -> None:
    world = emulator.world
    created = {
        world.create_record(
            demo.production.id, "Lead", {"LastName": f"L{n}", "Company": "Acme"}
        )
        for n in range(5)
    }
    world.set_query_paging(page_size=2)
    tokens = await connect(emulator, demo, oauth)
    soql = "SELECT Id FROM Lead WHERE SystemModstamp > 2000-01-01T00:00:00+00:00"

    page = await api.get_json(tokens, "query", LeadPage, params={"q": soql})
    seen = [record["Id"] for record in page.records]
    while page.next_records_url:
        page = await api.get_json(tokens, page.next_records_url, LeadPage)
        seen += [record["Id"] for record in page.records]

    assert page.done
    assert sorted(seen) == sorted(created)
