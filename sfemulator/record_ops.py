"""Changes to records: create, update, delete, undelete and lead conversion."""

from __future__ import annotations

from typing import Any

from sfemulator.records import STAMPS, RecordError, RecordStore, Table
from sfemulator.schema import Field
from sfemulator.timefmt import to_ms

_TEXT = frozenset({"string", "textarea", "email", "phone", "url", "picklist"})


def create_record(
    store: RecordStore,
    org_id: str,
    sobject: str,
    values: dict[str, Any],
    *,
    modstamp: object = None,
) -> str:
    """Insert a row (control path: any stored field may be set); its new id."""
    table = store.table(org_id, sobject)
    row = table.new_row()
    record_id = store.new_id(table.sobject)
    stamp = store.stamp(modstamp)
    table.put(row, "Id", record_id)
    table.put(row, "IsDeleted", False)
    if "IsConverted" in table.columns:
        table.put(row, "IsConverted", False)
    for name in STAMPS:
        table.put(row, name, stamp)
    _assign(table, row, values, api=False)
    table.rows[record_id] = row
    return record_id


def update_record(
    store: RecordStore,
    org_id: str,
    sobject: str,
    record_id: str,
    values: dict[str, Any],
    *,
    api: bool,
    modstamp: object = None,
) -> None:
    """Change fields and bump SystemModstamp; `api` applies the REST API's rules."""
    table = store.table(org_id, sobject)
    row = find_row(table, record_id)
    if api and table.sobject == "Lead" and table.value(row, "IsConverted"):
        raise RecordError(
            "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []
        )
    checked = {_stored_name(table, key, api): value for key, value in values.items()}
    _assign(table, row, checked, api=api)
    _touch(store, table, row, modstamp, keep_modified="LastModifiedDate" in checked)


def set_deleted(
    store: RecordStore,
    org_id: str,
    sobject: str,
    record_id: str,
    deleted: bool,
    modstamp: object = None,
) -> None:
    """Move a row to or from the recycle bin (queryAll still sees it there)."""
    table = store.table(org_id, sobject)
    row = table.rows.get(record_id)
    if row is None or bool(table.value(row, "IsDeleted")) == deleted:
        raise RecordError(
            "ENTITY_IS_DELETED" if deleted else "UNDELETE_FAILED",
            "record not in the expected state",
            [],
        )
    table.put(row, "IsDeleted", deleted)
    _touch(store, table, row, modstamp)


def purge(store: RecordStore, org_id: str, sobject: str, record_id: str) -> None:
    """Take a row out for good, as emptying the recycle bin (or a hard
    delete) does: neither `query` nor `queryAll` shows it again."""
    table = store.table(org_id, sobject)
    if table.rows.pop(record_id, None) is None:
        raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])


def convert_lead(
    store: RecordStore,
    org_id: str,
    lead_id: str,
    *,
    account_id: str | None = None,
    contact_id: str | None = None,
    modstamp: object = None,
) -> tuple[str, str]:
    """Convert a lead into a contact and account (made unless given; an
    existing Contact given brings its own Account, as Salesforce asks)."""
    leads = store.table(org_id, "Lead")
    lead = find_row(leads, lead_id)
    if leads.value(lead, "IsConverted"):
        raise RecordError("CANNOT_UPDATE_CONVERTED_LEAD", "already converted", [])
    if account_id is None and contact_id is not None:
        contacts = store.table(org_id, "Contact")
        account_id = contacts.value(find_row(contacts, contact_id), "AccountId")
    if account_id is None:
        company = leads.value(lead, "Company") or leads.value(lead, "LastName")
        account_id = create_record(
            store, org_id, "Account", {"Name": company}, modstamp=modstamp
        )
    if contact_id is None:
        person = {
            name: leads.value(lead, name)
            for name in ("FirstName", "LastName", "Email", "Title", "Phone")
        }
        contact_id = create_record(
            store,
            org_id,
            "Contact",
            person | {"AccountId": account_id},
            modstamp=modstamp,
        )
    changes = {
        "IsConverted": True,
        "ConvertedAccountId": account_id,
        "ConvertedContactId": contact_id,
        "Status": "Qualified",
    }
    _assign(leads, lead, changes, api=False)
    _touch(store, leads, lead, modstamp)
    return contact_id, account_id


def find_row(table: Table, record_id: str) -> list[Any]:
    row = table.rows.get(record_id)
    if row is None or table.value(row, "IsDeleted"):
        raise RecordError(
            "ENTITY_IS_DELETED" if row else "NOT_FOUND",
            "entity is deleted" if row else "The requested resource does not exist",
            [],
        )
    return row


def record_dict(table: Table, row: list[Any]) -> dict[str, Any]:
    """Every field of a row by name (datetimes as epoch ms)."""
    return {item.name: table.value(row, item.name) for item in table.fields}


def _stored_name(table: Table, key: str, api: bool) -> str:
    item = table.field(key)
    if item is None:
        message = f"No such column '{key}' on sobject of type {table.sobject}"
        raise RecordError("INVALID_FIELD", message, [key])
    if api and not item.updateable:
        message = f"Unable to create/update fields: {item.name}."
        raise RecordError("INVALID_FIELD_FOR_INSERT_UPDATE", message, [item.name])
    return item.name


def _assign(table: Table, row: list[Any], values: dict[str, Any], api: bool) -> None:
    prepared = []
    for key, value in values.items():
        item = table.field(key)
        if item is None or item.name not in table.columns:
            message = f"No such column '{key}' on sobject of type {table.sobject}"
            raise RecordError("INVALID_FIELD", message, [key])
        prepared.append((item.name, _coerce(item, value, api)))
    for name, value in prepared:
        table.put(row, name, value)


def _coerce(item: Field, value: Any, api: bool) -> Any:
    if value is None:
        if api and not item.nillable:
            message = f"Required fields are missing: [{item.name}]"
            raise RecordError("REQUIRED_FIELD_MISSING", message, [item.name])
        return None
    if item.type == "datetime":
        try:
            return to_ms(value)
        except ValueError:
            message = f"Cannot deserialize instance of datetime from {value!r}"
            raise RecordError("JSON_PARSER_ERROR", message, [item.name]) from None
    if item.type in _TEXT and api and len(str(value)) > item.length:
        message = (
            f"{item.name}: data value too large: {str(value)[:40]} "
            f"(max length={item.length})"
        )
        raise RecordError("STRING_TOO_LONG", message, [item.name])
    return value


def _touch(
    store: RecordStore,
    table: Table,
    row: list[Any],
    modstamp: object,
    keep_modified: bool = False,
) -> None:
    stamp = store.stamp(modstamp)
    table.put(row, "SystemModstamp", stamp)
    if not keep_modified:
        table.put(row, "LastModifiedDate", stamp)
