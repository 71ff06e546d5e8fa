"""The `SalesforceApi` contract, played by the fake and by the adapter + emulator."""

from __future__ import annotations

import pytest

from application.errors import (
    ApiDisabled,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
)
from domain.tokens import TokenSet
from tests.integration.salesforce.stages import Stage


async def connect(stage: Stage, *, sandbox: bool = False) -> TokenSet:
    pending = stage.pending(sandbox=sandbox)
    code = await stage.approve(pending)
    return await stage.oauth.exchange_code(pending, code)


@pytest.mark.parametrize("sandbox", [False, True])
async def test_organization_says_which_org_and_whether_a_sandbox(
    stage: Stage, sandbox: bool
) -> None:
    tokens = await connect(stage, sandbox=sandbox)
    identity = await stage.oauth.identity(
        login_host=stage.pending(sandbox=sandbox).login_host, tokens=tokens
    )

    org = await stage.api.organization(tokens)

    assert org.org_id == identity.org_id
    assert org.is_sandbox is sandbox
    assert org.organization_type


async def test_api_usage_reports_the_daily_allowance(stage: Stage) -> None:
    tokens = await connect(stage)
    stage.set_api_usage(used=120, maximum=5000)

    usage = await stage.api.api_usage(tokens)

    assert usage.max == 5000
    assert 120 <= usage.used <= 121


async def test_an_expired_session_is_session_expired(stage: Stage) -> None:
    tokens = await connect(stage)
    stage.expire_sessions()

    with pytest.raises(SessionExpired):
        await stage.api.organization(tokens)


async def test_a_revoked_grant_is_session_expired(stage: Stage) -> None:
    tokens = await connect(stage)
    stage.revoke_grants()

    with pytest.raises(SessionExpired):
        await stage.api.api_usage(tokens)


async def test_no_api_access_is_api_disabled(stage: Stage) -> None:
    tokens = await connect(stage)
    stage.disable_api()

    with pytest.raises(ApiDisabled) as raised:
        await stage.api.organization(tokens)

    assert raised.value.error_code == "API_DISABLED_FOR_ORG"


async def test_an_exhausted_quota_is_reported_once_never_retried(
    stage: Stage,
) -> None:
    tokens = await connect(stage)
    stage.set_api_usage(used=5000, maximum=5000)
    before = stage.calls("rest")

    with pytest.raises(QuotaExhausted) as raised:
        await stage.api.organization(tokens)

    assert raised.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert raised.value.status == 403
    assert stage.calls("rest") == before + 1


async def test_a_broken_instance_is_unavailable(stage: Stage) -> None:
    tokens = await connect(stage)
    stage.break_down()

    with pytest.raises(SalesforceUnavailable):
        await stage.api.organization(tokens)
