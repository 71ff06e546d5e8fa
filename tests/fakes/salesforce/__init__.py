"""A scripted, in-memory Salesforce for use-case tests: OAuth, REST and records."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from application.errors import (
    ApiDisabled,
    ApiError,
    OAuthError,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
)
from application.ports import ApiUsage, OrgInfo, SalesforceApi, SalesforceOAuth
from application.sync.ports import BulkPage, QueryPage, SalesforceRecords
from domain.authorization import PendingAuthorization
from domain.connection import OrgIdentity
from domain.crm import ID_PREFIXES, CrmObject, DescribedField, ObjectDescribe
from domain.tokens import TokenSet
from tests.fakes.salesforce.describes import STANDARD_FIELDS
from tests.fakes.salesforce.soql import Record, SyncQuery, query_error

ORG_ID = "00D000000000001AAA"
USER_ID = "005000000000001AAA"
INSTANCE_URL = "https://fake.my.salesforce.com"
EXPIRED_TOKEN = "expired access/refresh token"


class FakeSalesforce(SalesforceOAuth, SalesforceApi, SalesforceRecords):
    """One org at a time (`org_id`, `org`) and one user; grants keyed by
    refresh token; faults by flag.

    The grant model is Salesforce's in miniature: a code is redeemed once for
    a grant; refreshing with rotation retires the old refresh token, and
    replaying a retired one kills the whole grant; revoking a refresh token
    kills its grant. `*_error` flags fail every call; `fail_next` a few.
    REST calls do not spend `api_used`, so tests can pin the usage they see,
    unless `spend_api_quota` is set (then each REST call spends one).

    Records live in `org` (see `FakeOrg`): only the queries `domain.soql`
    writes are understood; pages hold `org.page_size` records.
    """

    def __init__(
        self,
        *,
        is_sandbox: bool = False,
        rotation: bool = False,
        client_ids: Iterable[str] | None = None,
    ) -> None:
        self.is_sandbox = is_sandbox
        self.rotation = rotation
        self.client_ids = None if client_ids is None else set(client_ids)
        self.require_secret = False
        self.api_enabled = True
        self.username = "admin@example.com"
        self.org_id = ORG_ID
        self.server_clock: datetime | None = None
        self.codes: dict[str, PendingAuthorization] = {}
        self.live_access: set[str] = set()
        self.live_refresh: set[str] = set()
        self.rotated: set[str] = set()
        self.revoked: list[str] = []
        self.exchange_error: OAuthError | SalesforceUnavailable | None = None
        self.refresh_error: Exception | None = None
        self.api_error: Exception | None = None
        self.grant_refresh_token = True
        self.api_used = 10
        self.api_max = 15000
        self.exchange_calls = 0
        self.refresh_calls = 0
        self.revoke_calls = 0
        self.identity_calls = 0
        self.api_calls = 0
        self.spend_api_quota = False
        self.record_calls: Counter[str] = Counter()
        self.org = FakeOrg()
        self._ids = itertools.count(1)
        self._grant_of: dict[str, int] = {}
        self._scripted: defaultdict[str, deque[Exception]] = defaultdict(deque)

    def authorization_url(self, pending: PendingAuthorization) -> str:
        query = urlencode(pending.authorize_params(), quote_via=quote)
        return f"{pending.login_host}/services/oauth2/authorize?{query}"

    def approve(self, pending: PendingAuthorization) -> str:
        """What the user's Allow click produces: a code for this authorization."""
        code = f"aPrx{next(self._ids)}=="
        self.codes[code] = pending
        return code

    def fail_next(self, operation: str, error: Exception, times: int = 1) -> None:
        """Make the next `times` calls of `operation` (a port method) raise."""
        self._scripted[operation].extend([error] * times)

    async def exchange_code(self, pending: PendingAuthorization, code: str) -> TokenSet:
        self.exchange_calls += 1
        self._play("exchange_code")
        if self.exchange_error is not None:
            raise self.exchange_error
        self._check_client(pending.client_id)
        issued = self.codes.pop(code, None)
        if issued is None or issued.client_id != pending.client_id:
            raise OAuthError("invalid_grant", "expired authorization code")
        if issued.redirect_uri != pending.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri must match configuration")
        if issued.code_challenge != pending.code_challenge:
            raise OAuthError("invalid_grant", "invalid code verifier")
        return self._issue(next(self._ids), with_refresh=self.grant_refresh_token)

    async def refresh(
        self, *, login_host: str, client_id: str, refresh_token: str
    ) -> TokenSet:
        self.refresh_calls += 1
        self._play("refresh")
        if self.refresh_error is not None:
            raise self.refresh_error
        self._check_client(client_id)
        grant = self._grant_of.get(refresh_token)
        if refresh_token in self.rotated and grant is not None:
            self._kill_grant(grant)
        if grant is None or refresh_token not in self.live_refresh:
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        if self.rotation:
            self.live_refresh.discard(refresh_token)
            self.rotated.add(refresh_token)
        return self._issue(grant, with_refresh=self.rotation)

    async def revoke(self, *, login_host: str, token: str) -> None:
        """Like the real adapter, an already invalid token counts as revoked."""
        self.revoke_calls += 1
        self._play("revoke")
        self.revoked.append(token)
        grant = self._grant_of.get(token)
        if token in self.live_refresh and grant is not None:
            self._kill_grant(grant)
        self.live_access.discard(token)

    async def identity(self, *, login_host: str, tokens: TokenSet) -> OrgIdentity:
        self.identity_calls += 1
        self._play("identity")
        self._check(tokens)
        return OrgIdentity(org_id=self.org_id, user_id=USER_ID, username=self.username)

    async def organization(self, tokens: TokenSet) -> OrgInfo:
        self._rest_call("organization", tokens)
        return OrgInfo(
            org_id=self.org_id,
            is_sandbox=self.is_sandbox,
            organization_type="Developer Edition",
        )

    async def api_usage(self, tokens: TokenSet) -> ApiUsage:
        self._rest_call("api_usage", tokens)
        return ApiUsage(used=self.api_used, max=self.api_max)

    def issue_tokens(self) -> TokenSet:
        """A live grant without the OAuth dance, for tests that only read."""
        return self._issue(next(self._ids), with_refresh=True)

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        """`server_clock` if set: by default answers carry no date."""
        return self.server_clock

    async def query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> QueryPage:
        self._records_call("query", tokens)
        return self.org.query(soql, include_deleted=include_deleted, usage=self._usage)

    async def query_more(self, tokens: TokenSet, next_records_url: str) -> QueryPage:
        self._records_call("query_more", tokens)
        return self.org.query_more(next_records_url, usage=self._usage)

    async def describe(self, tokens: TokenSet, obj: CrmObject) -> ObjectDescribe:
        self._records_call("describe", tokens)
        return self.org.describe(obj)

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        self._records_call("start_bulk_query", tokens)
        return self.org.start_bulk_query(soql, include_deleted=include_deleted)

    async def bulk_query_state(self, tokens: TokenSet, job_id: str) -> str:
        self._records_call("bulk_query_state", tokens)
        return self.org.bulk_query_state(job_id)

    async def bulk_results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        self._records_call("bulk_results", tokens)
        return self.org.bulk_results(
            job_id,
            locator=locator,
            max_records=max_records,
            field_types=field_types,
            usage=self._usage,
        )

    def expire_access_tokens(self) -> None:
        self.live_access.clear()

    def revoke_everything(self) -> None:
        self.live_access.clear()
        self.live_refresh.clear()

    def _rest_call(self, operation: str, tokens: TokenSet) -> None:
        self.api_calls += 1
        self._play(operation)
        self._check(tokens)
        if not self.api_enabled:
            raise ApiDisabled(
                "The REST API is not enabled for this Organization.",
                error_code="API_DISABLED_FOR_ORG",
                status=403,
            )
        if self.api_used >= self.api_max:
            raise QuotaExhausted(
                "TotalRequests Limit exceeded.",
                error_code="REQUEST_LIMIT_EXCEEDED",
                status=403,
            )

    def _records_call(self, operation: str, tokens: TokenSet) -> None:
        self._rest_call(operation, tokens)
        self.record_calls[operation] += 1
        if self.spend_api_quota:
            self.api_used += 1

    @property
    def _usage(self) -> ApiUsage:
        return ApiUsage(used=self.api_used, max=self.api_max)

    def _play(self, operation: str) -> None:
        scripted = self._scripted[operation]
        if scripted:
            raise scripted.popleft()

    def _check_client(self, client_id: str) -> None:
        if self.client_ids is not None and client_id not in self.client_ids:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if self.require_secret:
            raise OAuthError("invalid_client", "invalid client credentials")

    def _check(self, tokens: TokenSet) -> None:
        if self.api_error is not None:
            raise self.api_error
        if tokens.access_token not in self.live_access:
            raise SessionExpired("Session expired or invalid")

    def _kill_grant(self, grant: int) -> None:
        dead = {token for token, owner in self._grant_of.items() if owner == grant}
        self.live_access -= dead
        self.live_refresh -= dead

    def _issue(self, grant: int, *, with_refresh: bool) -> TokenSet:
        access = f"00D!access-{next(self._ids)}"
        self.live_access.add(access)
        self._grant_of[access] = grant
        refresh = f"5Aep-refresh-{next(self._ids)}" if with_refresh else None
        if refresh:
            self.live_refresh.add(refresh)
            self._grant_of[refresh] = grant
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            instance_url=INSTANCE_URL,
            issued_at=datetime.now(UTC),
            identity_url=f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
            scope="api refresh_token",
        )


SOBJECTS = "/services/data/v62.0/sobjects"
_DATETIME = "%Y-%m-%dT%H:%M:%S.000+0000"
_NUMBERS = {
    "int": int,
    "long": int,
    "double": float,
    "currency": float,
    "percent": float,
}


_NEXT_URL = re.compile(r"/services/data/v\d+\.0/(?:query|queryAll)/(\w+)-(\d+)")


def _rest_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_DATETIME)


@dataclass
class _Cursor:
    records: list[Record]
    endpoint: str


@dataclass
class _BulkJob:
    obj: CrmObject
    fields: tuple[str, ...]
    rows: list[Record]
    polls_left: int
    final_state: str


class FakeOrg:
    """Leads, Contacts and Accounts in memory, read the way Salesforce reads them.

    Rows are flat dicts of stored fields; datetimes are REST strings at whole
    seconds. `now` stamps every change unless a `modstamp` is given, so rows
    tie on SystemModstamp until a test moves `now`. Record ids count up from
    `first_id`: give a second org another start to keep their ids apart.
    """

    def __init__(self, *, first_id: int = 1) -> None:
        self.fields = {obj: list(fields) for obj, fields in STANDARD_FIELDS.items()}
        self.rows: dict[CrmObject, dict[str, Record]] = {obj: {} for obj in CrmObject}
        self.now = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
        self.page_size = 2000
        self.bulk_polls = 0
        self.bulk_final_state = "JobComplete"
        self._cursors: dict[str, _Cursor] = {}
        self._jobs: dict[str, _BulkJob] = {}
        self._ids = itertools.count(first_id)

    def create(
        self,
        obj: CrmObject,
        values: Mapping[str, Any] | None = None,
        *,
        modstamp: datetime | None = None,
    ) -> str:
        record_id = f"{ID_PREFIXES[obj]}{next(self._ids):012d}AAA"
        stamp = _rest_datetime(modstamp or self.now)
        row: Record = {"Id": record_id, "IsDeleted": False, "CreatedDate": stamp}
        if obj is CrmObject.LEAD:
            row["IsConverted"] = False
        self.rows[obj][record_id] = row
        self.update(obj, record_id, values or {}, modstamp=modstamp)
        return record_id

    def update(
        self,
        obj: CrmObject,
        record_id: str,
        values: Mapping[str, Any],
        *,
        modstamp: datetime | None = None,
    ) -> None:
        row = self.rows[obj][record_id]
        for name, value in values.items():
            stored = _rest_datetime(value) if isinstance(value, datetime) else value
            row[self._field(obj, name).name] = stored
        stamp = _rest_datetime(modstamp or self.now)
        row["LastModifiedDate"] = row["SystemModstamp"] = stamp

    def delete(
        self, obj: CrmObject, record_id: str, *, modstamp: datetime | None = None
    ) -> None:
        self.update(obj, record_id, {"IsDeleted": True}, modstamp=modstamp)

    def convert_lead(
        self,
        lead_id: str,
        *,
        contact_id: str,
        account_id: str | None = None,
        modstamp: datetime | None = None,
    ) -> None:
        values = {
            "IsConverted": True,
            "ConvertedContactId": contact_id,
            "ConvertedAccountId": account_id,
        }
        self.update(CrmObject.LEAD, lead_id, values, modstamp=modstamp)

    def add_field(self, obj: CrmObject, field: DescribedField) -> None:
        """A custom (`__c`) field, say; it reads as null until set."""
        self.fields[obj].append(field)

    def expire_query_cursors(self) -> None:
        self._cursors.clear()

    def describe(self, obj: CrmObject) -> ObjectDescribe:
        return ObjectDescribe(name=obj.value, fields=tuple(self.fields[obj]))

    def query(self, soql: str, *, include_deleted: bool, usage: ApiUsage) -> QueryPage:
        query = SyncQuery.parse(soql)
        rows = self._select(query, include_deleted)
        records = [self._render(query.obj, row, query.fields) for row in rows]
        cursor_id = f"01gFAKE{next(self._ids):011d}"
        endpoint = "queryAll" if include_deleted else "query"
        self._cursors[cursor_id] = _Cursor(records, endpoint)
        return self._page(cursor_id, 0, usage)

    def query_more(self, next_records_url: str, *, usage: ApiUsage) -> QueryPage:
        found = _NEXT_URL.fullmatch(next_records_url)
        if found is None or found[1] not in self._cursors:
            raise query_error("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(found[1], int(found[2]), usage)

    def start_bulk_query(self, soql: str, *, include_deleted: bool) -> str:
        query = SyncQuery.parse(soql)
        rows = self._select(query, include_deleted)
        if any(self._resolve(query.obj, name).is_compound for name in query.fields):
            message = "Selecting compound data not supported in Bulk Query"
            raise query_error("API_ERROR", message)
        job_id = f"750FAKE{next(self._ids):011d}"
        self._jobs[job_id] = _BulkJob(
            query.obj, query.fields, rows, self.bulk_polls, self.bulk_final_state
        )
        return job_id

    def bulk_query_state(self, job_id: str) -> str:
        job = self._job(job_id)
        state = "InProgress" if job.polls_left else job.final_state
        job.polls_left = max(job.polls_left - 1, 0)
        return state

    def bulk_results(
        self,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
        usage: ApiUsage,
    ) -> BulkPage:
        job = self._job(job_id)
        if job.polls_left or job.final_state != "JobComplete":
            raise query_error("INVALIDJOBSTATE", "the job is not complete")
        start = int(locator.removeprefix("fake-")) if locator else 0
        end = start + max_records
        records = [
            self._bulk_record(job, row, field_types) for row in job.rows[start:end]
        ]
        following = f"fake-{end}" if end < len(job.rows) else None
        return BulkPage(records=records, locator=following, api_usage=usage)

    def _select(self, query: SyncQuery, include_deleted: bool) -> list[Record]:
        for name in query.fields:
            self._resolve(query.obj, name)
        rows = [
            row
            for row in self.rows[query.obj].values()
            if (include_deleted or not row["IsDeleted"]) and query.matches(row)
        ]
        return sorted(rows, key=lambda row: (row["SystemModstamp"], row["Id"]))

    def _page(self, cursor_id: str, start: int, usage: ApiUsage) -> QueryPage:
        cursor = self._cursors[cursor_id]
        end = start + self.page_size
        following = None
        if end < len(cursor.records):
            following = f"/services/data/v62.0/{cursor.endpoint}/{cursor_id}-{end}"
        else:
            del self._cursors[cursor_id]
        return QueryPage(
            records=cursor.records[start:end],
            total_size=len(cursor.records),
            next_records_url=following,
            api_usage=usage,
        )

    def _job(self, job_id: str) -> _BulkJob:
        job = self._jobs.get(job_id)
        if job is None:
            message = "The requested resource does not exist"
            raise ApiError(message, error_code="NOT_FOUND", status=404)
        return job

    def _field(self, obj: CrmObject, name: str) -> DescribedField:
        field = self.describe(obj).field(name)
        if field is None:
            message = f"No such column '{name}' on entity '{obj.value}'."
            raise query_error("INVALID_FIELD", message, name)
        return field

    def _relation(self, obj: CrmObject, name: str) -> tuple[DescribedField, str]:
        reference = self.describe(obj).relationship(name)
        if reference is None or reference.relationship_name is None:
            message = f"Didn't understand relationship '{name}' in field path."
            raise query_error("INVALID_FIELD", message, name)
        return reference, reference.relationship_name

    def _resolve(self, obj: CrmObject, path: str) -> DescribedField:
        head, dot, rest = path.partition(".")
        if not dot:
            return self._field(obj, head)
        reference, _ = self._relation(obj, head)
        target = _known(reference.reference_to[0])
        if target is None:
            # Limitation: no User table; Owner.* is refused rather than faked.
            raise query_error("INVALID_FIELD", f"no {head} in the fake", head)
        return self._resolve(target, rest)

    def _value(self, obj: CrmObject, row: Record, name: str) -> Any:
        field = self._field(obj, name)
        if field.is_compound:
            return _address(row, field, self.fields[obj])
        if field.name == "Name" and obj is not CrmObject.ACCOUNT:
            names = (row.get("FirstName"), row.get("LastName"))
            return " ".join(n for n in names if n) or None
        return row.get(field.name)

    def _render(self, obj: CrmObject, row: Record, fields: Iterable[str]) -> Record:
        """A REST record: attributes, then the fields, relationships nested."""
        url = f"{SOBJECTS}/{obj.value}/{row['Id']}"
        record: Record = {"attributes": {"type": obj.value, "url": url}}
        related: dict[str, list[str]] = {}
        for name in fields:
            head, dot, rest = name.partition(".")
            if dot:
                related.setdefault(head, []).append(rest)
            else:
                record[self._field(obj, name).name] = self._value(obj, row, name)
        for head, names in related.items():
            reference, key = self._relation(obj, head)
            target = _known(reference.reference_to[0])
            parent_id = row.get(reference.name)
            parent = self.rows[target].get(parent_id) if target and parent_id else None
            record[key] = None
            if target is not None and parent is not None:
                record[key] = self._render(target, parent, names)
        return record

    def _bulk_record(
        self, job: _BulkJob, row: Record, field_types: Mapping[str, str]
    ) -> Record:
        """What the real adapter makes of a CSV row: values through the text
        Bulk sends, typed by `field_types`, an all-empty relationship null."""
        rendered = self._render(job.obj, row, job.fields)
        record: Record = {}
        for name in job.fields:
            *heads, leaf = name.split(".")
            node = record
            for head in heads:
                node = node.setdefault(head, {})
            node[leaf] = _as_bulk(_read(rendered, name), field_types.get(name))
        return _collapse(record)


def _known(name: str) -> CrmObject | None:
    return next((obj for obj in CrmObject if obj.value == name), None)


def _address(
    row: Record, whole: DescribedField, fields: Iterable[DescribedField]
) -> Record | None:
    prefix = whole.name.removesuffix("Address")
    parts = {
        _lower_first(part.name.removeprefix(prefix)): row.get(part.name)
        for part in fields
        if part.compound_field_name == whole.name
    }
    return parts if any(value is not None for value in parts.values()) else None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _read(record: Record | None, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _as_bulk(value: Any, kind: str | None) -> Any:
    if value is None or value == "":
        return None
    if kind == "boolean" or kind == "datetime":
        return value
    if kind in _NUMBERS:
        return _NUMBERS[kind](value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _collapse(record: Record) -> Record:
    for key, value in record.items():
        if isinstance(value, dict):
            inner = _collapse(value)
            empty = all(v is None for v in inner.values())
            record[key] = None if empty else inner
    return record


__all__ = [
    "STANDARD_FIELDS",
    "ApiDisabled",
    "FakeOrg",
    "FakeSalesforce",
    "OAuthError",
    "QuotaExhausted",
    "SalesforceUnavailable",
    "SyncQuery",
]
