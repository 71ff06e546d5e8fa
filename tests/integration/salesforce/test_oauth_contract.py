"""The `SalesforceOAuth` contract, played by the fake and by the adapter + emulator."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from application.errors import OAuthError, SalesforceUnavailable, SessionExpired
from domain.authorization import PendingAuthorization
from domain.tokens import TokenSet
from tests.integration.salesforce.stages import Stage


async def connect(stage: Stage, *, sandbox: bool = False) -> TokenSet:
    pending = stage.pending(sandbox=sandbox)
    code = await stage.approve(pending)
    return await stage.oauth.exchange_code(pending, code)


async def refresh(
    stage: Stage, tokens: TokenSet, pending: PendingAuthorization | None = None
) -> TokenSet:
    pending = pending or stage.pending()
    return await stage.oauth.refresh(
        login_host=pending.login_host,
        client_id=pending.client_id,
        refresh_token=tokens.refresh_token or "",
    )


async def is_live(stage: Stage, tokens: TokenSet) -> bool:
    try:
        await stage.oauth.identity(login_host=stage.pending().login_host, tokens=tokens)
    except SessionExpired:
        return False
    return True


def test_authorization_url_opens_the_login_hosts_authorize_page(
    stage: Stage,
) -> None:
    pending = stage.pending()

    url = urlsplit(stage.oauth.authorization_url(pending))

    assert f"{url.scheme}://{url.netloc}" == pending.login_host
    assert url.path == "/services/oauth2/authorize"
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query == pending.authorize_params()


async def test_a_code_buys_a_grant_with_a_refresh_token(stage: Stage) -> None:
    tokens = await connect(stage)

    assert tokens.access_token
    assert tokens.refresh_token
    assert tokens.instance_url.startswith("http")
    assert tokens.identity_url
    assert tokens.issued_at.tzinfo is not None
    assert await is_live(stage, tokens)


async def test_a_code_works_once(stage: Stage) -> None:
    pending = stage.pending()
    code = await stage.approve(pending)
    await stage.oauth.exchange_code(pending, code)

    with pytest.raises(OAuthError) as raised:
        await stage.oauth.exchange_code(pending, code)

    assert raised.value.error == "invalid_grant"


async def test_a_code_needs_the_verifier_it_was_issued_for(stage: Stage) -> None:
    pending = stage.pending()
    code = await stage.approve(pending)
    other = stage.pending()
    impostor = msgspec.structs.replace(pending, code_verifier=other.code_verifier)

    with pytest.raises(OAuthError) as raised:
        await stage.oauth.exchange_code(impostor, code)

    assert raised.value.error == "invalid_grant"
    assert "verifier" in (raised.value.description or "")


async def test_a_code_needs_the_same_redirect_uri(stage: Stage) -> None:
    pending = stage.pending()
    code = await stage.approve(pending)
    moved = msgspec.structs.replace(
        pending, redirect_uri=pending.redirect_uri + "/elsewhere"
    )

    with pytest.raises(OAuthError) as raised:
        await stage.oauth.exchange_code(moved, code)

    assert raised.value.error == "invalid_grant"


async def test_an_unknown_client_id_is_rejected(stage: Stage) -> None:
    pending = stage.pending()
    code = await stage.approve(pending)
    stranger = msgspec.structs.replace(
        pending, client_id="3MVG9_nobody_knows_this_app_000000"
    )

    with pytest.raises(OAuthError) as raised:
        await stage.oauth.exchange_code(stranger, code)

    assert raised.value.error == "invalid_client_id"


async def test_refresh_without_rotation_keeps_the_refresh_token(
    stage: Stage,
) -> None:
    tokens = await connect(stage)

    answer = await refresh(stage, tokens)
    again = await refresh(stage, tokens)

    assert answer.refresh_token is None
    assert answer.access_token != tokens.access_token
    assert await is_live(stage, tokens.merged_with(again))
    assert stage.calls("refresh") == 2


async def test_refresh_with_rotation_retires_the_old_refresh_token(
    stage: Stage,
) -> None:
    stage.rotate_refresh_tokens()
    tokens = await connect(stage)

    answer = await refresh(stage, tokens)

    assert answer.refresh_token
    assert answer.refresh_token != tokens.refresh_token
    assert await is_live(stage, tokens.merged_with(answer))


async def test_replaying_a_rotated_refresh_token_kills_the_grant(
    stage: Stage,
) -> None:
    stage.rotate_refresh_tokens()
    tokens = await connect(stage)
    current = tokens.merged_with(await refresh(stage, tokens))

    with pytest.raises(OAuthError) as raised:
        await refresh(stage, tokens)

    assert raised.value.error == "invalid_grant"
    assert not await is_live(stage, current)
    with pytest.raises(OAuthError):
        await refresh(stage, current)


async def test_an_admin_revocation_fails_refresh_with_invalid_grant(
    stage: Stage,
) -> None:
    tokens = await connect(stage)
    stage.revoke_grants()

    with pytest.raises(OAuthError) as raised:
        await refresh(stage, tokens)

    assert raised.value.error == "invalid_grant"
    assert not await is_live(stage, tokens)


async def test_revoking_the_refresh_token_ends_the_whole_grant(
    stage: Stage,
) -> None:
    tokens = await connect(stage)
    login_host = stage.pending().login_host

    await stage.oauth.revoke(login_host=login_host, token=tokens.refresh_token or "")

    assert not await is_live(stage, tokens)
    with pytest.raises(OAuthError):
        await refresh(stage, tokens)


async def test_revoking_an_invalid_token_is_not_an_error(stage: Stage) -> None:
    login_host = stage.pending().login_host

    await stage.oauth.revoke(login_host=login_host, token="5Aep-never-issued")


async def test_identity_names_the_org_and_user(stage: Stage) -> None:
    tokens = await connect(stage)

    identity = await stage.oauth.identity(
        login_host=stage.pending().login_host, tokens=tokens
    )

    assert (identity.org_id, identity.user_id, identity.username) == (
        stage.org_id,
        stage.user_id,
        stage.username,
    )


async def test_identity_with_an_expired_session_is_session_expired(
    stage: Stage,
) -> None:
    tokens = await connect(stage)
    stage.expire_sessions()

    assert not await is_live(stage, tokens)
    assert await is_live(stage, tokens.merged_with(await refresh(stage, tokens)))


async def test_a_broken_login_host_is_unavailable(stage: Stage) -> None:
    tokens = await connect(stage)
    stage.break_down()

    with pytest.raises(SalesforceUnavailable):
        await refresh(stage, tokens)
    with pytest.raises(SalesforceUnavailable):
        await stage.oauth.identity(login_host=stage.pending().login_host, tokens=tokens)
