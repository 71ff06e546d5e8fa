"""A field mapping's rules for one object, compiled into one reading function.

`FieldMapping` (domain.mapping) builds one per object and applies it to every
record a sync reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from domain.transforms import TEXT_KINDS, Transform, Value, coerce, step, trim

_Reader = Callable[[Mapping[str, Any]], Any]
_Converter = Callable[[Any], Value]
Values = Callable[[Mapping[str, Any]], dict[str, Value]]
# A rule as one object reads it: target, source path, type, transforms.
Source = tuple[str, str | None, str, tuple["Transform", ...]]
_MISSING: Any = object()


def compiled(sources: tuple[Source, ...]) -> Values:
    """One function giving a record's values for these rules.

    A sync applies it to every record: written out as one function, with
    a plain field's lookup and the text conversions inline, a record costs
    one call instead of two per rule. Paths and targets enter the code only
    as `repr` literals.
    """
    names: dict[str, Any] = {"_MISSING": _MISSING, "_get_ci": _get_ci}
    lines = ["def values(record):", "    get = record.get"]
    for i, (_target, path, kind, transforms) in enumerate(sources):
        value, convert = f"v{i}", _converter(kind, transforms)
        names[f"convert{i}"] = convert
        if not path:
            names[f"empty{i}"] = convert(None)
            lines.append(f"    {value} = empty{i}")
            continue
        if "." in path:
            names[f"read{i}"] = _related_reader(path)
            lines.append(f"    {value} = read{i}(record)")
        else:
            lines += [
                f"    {value} = get({path!r}, _MISSING)",
                f"    if {value} is _MISSING:",
                f"        {value} = _get_ci(record, {path!r})",
            ]
        lines += _conversion(value, f"convert{i}", convert)
    items = ", ".join(f"{source[0]!r}: v{i}" for i, source in enumerate(sources))
    lines.append(f"    return {{{items}}}")
    # Safe: the code is ours; names and paths are repr() literals in it.
    exec(compile("\n".join(lines), "<field mapping>", "exec"), names)  # noqa: S102
    return cast(Values, names["values"])


def _conversion(value: str, name: str, convert: _Converter) -> list[str]:
    """Lines converting `value` in place; text as it comes, None as None,
    skip the call."""
    if convert is _as_text:
        return [
            f"    if {value} is not None and {value}.__class__ is not str:",
            f"        {value} = {name}({value})",
        ]
    if convert is _as_trimmed_text:
        return [
            f"    if {value}.__class__ is str:",
            f"        {value} = {value}.strip()",
            f"    elif {value} is not None:",
            f"        {value} = {name}({value})",
        ]
    return [f"    {value} = {name}({value})"]


def _related_reader(path: str) -> _Reader:
    """`read_path` for one fixed `Relationship.Field` path."""
    parts = tuple(path.split("."))

    def read_related(record: Mapping[str, Any]) -> Any:
        value: Any = record
        for part in parts:
            # Records are dicts: the exact type test spares the ABC check.
            if type(value) is not dict and not isinstance(value, Mapping):
                return None
            found = value.get(part, _MISSING)
            value = _get_ci(value, part) if found is _MISSING else found
        return value

    return read_related


def _converter(kind: str, transforms: tuple[Transform, ...]) -> _Converter:
    """`convert` with `kind` and `transforms` fixed; text passes straight through."""
    read: _Converter = _as_text if kind in TEXT_KINDS else lambda raw: coerce(raw, kind)
    steps = tuple(step(transform, kind) for transform in transforms)
    if read is _as_text and steps[:1] == (trim,):
        read, steps = _as_trimmed_text, steps[1:]  # The default mapping's rule.
    if not steps:
        return read
    if len(steps) == 1:
        (only,) = steps
        return lambda raw: only(read(raw))

    def convert_value(raw: Any) -> Value:
        value = read(raw)
        for then in steps:
            value = then(value)
        return value

    return convert_value


def _as_text(raw: Any) -> Value:
    if isinstance(raw, str):
        return raw
    return coerce(raw, "string")


def _as_trimmed_text(raw: Any) -> Value:
    if isinstance(raw, str):
        return raw.strip()
    return trim(coerce(raw, "string"))


def read_path(record: Mapping[str, Any], path: str) -> Any:
    """Read `Field` or `Relationship.Field`; a null relationship reads as None."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = _get_ci(value, part)
    return value


def _get_ci(record: Mapping[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    lowered = key.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)
