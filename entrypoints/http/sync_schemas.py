"""Request and response bodies of the sync, field mapping and read routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import KwargDefinition

from application.sync.mapping import MappableField
from application.sync.ports import PersonEntry
from domain.crm import CrmObject
from domain.mapping import CompanyRule, FieldMapping, PersonRule
from domain.people import Company
from domain.problems import Problem
from domain.sync import ObjectProgress, SyncJob, SyncMode, SyncState
from domain.transforms import Value

Objects = Annotated[tuple[CrmObject, ...], msgspec.Meta(min_length=1, max_length=3)]
# The domain caps a mapping at 200 rules; these caps only bound decoding.
PersonRules = Annotated[tuple[PersonRule, ...], msgspec.Meta(max_length=500)]
CompanyRules = Annotated[tuple[CompanyRule, ...], msgspec.Meta(max_length=500)]
# A person's source as the API names it; a lookup, as pages map 100 people.
SOURCE_NAMES = {obj: obj.value.lower() for obj in (CrmObject.LEAD, CrmObject.CONTACT)}
# A record's fields in OpenAPI: `anyOf`, not the `oneOf` Litestar writes for
# `Value`'s union, since an integer is a number too and `oneOf` refuses a
# value that matches two of its schemas.
FIELDS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "integer"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
        ]
    },
}
# Limitation: a mapping rule's `DefaultValue.value` (a domain type in the
# request body, so no annotation of ours) still gets the `oneOf`; fixing it
# takes a pass over the generated document, which Litestar has no hook for.
Fields = Annotated[dict[str, Value], KwargDefinition(schema_extra=FIELDS_SCHEMA)]
# A person's fields as stored, JSON passed through unread (see `PersonEntry`).
StoredFields = Annotated[msgspec.Raw, KwargDefinition(schema_extra=FIELDS_SCHEMA)]


class SyncBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mode: SyncMode = SyncMode.INCREMENTAL
    objects: Objects | None = None


class FieldMappingBody(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """The whole mapping: both lists, so a replace never empties one by omission."""

    people: PersonRules
    companies: CompanyRules

    def to_mapping(self) -> FieldMapping:
        return FieldMapping(people=self.people, companies=self.companies)


class FieldsView(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MappableField]


class MappingView(msgspec.Struct, frozen=True, kw_only=True):
    people: tuple[PersonRule, ...]
    companies: tuple[CompanyRule, ...]

    @classmethod
    def of(cls, mapping: FieldMapping) -> MappingView:
        return cls(people=mapping.people, companies=mapping.companies)


CursorModstamp = Annotated[
    datetime, msgspec.Meta(description="The record's SystemModstamp, in UTC.")
]
CursorRecord = Annotated[
    str,
    msgspec.Meta(
        description="The record's Salesforce Id. Records that share a "
        "SystemModstamp are read in Id order, so a read that goes on from "
        "this cursor starts after this record."
    ),
]


class CursorView(msgspec.Struct, frozen=True, kw_only=True):
    system_modstamp: CursorModstamp
    record_id: CursorRecord


ReadInFull = Annotated[
    bool,
    msgspec.Meta(
        description="An incremental sync reads this object in full and marks "
        "what it did not read deleted, as a full sync does: its last complete "
        "read is older than Salesforce keeps deleted records (14 days), or "
        "the last sync of it stopped its full read short of the end."
    ),
]
Cursor = Annotated[
    CursorView | None,
    msgspec.Meta(
        description="Where a read of this object goes on from: the last record "
        "(SystemModstamp, Id) this sync stored of this object in that order, "
        "or the earlier read's it goes on with. A Bulk API job's rows come in "
        "no order, so the cursor passes them only once the whole job is "
        "stored. Null while it has stored none; a sync that reads no record "
        "leaves the stored cursor where the sync before put it."
    ),
]
Continues = Annotated[
    str | None,
    msgspec.Meta(
        description="The sync whose unfinished full read of this object this "
        "one goes on with, from that read's last committed page."
    ),
]


Seen = Annotated[
    int,
    msgspec.Meta(
        description="Records this sync read of this object, with any an "
        "earlier, stopped sync had stored too (a Bulk page it stopped in is "
        "fetched again whole)."
    ),
]
Written = Annotated[
    int,
    msgspec.Meta(
        description="Rows of the local copy this sync stored for this object: "
        "a person that several records of one page feed (a converted Lead and "
        "its Contact) counts once, and a row stored again unchanged counts too."
    ),
]
DeletedSeen = Annotated[
    int,
    msgspec.Meta(description="Records this sync read with IsDeleted true."),
]
Swept = Annotated[
    int,
    msgspec.Meta(
        description="Rows of the local copy this sync marked deleted because "
        "its full read of this object did not see them (purged from the "
        "Recycle Bin, or hard-deleted); 0 for a read that was not in full."
    ),
]
Pages = Annotated[
    int,
    msgspec.Meta(
        description="Pages this sync stored of this object, each in one "
        "transaction with the cursor and these counts: a REST query page (one "
        "with no record too), or a batch of a Bulk API job's rows."
    ),
]
ApiCalls = Annotated[
    int,
    msgspec.Meta(
        description="Salesforce API calls this sync spent on this object, "
        "out of the org's daily quota: queries, Bulk job starts, status polls "
        "and result pages, and describes; one Salesforce refused counts too, "
        "one retried after a failure in transit or a 5xx counts once, and "
        "calls a stopped run had not yet counted go to the object it was "
        "reading."
    ),
]
Done = Annotated[
    bool,
    msgspec.Meta(
        description="True once this sync has stored all of this object, and, "
        "after a full read, marked deleted what it did not read. When the "
        "mapping reads Contacts through their Account, the Contact's is "
        "false again while the sync ends by reading again the Contacts of "
        "changed Accounts."
    ),
]
ObjectError = Annotated[
    Problem | None,
    msgspec.Meta(
        description="The sync's problem, on the object it was reading when "
        "it failed or paused (the first not done: a sync reads its objects in "
        "order); null on the others, and when the sync succeeded or was "
        "cancelled."
    ),
]


Counted = Annotated[
    CrmObject, msgspec.Meta(description="The Salesforce object these counts are of.")
]


class ProgressView(msgspec.Struct, frozen=True, kw_only=True):
    object: Counted
    records_seen: Seen
    records_written: Written
    records_deleted: DeletedSeen
    records_swept: Swept
    pages: Pages
    api_calls: ApiCalls
    cursor: Cursor
    done: Done
    read_in_full: ReadInFull
    continues: Continues
    error: ObjectError

    @classmethod
    def of(cls, progress: ObjectProgress) -> ProgressView:
        cursor = progress.cursor
        return cls(
            object=progress.object,
            records_seen=progress.seen,
            records_written=progress.written,
            records_deleted=progress.deleted,
            records_swept=progress.swept,
            pages=progress.pages,
            api_calls=progress.api_calls,
            cursor=CursorView(
                system_modstamp=cursor.modstamp, record_id=cursor.record_id
            )
            if cursor
            else None,
            done=progress.done,
            read_in_full=progress.read_in_full,
            continues=progress.continues,
            error=progress.error,
        )


CancelRequested = Annotated[
    bool,
    msgspec.Meta(
        description="True while a cancel is pending and on a cancelled sync; "
        "a cancel that came after the last page was stored was too late, and "
        "its sync shows its own end with false."
    ),
]


JobId = Annotated[
    str,
    msgspec.Meta(
        description="The sync's id, for GET and DELETE "
        "/api/crm/salesforce/syncs/{job_id}."
    ),
]
Mode = Annotated[
    SyncMode,
    msgspec.Meta(
        description="incremental reads what changed since each object's "
        "cursor; full reads every record and marks deleted what it did not "
        "read."
    ),
]
State = Annotated[
    SyncState,
    msgspec.Meta(
        description="queued, then running, then succeeded, failed, paused "
        "(stopped, or the quota reserve reached: the next incremental sync "
        "goes on) or cancelled."
    ),
]
RunOrder = Annotated[
    tuple[CrmObject, ...],
    msgspec.Meta(description="The objects it reads, in the order it reads them."),
]
RequestedBy = Annotated[
    str,
    msgspec.Meta(
        description="The subject of the bearer token that asked for it; "
        "crmbridge-cli for `crmbridge sync`."
    ),
]
Created = Annotated[
    datetime,
    msgspec.Meta(description="When it was asked for; the history is newest first."),
]
Started = Annotated[
    datetime | None,
    msgspec.Meta(description="When a runner started it; null while it is queued."),
]
Finished = Annotated[
    datetime | None,
    msgspec.Meta(description="When it ended; null while it is queued or runs."),
]
Heartbeat = Annotated[
    datetime | None,
    msgspec.Meta(
        description="When a running sync last showed it was alive (each page, "
        "each Bulk status poll); one silent for CRMBRIDGE_SYNC_STALE_SECONDS "
        "is taken as dead where its process's job lock cannot tell."
    ),
]
Until = Annotated[
    datetime | None,
    msgspec.Meta(
        description="The run's upper bound on SystemModstamp, fixed when it "
        "starts (CRMBRIDGE_SYNC_SETTLE_SECONDS before now): records changed "
        "later are left to the next sync. Null until it starts."
    ),
]
JobProblem = Annotated[
    Problem | None,
    msgspec.Meta(
        description="Why it failed or paused, with a hint saying what to do; "
        "null otherwise."
    ),
]
Progress = Annotated[
    list[ProgressView],
    msgspec.Meta(description="One entry per object, in `objects` order."),
]


class SyncView(msgspec.Struct, frozen=True, kw_only=True):
    job_id: JobId
    mode: Mode
    objects: RunOrder
    state: State
    requested_by: RequestedBy
    created_at: Created
    started_at: Started
    finished_at: Finished
    heartbeat_at: Heartbeat
    until: Until
    cancel_requested: CancelRequested
    problem: JobProblem
    progress: Progress

    @classmethod
    def of(cls, job: SyncJob) -> SyncView:
        return cls(
            job_id=job.job_id,
            mode=job.mode,
            objects=job.objects,
            state=job.state,
            requested_by=job.requested_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            heartbeat_at=job.heartbeat_at,
            until=job.until,
            cancel_requested=job.cancel_requested,
            problem=job.problem,
            progress=[ProgressView.of(progress) for progress in job.progress],
        )


class ReplacedMappingView(MappingView, frozen=True, kw_only=True):
    resync: SyncView | None


NextBefore = Annotated[
    datetime | None,
    msgspec.Meta(
        description="When older syncs are left, the last one's `created_at` "
        "on this page: give it as `before` for the next, older page. A page "
        "may then hold fewer than `limit` syncs, so that syncs created at "
        "the same moment stay on one page. Null when no older sync is left."
    ),
]


class SyncHistoryView(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SyncView]
    next_before: NextBefore


class MergedLeadView(msgspec.Struct, frozen=True, kw_only=True):
    """Another Lead converted into the person's Contact."""

    lead_id: str
    deleted: bool


class PersonView(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    source: str
    lead_id: str | None
    contact_id: str | None
    account_id: str | None
    deleted: bool
    lead_deleted: bool
    contact_deleted: bool
    merged_leads: list[MergedLeadView]
    fields: StoredFields
    system_modstamp: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, person: PersonEntry) -> PersonView:
        return cls(
            person_id=person.person_id,
            source=SOURCE_NAMES[person.source],
            lead_id=person.lead_id,
            contact_id=person.contact_id,
            account_id=person.account_id,
            deleted=person.deleted,
            lead_deleted=person.lead_deleted,
            contact_deleted=person.contact_deleted,
            merged_leads=[
                MergedLeadView(lead_id=lead_id, deleted=deleted)
                for lead_id, deleted in sorted(person.merged_leads.items())
            ],
            fields=person.fields,
            system_modstamp=person.modstamp,
            updated_at=person.updated_at,
        )


class CompanyView(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    deleted: bool
    fields: Fields
    system_modstamp: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, company: Company) -> CompanyView:
        return cls(
            account_id=company.account_id,
            deleted=company.deleted,
            fields=company.fields,
            system_modstamp=company.modstamp,
            updated_at=company.updated_at,
        )


class PeoplePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[PersonView]
    next_cursor: str | None


class CompaniesPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CompanyView]
    next_cursor: str | None
