"""Hypothesis strategies for the domain values that adapters store."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from domain.authorization import PendingAuthorization
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.environment import Environment
from domain.problems import Problem
from domain.tokens import TokenSet

# Storable text: PostgreSQL refuses NUL, UTF-8 refuses lone surrogates.
_characters = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
texts = st.text(_characters, max_size=80)
non_empty_texts = st.text(_characters, min_size=1, max_size=80)
client_ids = st.from_regex(r"[A-Za-z0-9._]{20,256}", fullmatch=True)
login_hosts = st.from_regex(
    r"https://[a-z0-9-]{1,30}\.my\.salesforce\.com", fullmatch=True
)


def utc_datetimes() -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59, 999999),
        timezones=st.just(UTC),
    )


def token_sets() -> st.SearchStrategy[TokenSet]:
    return st.builds(
        TokenSet,
        access_token=non_empty_texts,
        refresh_token=st.none() | non_empty_texts,
        instance_url=texts,
        issued_at=utc_datetimes(),
        identity_url=st.none() | texts,
        scope=st.none() | texts,
    )


def org_identities() -> st.SearchStrategy[OrgIdentity]:
    return st.builds(
        OrgIdentity,
        org_id=texts,
        user_id=texts,
        username=texts,
        is_sandbox=st.none() | st.booleans(),
    )


def problems() -> st.SearchStrategy[Problem]:
    return st.builds(Problem, code=texts, message=texts, hint=st.none() | texts)


def connections(
    workspace_ids: st.SearchStrategy[str] = non_empty_texts,
) -> st.SearchStrategy[Connection]:
    return st.builds(
        Connection,
        workspace_id=workspace_ids,
        environment=st.sampled_from(Environment),
        client_id=st.none() | client_ids,
        login_host=st.none() | login_hosts,
        status=st.sampled_from(ConnectionStatus),
        authorizing_until=st.none() | utc_datetimes(),
        identity=st.none() | org_identities(),
        tokens=st.none() | token_sets(),
        connected_at=st.none() | utc_datetimes(),
        last_verified_at=st.none() | utc_datetimes(),
        problem=st.none() | problems(),
    )


def pending_authorizations() -> st.SearchStrategy[PendingAuthorization]:
    return st.builds(
        PendingAuthorization,
        state=non_empty_texts,
        workspace_id=non_empty_texts,
        environment=st.sampled_from(Environment),
        client_id=client_ids,
        login_host=login_hosts,
        redirect_uri=texts,
        code_verifier=non_empty_texts,
        created_at=utc_datetimes(),
        expires_at=utc_datetimes(),
    )
