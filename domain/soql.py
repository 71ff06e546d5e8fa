"""SOQL for incremental sync: literals in SOQL's own format and the window query.

Salesforce keeps datetimes at whole seconds and compares them that way, so
cursors and bounds are truncated to seconds and ties are broken by `Id`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from domain.crm import CrmObject

SYSTEM_FIELDS = ("Id", "SystemModstamp", "IsDeleted")
LEAD_CONVERSION_FIELDS = ("IsConverted", "ConvertedContactId", "ConvertedAccountId")


class SyncCursor(msgspec.Struct, frozen=True, kw_only=True, order=True):
    """The last record committed: `(SystemModstamp, Id)`, in UTC."""

    modstamp: datetime
    record_id: str


def datetime_literal(value: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC, whole seconds)."""
    if value.tzinfo is None:
        raise ValueError("SOQL datetimes must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def string_literal(value: str) -> str:
    """A single-quoted SOQL string with `\\` and `'` escaped."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def parse_record_datetime(value: str) -> datetime:
    """Parse `2024-01-15T10:30:00.000+0000` (no colon in the offset) to UTC.

    Records in modstamp order often share one stamp (a mass update stamps
    all its rows alike): the text seen last gives back the same object.
    """
    global _last_parsed
    text, parsed = _last_parsed
    if value == text:
        return parsed
    # fromisoformat reads this shape since Python 3.11, ~70x faster than strptime.
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"record datetime without offset: {value!r}")
    parsed = parsed.astimezone(UTC)
    _last_parsed = (value, parsed)
    return parsed


_last_parsed: tuple[str | None, datetime] = (None, datetime.min.replace(tzinfo=UTC))


def truncate(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def cursor_limit(until: datetime) -> datetime:
    """The newest SystemModstamp a cursor may stop at in a window ending at
    `until`: the end of the second before `until`'s. Salesforce stamps whole
    seconds, and `until`'s own second may still be getting rows (with a
    settle of 0 it is the current one): a row changed later in it shares
    the stamp of rows already read, and a cursor past their Ids would pass
    it. The next run reads that second again."""
    return truncate(until) - timedelta(microseconds=1)


def select_fields(obj: CrmObject, mapped: tuple[str, ...]) -> tuple[str, ...]:
    extra: tuple[str, ...] = LEAD_CONVERSION_FIELDS if obj is CrmObject.LEAD else ()
    extra += ("AccountId",) if obj is CrmObject.CONTACT else ()
    wanted = (*SYSTEM_FIELDS, *extra, *mapped)
    seen: dict[str, str] = {}
    for name in wanted:
        seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def window_query(
    obj: CrmObject,
    fields: tuple[str, ...],
    *,
    after: SyncCursor | None,
    until: datetime,
    ordered: bool = True,
) -> str:
    """Rows changed after `after` and at or before `until`, in cursor order
    unless not `ordered` (Bulk API jobs: ORDER BY turns off Salesforce's
    primary-key chunking of large jobs, and a job's rows come unordered)."""
    conditions = [f"SystemModstamp <= {datetime_literal(truncate(until))}"]
    if after is not None:
        stamp = datetime_literal(truncate(after.modstamp))
        conditions.insert(
            0,
            f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} "
            f"AND Id > {string_literal(after.record_id)}))",
        )
    # Field names come from a validated mapping; values are escaped literals.
    order = " ORDER BY SystemModstamp ASC, Id ASC" if ordered else ""
    return (
        f"SELECT {', '.join(fields)} FROM {obj.value} "  # noqa: S608
        f"WHERE {' AND '.join(conditions)}{order}"
    )


def changed_after_query(obj: CrmObject, until: datetime) -> str:
    """Ids of rows changed after the run's bound: alive, though no window of
    the run saw them, so a full sync's sweep must leave them be."""
    return (
        f"SELECT Id FROM {obj.value} "  # noqa: S608
        f"WHERE SystemModstamp > {datetime_literal(truncate(until))}"
    )


def related_query(
    obj: CrmObject,
    fields: tuple[str, ...],
    *,
    reference: str,
    ids: tuple[str, ...],
    until: datetime,
) -> str:
    """Rows of `obj` whose `reference` is one of `ids`, within the run's bound."""
    listed = ", ".join(string_literal(value) for value in ids)
    return (
        f"SELECT {', '.join(fields)} FROM {obj.value} "  # noqa: S608
        f"WHERE {reference} IN ({listed}) "
        f"AND SystemModstamp <= {datetime_literal(truncate(until))} "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )
