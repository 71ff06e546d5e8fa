"""World methods that change records between runs, for tests and benchmarks."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sfemulator import record_ops
from sfemulator.cursors import CursorBook
from sfemulator.datagen import generate
from sfemulator.model import Org
from sfemulator.records import RecordError, RecordStore
from sfemulator.world_errors import EmulatorError, check_count

if TYPE_CHECKING:
    from sfemulator.bulk import BulkJob

_LISTED = ("Id", "IsDeleted", "SystemModstamp")


class RecordControls:
    """Create, change, delete and convert records; tune query paging.

    `modstamp` (a datetime, ISO string or epoch ms) forces SystemModstamp,
    e.g. to make rows tie; otherwise every change stamps the world's now.
    """

    lock: threading.RLock
    records: RecordStore
    cursors: CursorBook
    query_page_size: int | None
    bulk_page_size: int
    bulk_polls_before_complete: int
    bulk_jobs: dict[str, BulkJob]

    def org(self, org_id: str) -> Org:
        raise NotImplementedError

    def create_record(
        self,
        org_id: str,
        sobject: str,
        fields: dict[str, Any] | None = None,
        *,
        modstamp: object = None,
    ) -> str:
        """Insert a record with any stored fields set; its new id."""
        with self.lock, _Translated():
            self.org(org_id)
            return record_ops.create_record(
                self.records, org_id, sobject, fields or {}, modstamp=modstamp
            )

    def update_record(
        self,
        org_id: str,
        sobject: str,
        record_id: str,
        fields: dict[str, Any],
        *,
        modstamp: object = None,
    ) -> None:
        """Change a live record as an admin would (no API write rules)."""
        with self.lock, _Translated():
            record_ops.update_record(
                self.records,
                org_id,
                sobject,
                record_id,
                fields,
                api=False,
                modstamp=modstamp,
            )

    def delete_record(
        self, org_id: str, sobject: str, record_id: str, *, modstamp: object = None
    ) -> None:
        """Send a record to the recycle bin: IsDeleted, seen by queryAll only."""
        with self.lock, _Translated():
            record_ops.set_deleted(
                self.records, org_id, sobject, record_id, True, modstamp
            )

    def undelete_record(
        self, org_id: str, sobject: str, record_id: str, *, modstamp: object = None
    ) -> None:
        with self.lock, _Translated():
            record_ops.set_deleted(
                self.records, org_id, sobject, record_id, False, modstamp
            )

    def purge_record(self, org_id: str, sobject: str, record_id: str) -> None:
        """Empty a record from the recycle bin, or hard-delete a live one."""
        with self.lock, _Translated():
            record_ops.purge(self.records, org_id, sobject, record_id)

    def convert_lead(
        self,
        org_id: str,
        lead_id: str,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        modstamp: object = None,
    ) -> dict[str, str]:
        """Convert a lead; the contact and account ids (created unless given)."""
        with self.lock, _Translated():
            contact, account = record_ops.convert_lead(
                self.records,
                org_id,
                lead_id,
                account_id=account_id,
                contact_id=contact_id,
                modstamp=modstamp,
            )
            return {"contact_id": contact, "account_id": account}

    def get_record(self, org_id: str, sobject: str, record_id: str) -> dict[str, Any]:
        """Every field of a record, deleted or not (datetimes as epoch ms)."""
        with self.lock, _Translated():
            table = self.records.table(org_id, sobject)
            row = table.rows.get(record_id)
            if row is None:
                raise RecordError("NOT_FOUND", f"no {sobject} {record_id}", [])
            return record_ops.record_dict(table, row)

    def list_records(self, org_id: str, sobject: str) -> dict[str, Any]:
        """Every record the org holds of `sobject`, deleted ones too (purged
        ones are gone): its Id, IsDeleted and SystemModstamp (epoch ms), in
        Id order. What a full copy of the org should hold."""
        with self.lock, _Translated():
            table = self.records.table(org_id, sobject)
            records = [
                record_ops.record_dict(table, table.rows[record_id])
                for record_id in sorted(table.rows)
            ]
        listed = [{key: record[key] for key in _LISTED} for record in records]
        return {"totalSize": len(listed), "records": listed}

    def list_bulk_jobs(self, org_id: str) -> dict[str, Any]:
        """The org's Bulk query jobs, oldest first: what a client started,
        and whether it aborted them (`state`) or left them running."""
        with self.lock:
            self.org(org_id)
            jobs = sorted(
                (job for job in self.bulk_jobs.values() if job.org_id == org_id),
                key=lambda job: (job.created_ms, job.id),
            )
            listed = [
                {
                    "id": job.id,
                    "object": job.object,
                    "operation": job.operation,
                    "state": job.state,
                    "createdDate": job.created_ms,
                    "numberRecords": len(job.rows),
                }
                for job in jobs
            ]
        return {"totalSize": len(listed), "jobs": listed}

    def add_custom_field(
        self,
        org_id: str,
        sobject: str,
        name: str,
        field_type: str = "string",
        length: int | None = None,
    ) -> dict[str, object]:
        """Add a `__c` field to one org's object; its describe entry."""
        with self.lock, _Translated():
            item = self.records.add_custom_field(
                org_id, sobject, name, field_type, length
            )
            return item.describe()

    def generate_records(self, org_id: str, **options: Any) -> dict[str, int]:
        """Seeded awkward data: see `sfemulator.datagen.generate` for options."""
        return generate(self, org_id, **options)  # type: ignore[arg-type]

    def set_query_paging(
        self,
        *,
        page_size: int | None = None,
        cursor_limit: int | None = None,
        bulk_page_size: int | None = None,
        bulk_polls: int | None = None,
    ) -> None:
        """Force the query page size (None: 2000 or the client's hint), etc.;
        a value that is not a whole number (at least 1; `bulk_polls` at least
        0) is refused and changes nothing."""
        for name, value, least in (
            ("page_size", page_size, 1),
            ("cursor_limit", cursor_limit, 1),
            ("bulk_page_size", bulk_page_size, 1),
            ("bulk_polls", bulk_polls, 0),
        ):
            check_count(name, value, least)
        with self.lock:
            self.query_page_size = page_size
            if cursor_limit is not None:
                self.cursors.max_per_user = cursor_limit
            if bulk_page_size is not None:
                self.bulk_page_size = bulk_page_size
            if bulk_polls is not None:
                self.bulk_polls_before_complete = bulk_polls

    def expire_query_cursors(self) -> int:
        """Forget every open query cursor; their nextRecordsUrl stop working."""
        with self.lock:
            return self.cursors.expire_all()

    def set_timestamp_precision(self, milliseconds: int) -> None:
        """1000 (Salesforce's whole seconds, the default) or 1 for milliseconds."""
        if type(milliseconds) is not int or milliseconds not in (1, 1000):
            raise EmulatorError("milliseconds must be 1 or 1000")
        with self.lock:
            self.records.precision_ms = milliseconds


class _Translated:
    """Turns record errors into the control API's EmulatorError."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: object, error: BaseException | None, trace: object
    ) -> None:
        if isinstance(error, RecordError):
            raise EmulatorError(f"{error.status_code}: {error.message}") from error
