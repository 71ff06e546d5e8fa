"""Sync end to end: an org of a test's own, a workspace connected to it, and the
org as the mapping sees it, which the local copy must equal.

Everything here is synchronous (httpx.Client): the service and the emulator run
in threads of their own, and hypothesis state machines drive these directly.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from domain.crm import CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping
from domain.transforms import Value
from domain.workspace import Role
from entrypoints.bearer import mint
from sfemulator.model import ConnectedApp, User
from sfemulator.model import Org as OrgModel
from sfemulator.scenario import connect
from sfemulator.server import EmulatorServer
from sfemulator.world import World

API_VERSION = "62.0"
SYNCS = "/api/crm/salesforce/syncs"
ENDED = frozenset({"succeeded", "failed", "paused", "cancelled"})
Record = dict[str, Any]


@dataclass
class Org:
    """A fresh org with one user in the emulator; records change through here."""

    world: World
    org: OrgModel
    user: User

    @classmethod
    def new(cls, world: World) -> Org:
        org = world.create_org(name=f"Org {uuid.uuid4().hex[:6]}")
        user = world.create_user(
            org.id, username=f"{uuid.uuid4().hex[:10]}@sync.example"
        )
        return cls(world, org, user)

    @property
    def id(self) -> str:
        return self.org.id

    def create(self, obj: CrmObject, fields: Record, at: datetime) -> str:
        return self.world.create_record(self.id, obj.value, fields, modstamp=at)

    def update(
        self, obj: CrmObject, record_id: str, fields: Record, at: datetime
    ) -> None:
        self.world.update_record(self.id, obj.value, record_id, fields, modstamp=at)

    def delete(self, obj: CrmObject, record_id: str, at: datetime) -> None:
        self.world.delete_record(self.id, obj.value, record_id, modstamp=at)

    def undelete(self, obj: CrmObject, record_id: str, at: datetime) -> None:
        self.world.undelete_record(self.id, obj.value, record_id, modstamp=at)

    def convert(self, lead_id: str, at: datetime, contact_id: str | None = None) -> str:
        made = self.world.convert_lead(
            self.id, lead_id, contact_id=contact_id, modstamp=at
        )
        return made["contact_id"]

    def ids(self, obj: CrmObject) -> list[str]:
        with self.world.lock:
            return list(self.world.records.table(self.id, obj.value).rows)

    def rest_calls(self) -> int:
        with self.world.lock:
            return self.world.stats.rest_calls[self.id]


class Workspace:
    """One workspace of a running service, used as a product team would."""

    def __init__(self, url: str, secret: str, workspace_id: str | None = None) -> None:
        self.id = workspace_id or f"ws-{uuid.uuid4().hex[:12]}"
        self.secret = secret
        self.http = httpx.Client(base_url=url, trust_env=False, timeout=60)

    def close(self) -> None:
        self.http.close()

    def auth(self, role: Role = Role.ADMIN) -> dict[str, str]:
        token = mint(self.secret, workspace=self.id, role=role, subject="e2e-sync")
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers=self.auth(), **kwargs)

    def connect(self, emulator: EmulatorServer, org: Org, app: ConnectedApp) -> None:
        started = self.call(
            "POST",
            "/api/crm/salesforce/authorizations",
            json={"client_id": app.consumer_key, "sandbox": False},
        )
        assert started.status_code == 201, started.text
        location = emulator.consent(
            started.json()["authorization_url"], org.user.username
        )
        parts = urlsplit(location)
        arrived = self.http.get(f"{parts.path}?{parts.query}")
        assert arrived.headers["location"].endswith("salesforce=connected")

    def start_sync(self, **body: Any) -> dict[str, Any]:
        answer = self.call("POST", SYNCS, json=body or None)
        assert answer.status_code == 202, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.call("GET", f"{SYNCS}/{job_id}")
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def wait(self, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["state"] in ENDED:
                return job
            assert time.monotonic() < deadline, f"sync did not end: {job}"
            time.sleep(0.02)

    def sync(self, **body: Any) -> dict[str, Any]:
        """Start a sync, wait for its end, and insist that it succeeded."""
        job = self.wait(self.start_sync(**body)["job_id"])
        assert job["state"] == "succeeded", job
        return job

    def mapping(self) -> FieldMapping:
        answer = self.call("GET", "/api/crm/salesforce/field-mapping")
        return msgspec.json.decode(answer.content, type=FieldMapping)

    def people(self) -> list[Record]:
        return list(self._pages("/api/people"))

    def companies(self) -> list[Record]:
        return list(self._pages("/api/companies"))

    def _pages(self, path: str) -> Iterator[Record]:
        params = {"include_deleted": "true", "limit": "500"}
        while True:
            answer = self.call("GET", path, params=params)
            assert answer.status_code == 200, answer.text
            yield from answer.json()["items"]
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                return
            params["cursor"] = cursor


def progress(job: dict[str, Any], obj: CrmObject) -> dict[str, Any]:
    found: dict[str, Any] = next(
        item for item in job["progress"] if item["object"] == obj.value
    )
    return found


class OrgReader:
    """The org through its own REST API, with a token of the test's own.

    It reads in whole pages whatever page size a test forces on the service,
    and only while no sync runs (the page size is the emulator's, for all).
    """

    def __init__(self, emulator: EmulatorServer, org: Org, app: ConnectedApp) -> None:
        self.world = emulator.world
        token = connect(emulator.login_url, app, org.user)
        self.http = httpx.Client(
            base_url=token["instance_url"],
            headers={"Authorization": f"Bearer {token['access_token']}"},
            trust_env=False,
            timeout=60,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> OrgReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def rows(self, obj: CrmObject, fields: list[str]) -> list[Record]:
        """Every row, deleted ones too (queryAll), following nextRecordsUrl."""
        soql = f"SELECT {', '.join(fields)} FROM {obj.value}"  # noqa: S608
        with self._whole_pages():
            page = self._get(f"/services/data/v{API_VERSION}/queryAll", {"q": soql})
            rows = list(page["records"])
            while not page["done"]:
                page = self._get(page["nextRecordsUrl"], None)
                rows += page["records"]
        return rows

    @contextmanager
    def _whole_pages(self) -> Iterator[None]:
        forced = self.world.query_page_size
        self.world.set_query_paging(page_size=None)
        try:
            yield
        finally:
            self.world.set_query_paging(page_size=forced)

    def _get(self, path: str, params: dict[str, str] | None) -> Record:
        answer = self.http.get(path, params=params)
        assert answer.status_code == 200, answer.text
        page: Record = answer.json()
        return page


@dataclass(frozen=True)
class Expected:
    """A person or a company as the org shows it through the mapping."""

    fields: dict[str, Value]
    deleted: bool
    leads: dict[str, bool] = field(default_factory=dict)
    """Converted into a Contact: those Leads, with their IsDeleted."""


@dataclass(frozen=True)
class Copy:
    """What the local store must hold: people by ("lead" | "contact", id)."""

    people: dict[tuple[str, str], Expected]
    companies: dict[str, Expected]

    @classmethod
    def of(cls, reader: OrgReader, mapping: FieldMapping = DEFAULT_MAPPING) -> Copy:
        """One person per Contact and per unconverted Lead; converted Leads
        fold into their Contact."""
        people: dict[tuple[str, str], Expected] = {}
        converted: defaultdict[str, dict[str, bool]] = defaultdict(dict)
        for lead in _read(reader, CrmObject.LEAD, mapping):
            if lead["IsConverted"] and lead["ConvertedContactId"]:
                converted[lead["ConvertedContactId"]][lead["Id"]] = lead["IsDeleted"]
                continue
            values = mapping.person_values(lead, CrmObject.LEAD)
            people[("lead", lead["Id"])] = Expected(values, lead["IsDeleted"])
        for contact in _read(reader, CrmObject.CONTACT, mapping):
            values = mapping.person_values(contact, CrmObject.CONTACT)
            people[("contact", contact["Id"])] = Expected(
                values, contact["IsDeleted"], converted[contact["Id"]]
            )
        companies = {
            account["Id"]: Expected(
                mapping.company_values(account), account["IsDeleted"]
            )
            for account in _read(reader, CrmObject.ACCOUNT, mapping)
        }
        return cls(people, companies)


def _read(reader: OrgReader, obj: CrmObject, mapping: FieldMapping) -> list[Record]:
    system = ["Id", "IsDeleted", "SystemModstamp"]
    if obj is CrmObject.LEAD:
        system += ["IsConverted", "ConvertedContactId"]
    wanted = dict.fromkeys([*system, *mapping.source_fields(obj)])
    return reader.rows(obj, list(wanted))


def assert_mirrors(workspace: Workspace, expected: Copy) -> None:
    """The local copy equals the org: nothing lost, nothing twice, flags right."""
    people = workspace.people()
    for name in ("person_id", "lead_id", "contact_id"):
        held = [p[name] for p in people if p[name] is not None]
        assert len(held) == len(set(held)), f"a {name} is held twice"
    local = {_key(person): person for person in people}
    assert {k: (p["fields"], p["deleted"]) for k, p in local.items()} == {
        k: (e.fields, e.deleted) for k, e in expected.people.items()
    }
    for (kind, _), person in local.items():
        assert person["source"] == kind
        if kind == "contact":
            _assert_leads(person, expected.people[_key(person)].leads)

    companies = {
        c["account_id"]: (c["fields"], c["deleted"]) for c in workspace.companies()
    }
    assert companies == {
        k: (e.fields, e.deleted) for k, e in expected.companies.items()
    }


def _assert_leads(person: Record, leads: dict[str, bool]) -> None:
    """Every Lead converted into the Contact is held, with its own deleted
    flag; the row names the live one with the smallest Id, if any."""
    held = {m["lead_id"]: m["deleted"] for m in person["merged_leads"]}
    if person["lead_id"] is not None:
        held[person["lead_id"]] = person["lead_deleted"]
    assert held == leads, person
    if leads:
        assert person["lead_id"] == min(leads, key=lambda i: (leads[i], i)), person


def _key(person: Record) -> tuple[str, str]:
    if person["contact_id"]:
        return ("contact", person["contact_id"])
    return ("lead", person["lead_id"])


def rows_after(reader: OrgReader, obj: CrmObject, cursor: dict[str, Any] | None) -> int:
    """How many rows of `obj` lie after a job's committed cursor."""
    rows = reader.rows(obj, ["Id", "SystemModstamp"])
    if cursor is None:
        return len(rows)
    after = (_stamp(cursor["system_modstamp"]), cursor["record_id"])
    return sum(1 for row in rows if (_stamp(row["SystemModstamp"]), row["Id"]) > after)


def _stamp(value: str) -> datetime:
    if value.endswith("+0000"):
        value = value[:-5] + "+00:00"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
