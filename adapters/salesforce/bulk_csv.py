"""Bulk API 2.0 CSV results turned into records shaped and typed like REST's."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterator, Mapping
from types import CodeType
from typing import Any, cast

Record = dict[str, Any]
Convert = Callable[[str], Any]
# A record's layout: each key holds a column's index or a related record's layout.
Layout = list[tuple[str, "int | Layout"]]

# Distinct values a column may share before it is taken for unique per row.
SHARED_PER_COLUMN = 256
# SOQL follows at most five child-to-parent relationships in a field name.
MAX_RELATIONS = 5
# Times a page's row code is written: once, then again after rows where
# columns stop sharing. A wide header can see a column stop on many
# different rows; past this many, a stopped column keeps its lookup.
MAX_COMPILES = 8
_UNSEEN = object()
_COLON_OFFSET = re.compile(r"([+-]\d\d):(\d\d)$")


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"not a boolean: {text!r}")
    return lowered == "true"


def _rest_datetime(text: str) -> str:
    """`...00.000Z` (Bulk) as `...00.000+0000` (REST): one format downstream."""
    if text.endswith("Z"):
        return text[:-1] + "+0000"
    return _COLON_OFFSET.sub(r"\1\2", text)


CONVERTERS: dict[str, Convert] = {
    "boolean": _boolean,
    "int": int,
    "long": int,
    "double": float,
    "currency": float,
    "percent": float,
    "datetime": _rest_datetime,
}


def read_records(body: bytes, field_types: Mapping[str, str]) -> list[Record]:
    """Every row of a results page; empty cells are None, as REST's nulls.

    Raises ValueError (or `csv.Error`) when the body is not the CSV expected.
    """
    return list(iter_records(body, field_types))


def iter_records(body: bytes, field_types: Mapping[str, str]) -> Iterator[Record]:
    """The rows of `body` one by one, decoded as they are read.

    Only the bytes are held whole: a page's text would take up to four times
    their size (one emoji makes every character of a `str` four bytes wide).
    """
    text = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8-sig", newline="")
    rows = csv.reader(text, strict=True)
    header = next(rows, None)
    if not header:
        # An empty body, or blank lines only: a page of no records. Bulk
        # writes its header first, so rows after a blank first line are
        # refused rather than dropped with it.
        if any(rows):
            raise ValueError("a results page whose first line is blank")
        return
    shape = _Shape(header, field_types)
    for row in rows:
        # A blank line (a trailing one, say) is no row: Bulk quotes every cell.
        if row:
            yield shape.record(row)


class _Shape:
    """What each column becomes: its converter, and where it sits in a record.

    Repeated cells (owners, picklists, timestamps of a batch) become one
    shared value per column, converted once, instead of one object per row:
    the benchmark org's pages take 30-45% less memory. A column showing more
    than `SHARED_PER_COLUMN` distinct values stops sharing: its values rarely
    repeat, and remembering them would cost more than it saves.

    `record` is code written for the header (see `_source`): a row costs one
    call, not a loop per column. It is rewritten before the next row when
    columns stopped sharing on this one, up to `MAX_COMPILES` times; a column
    stopped after that still looks its cells up, misses, and converts them.
    """

    def __init__(self, header: list[str], field_types: Mapping[str, str]) -> None:
        lowered = {name.lower(): kind for name, kind in field_types.items()}
        kinds = [field_types.get(name) or lowered.get(name.lower()) for name in header]
        self.width = len(header)
        self.converters = [CONVERTERS.get(kind or "", str) for kind in kinds]
        # The converted value by text, of each column still sharing.
        self.sharing: dict[int, dict[str, Any]] = {
            index: {} for index in range(self.width)
        }
        self.layout = _layout(header)
        self.compiles = 0
        self.record = self._compile()

    def _first(self, index: int, text: str) -> Any:
        """Convert a text the column has not shown yet, and share it if the
        column still shares."""
        value = self.converters[index](text)
        shared = self.sharing.get(index)
        if shared is None:  # Stopped sharing; the code in use still looks up.
            return value
        if len(shared) < SHARED_PER_COLUMN:
            shared[text] = value
            return value
        del self.sharing[index]
        if self.compiles < MAX_COMPILES:
            # Every column stopping on this row is in the one rewrite.
            self.record = self._recompiled
        return value

    def _recompiled(self, row: list[str]) -> Record:
        self.record = self._compile()
        return self.record(row)

    def _compile(self) -> Callable[[list[str]], Record]:
        self.compiles += 1
        names: dict[str, Any] = {"_UNSEEN": _UNSEEN, "first": self._first}
        for index, shared in self.sharing.items():
            names[f"shared{index}"] = shared
        for index, convert in enumerate(self.converters):
            names[f"convert{index}"] = convert
        source = _source(self.width, self.layout, self.sharing, self.converters)
        exec(_code(source), names)  # noqa: S102 (our code: see `_code`)
        return cast(Callable[[list[str]], Record], names["record"])


# A sync reads three objects, each up to MAX_COMPILES sources.
@functools.lru_cache(maxsize=32)
def _code(source: str) -> CodeType:
    """Compiled once per source: a job's pages share a header, and so the
    same steps from sharing every column to sharing few. Safe: the code is
    ours; header names enter it only as repr() literals."""
    return compile(source, "<bulk csv row>", "exec")


def _source(
    width: int,
    layout: Layout,
    sharing: Mapping[int, object],
    converters: list[Convert],
) -> str:
    """`def record(row)`: each cell, empty as None, converted or shared, put
    in place in a record shaped like REST's."""
    lines = [
        "def record(row):",
        f"    if len(row) != {width}:",
        "        raise ValueError(",
        f"            f'a row of {{len(row)}} cells under {width} names'",
        "        )",
    ]
    if width:
        lines.append(f"    {', '.join(f'c{i}' for i in range(width))}, = row")
    for index in range(width):
        cell = f"c{index}"
        if index in sharing:
            lines += [
                f"    if {cell}:",
                f"        v{index} = shared{index}.get({cell}, _UNSEEN)",
                f"        if v{index} is _UNSEEN:",
                f"            v{index} = first({index}, {cell})",
                "    else:",
                f"        v{index} = None",
            ]
        elif converters[index] is str:
            lines.append(f"    v{index} = {cell} or None")
        else:
            lines.append(f"    v{index} = convert{index}({cell}) if {cell} else None")
    related: list[str] = []
    top = _nested(layout, related, lines)
    lines.append(f"    return {top}")
    return "\n".join(lines)


def _nested(layout: Layout, related: list[str], lines: list[str]) -> str:
    """The expression of a record of `layout`, its related records assigned
    first. CSV cannot tell a missing parent from one whose fields are all
    empty; REST sends null for the former, the common case."""
    items: list[str] = []
    for key, place in layout:
        if isinstance(place, int):
            items.append(f"{key!r}: v{place}")
            continue
        inner = _nested(place, related, lines)
        name = f"r{len(related)}"
        related.append(name)
        lines.append(f"    {name} = {inner}")
        leaves = " and ".join(f"v{index} is None" for index in _leaves(place))
        lines.append(f"    if {leaves}:")
        lines.append(f"        {name} = None")
        items.append(f"{key!r}: {name}")
    return "{" + ", ".join(items) + "}"


def _leaves(layout: Layout) -> Iterator[int]:
    for _key, place in layout:
        if isinstance(place, int):
            yield place
        else:
            yield from _leaves(place)


def _layout(header: list[str]) -> Layout:
    """Dotted names (`Account.Name`) nest, grouped case-insensitively."""
    root: Layout = []
    nodes: dict[tuple[str, ...], Layout] = {(): root}
    for index, name in enumerate(header):
        *relations, leaf = name.split(".")
        if len(relations) > MAX_RELATIONS:
            raise ValueError(
                f"a column name follows more than {MAX_RELATIONS} relationships"
            )
        path: tuple[str, ...] = ()
        parent = root
        for relation in relations:
            path = (*path, relation.lower())
            if path not in nodes:
                nodes[path] = []
                parent.append((relation, nodes[path]))
            parent = nodes[path]
        parent.append((leaf, index))
    return root
