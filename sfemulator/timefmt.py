"""Salesforce datetime formats: epoch milliseconds inside, strings on the wire."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?)?"
)


def to_ms(value: object) -> int:
    """Epoch milliseconds from a datetime, an ISO/SOQL string or a number."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return round(moment.timestamp() * 1000)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    raise ValueError(f"not a datetime: {value!r}")


def parse_datetime(text: str) -> int | None:
    """Epoch ms of `2024-01-15T10:30:00Z`, `...00.000+0000`, `...+01:00`, or None."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if hour is not None and zone is None:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            moment -= sign * offset
        except OverflowError:  # past year 9999 or before year 1 in UTC
            return None
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    return int(moment.timestamp()) * 1000 + millis


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _seconds(moment: datetime) -> str:
    """`2024-01-15T10:30:00.`; the year in four digits (strftime's `%Y` leaves
    years before 1000 short on some C libraries)."""
    if moment.year < 1000:
        return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.")


def rest_format(ms: int | None) -> str | None:
    """REST JSON style: `2024-01-15T10:30:00.000+0000`."""
    if ms is None:
        return None
    return _seconds(_utc(ms)) + f"{ms % 1000:03d}+0000"


def bulk_format(ms: int | None) -> str:
    """Bulk API CSV style: `2024-01-15T10:30:00.000Z`; empty for null."""
    if ms is None:
        return ""
    return _seconds(_utc(ms)) + f"{ms % 1000:03d}Z"
