"""Field mapping values: the types a mapped value may take, the transforms a
rule may apply, and how one raw Salesforce value becomes a mapped one.

Pure functions the compiled reader (`domain.mapping_reader`) is built from;
`convert` is their plain composition, the reference that reader is tested
against.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import msgspec

Value = str | int | float | bool | None


class Trim(msgspec.Struct, frozen=True, tag="trim", forbid_unknown_fields=True):
    """Strip surrounding white space from text."""


class Lowercase(
    msgspec.Struct, frozen=True, tag="lowercase", forbid_unknown_fields=True
):
    """Lower-case text (emails compare case-insensitively)."""


class ValueMap(
    msgspec.Struct, frozen=True, tag="value_map", forbid_unknown_fields=True
):
    """Replace listed values (picklist labels) with ours; others pass through."""

    values: dict[str, str]


class DefaultValue(
    msgspec.Struct, frozen=True, tag="default", forbid_unknown_fields=True
):
    """Use `value` when the source is empty (null or blank text)."""

    value: str | int | float | bool


Transform = Trim | Lowercase | ValueMap | DefaultValue


def convert(raw: Any, kind: str, transforms: tuple[Transform, ...]) -> Value:
    value = coerce(raw, kind)
    for transform in transforms:
        value = step(transform, kind)(value)
    return value


TEXT_KINDS = frozenset({"string", "email", "id"})


def coerce(raw: Any, kind: str) -> Value:
    if raw is None or isinstance(raw, dict | list):
        return None
    if kind in TEXT_KINDS:
        return raw if isinstance(raw, str) else _text(raw)
    if kind == "integer" and isinstance(raw, int | float) and not isinstance(raw, bool):
        # An infinite or NaN number has no integer value: empty, not a crash.
        return int(raw) if math.isfinite(raw) else None
    if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if kind == "boolean" and isinstance(raw, bool):
        return raw
    if kind == "datetime" and isinstance(raw, str):
        return normalize_datetime(raw)
    return None


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def is_datetime_text(value: Value) -> bool:
    """A date (`2024-01-15`) or a date and time with its offset that UTC can
    hold: what a datetime target holds, as Salesforce's values are."""
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    if parsed.tzinfo is None:
        return _DATE.fullmatch(value) is not None
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return False
    return True


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def normalize_datetime(raw: str) -> str:
    """Salesforce's `2024-01-15T10:30:00.000+0000` as ISO 8601 UTC, or as given."""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if parsed.tzinfo is None:
        return parsed.date().isoformat() if len(raw) == 10 else raw
    try:
        return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except OverflowError:
        # Past year 9999 or before year 1 in UTC: kept as given.
        return raw


def step(transform: Transform, kind: str) -> Callable[[Value], Value]:
    if isinstance(transform, Trim):
        return trim
    if isinstance(transform, Lowercase):
        return _lowercase
    if isinstance(transform, ValueMap):
        return partial(_map_value, transform.values)
    default = transform.value
    if kind == "datetime" and isinstance(default, str):
        # In UTC, as a source's datetime is stored.
        default = normalize_datetime(default)
    if kind == "number" and type(default) is int:
        # As a source's integer becomes one: -1 stored as -1.0, so every
        # value of a number target reads back as the same JSON type.
        default = float(default)
    return partial(_default, default)


def trim(value: Value) -> Value:
    return value.strip() if isinstance(value, str) else value


def _lowercase(value: Value) -> Value:
    return value.lower() if isinstance(value, str) else value


def _map_value(values: dict[str, str], value: Value) -> Value:
    return values.get(value, value) if isinstance(value, str) else value


def _default(default: Value, value: Value) -> Value:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return value
