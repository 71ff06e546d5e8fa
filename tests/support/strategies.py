"""Hypothesis strategies for the domain values that adapters store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from domain.authorization import PendingAuthorization
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.crm import CrmObject, DescribedField, ObjectDescribe
from domain.environment import Environment
from domain.mapping import CompanyRule, FieldMapping, PersonRule
from domain.people import Company, Person
from domain.problems import Problem
from domain.soql import SyncCursor
from domain.sync import ObjectProgress, SyncJob, SyncMode, SyncState
from domain.tokens import TokenSet
from domain.transforms import DefaultValue, Lowercase, Transform, Trim, Value, ValueMap

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


# Sync values. Salesforce ids are 15 or 18 characters after a key prefix.
def salesforce_ids(prefix: str) -> st.SearchStrategy[str]:
    return st.from_regex(rf"{prefix}[A-Za-z0-9]{{12}}([A-Z0-5]{{3}})?", fullmatch=True)


# What JSON keeps exactly: 64-bit integers, finite floats.
field_values: st.SearchStrategy[Value] = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
field_dicts = st.dictionaries(non_empty_texts, field_values, max_size=8)
counts = st.integers(min_value=0, max_value=2**53)


def people(workspace_id: str = "ws-1") -> st.SearchStrategy[Person]:
    """Stored people: each has a Lead id, a Contact id or both, and a time."""
    lead, contact = salesforce_ids("00Q"), salesforce_ids("003")
    ids = st.one_of(
        st.tuples(lead, st.none()),
        st.tuples(st.none(), contact),
        st.tuples(lead, contact),
    )
    return st.builds(
        _person,
        person_id=st.uuids().map(str),
        workspace_id=st.just(workspace_id),
        ids=ids,
        account_id=st.none() | salesforce_ids("001"),
        fields=field_dicts,
        modstamp=utc_datetimes(),
        lead_deleted=st.booleans(),
        contact_deleted=st.booleans(),
        merged_leads=st.dictionaries(lead, st.booleans(), max_size=3),
        updated_at=utc_datetimes(),
    )


def _person(
    ids: tuple[str | None, str | None], merged_leads: dict[str, bool], **values: Any
) -> Person:
    """Leads merge only into a converted Lead's person."""
    merged = merged_leads if ids[0] and ids[1] else {}
    return Person(lead_id=ids[0], contact_id=ids[1], merged_leads=merged, **values)


def companies(workspace_id: str = "ws-1") -> st.SearchStrategy[Company]:
    return st.builds(
        Company,
        account_id=salesforce_ids("001"),
        workspace_id=st.just(workspace_id),
        fields=field_dicts,
        modstamp=utc_datetimes(),
        deleted=st.booleans(),
        updated_at=utc_datetimes(),
    )


def sync_cursors() -> st.SearchStrategy[SyncCursor]:
    return st.builds(
        SyncCursor, modstamp=utc_datetimes(), record_id=salesforce_ids("00Q")
    )


def object_progress(obj: CrmObject) -> st.SearchStrategy[ObjectProgress]:
    return st.builds(
        ObjectProgress,
        object=st.just(obj),
        seen=counts,
        written=counts,
        deleted=counts,
        pages=counts,
        api_calls=counts,
        cursor=st.none() | sync_cursors(),
        done=st.booleans(),
        error=st.none() | problems(),
    )


def sync_jobs(workspace_id: str = "ws-1") -> st.SearchStrategy[SyncJob]:
    chosen = st.lists(st.sampled_from(CrmObject), min_size=1, unique=True)
    return chosen.flatmap(
        lambda objects: st.builds(
            SyncJob,
            job_id=st.uuids().map(str),
            workspace_id=st.just(workspace_id),
            mode=st.sampled_from(SyncMode),
            objects=st.just(tuple(objects)),
            state=st.sampled_from(SyncState),
            requested_by=texts,
            created_at=utc_datetimes(),
            progress=st.tuples(*(object_progress(obj) for obj in objects)),
            started_at=st.none() | utc_datetimes(),
            finished_at=st.none() | utc_datetimes(),
            heartbeat_at=st.none() | utc_datetimes(),
            until=st.none() | utc_datetimes(),
            cancel_requested=st.booleans(),
            problem=st.none() | problems(),
        )
    )


def transforms() -> st.SearchStrategy[Transform]:
    scalars = (
        texts
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
    )
    return st.one_of(
        st.just(Trim()),
        st.just(Lowercase()),
        st.builds(ValueMap, values=st.dictionaries(texts, texts, max_size=4)),
        st.builds(DefaultValue, value=scalars),
    )


def field_mappings() -> st.SearchStrategy[FieldMapping]:
    """Any mapping, valid or not: stores keep what they are given."""
    optional = st.none() | texts
    chain = st.lists(transforms(), max_size=3).map(tuple)
    person_rules = st.builds(
        PersonRule,
        target=texts,
        lead=optional,
        contact=optional,
        type=optional,
        transforms=chain,
    )
    company_rules = st.builds(
        CompanyRule, target=texts, account=texts, type=optional, transforms=chain
    )
    return st.builds(
        FieldMapping,
        people=st.lists(person_rules, max_size=5).map(tuple),
        companies=st.lists(company_rules, max_size=5).map(tuple),
    )


def object_describes() -> st.SearchStrategy[ObjectDescribe]:
    names = st.lists(texts, max_size=3).map(tuple)
    described = st.builds(
        DescribedField,
        name=texts,
        label=texts,
        type=texts,
        length=st.integers(min_value=0, max_value=2**31),
        nillable=st.booleans(),
        updateable=st.booleans(),
        filterable=st.booleans(),
        compound_field_name=st.none() | texts,
        relationship_name=st.none() | texts,
        reference_to=names,
        picklist_values=names,
    )
    return st.builds(
        ObjectDescribe, name=texts, fields=st.lists(described, max_size=6).map(tuple)
    )
