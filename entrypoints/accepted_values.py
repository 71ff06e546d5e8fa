"""The values an enum, literal or tagged union in a msgspec type accepts,
for refusals that list them (request bodies, configuration)."""

from __future__ import annotations

import re
from typing import Any

import msgspec.inspect as shapes


def accepted_values(kind: type[Any], field: str) -> list[str]:
    """The values the enum, literal or tagged union at `field` (`a[0].b`) of
    `kind` accepts; none if the path leads elsewhere."""
    shape: shapes.Type = shapes.type_info(kind)
    for name, _index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field):
        shape = _unwrapped(shape)
        if isinstance(shape, shapes.CollectionType):
            shape = shape.item_type
        elif isinstance(shape, shapes.StructType):
            named = [f.type for f in shape.fields if f.encode_name == name]
            if not named:
                return []
            shape = named[0]
        elif isinstance(shape, shapes.UnionType) and name:
            # The tag of a tagged union of structs (`type` of a transform).
            tags = [t.tag for t in shape.types if isinstance(t, shapes.StructType)]
            return [str(tag) for tag in tags if tag is not None]
        else:
            return []
    shape = _unwrapped(shape)
    if isinstance(shape, shapes.EnumType):
        return [str(member.value) for member in shape.cls]
    if isinstance(shape, shapes.LiteralType):
        return [str(value) for value in shape.values]
    return []


def _unwrapped(shape: shapes.Type) -> shapes.Type:
    """Past annotations, and past null and unset in an optional value."""
    if isinstance(shape, shapes.Metadata):
        return _unwrapped(shape.type)
    if isinstance(shape, shapes.UnionType):
        kept = [
            t
            for t in shape.types
            if not isinstance(t, shapes.NoneType | shapes.CustomType)
        ]
        if len(kept) == 1:
            return _unwrapped(kept[0])
    return shape
